"""Paying online with Stripe Checkout, without the network: "Pay now" talks to a small HTTP server on this machine
standing in for api.stripe.com (a fake of the third party, not of our code), and the webhook gets payloads built and
signed here, as Stripe signs them (Stripe-Signature: t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>"))."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment import services as enrollment_services
from enrollment.models import OutgoingEmail
from enrollment.services import EnrollmentError
from payments import services
from payments.models import (
    CheckoutAttempt,
    CheckoutStatus,
    LedgerEntry,
    Sponsor,
    SponsorKind,
    SponsorShare,
    WebhookEvent,
    WebhookOutcome,
)
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = pytest.mark.django_db

SECRET_KEY = "sk_test_elite_not_a_real_key"
WEBHOOK_SECRET = "whsec_test_elite_not_a_real_secret"
WEBHOOK = "/payments/stripe/webhook/"


# --- a stand-in for api.stripe.com ------------------------------------------------------------------------------------


@dataclass
class FakeStripe:
    """What the stand-in received, and what it answers next (a Checkout Session, or Stripe's error)."""

    base: str = ""
    requests: list[dict] = field(default_factory=list)
    fail_with: int | None = None

    @property
    def checkouts(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/v1/checkout/sessions"]


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "form": dict(parse_qsl(body))})
            n = len(fake.requests)
            if fake.fail_with:
                status, answer = fake.fail_with, {"error": {"type": "invalid_request_error", "message": "No."}}
            else:
                status, answer = (
                    200,
                    {
                        "id": f"cs_test_{n}",
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.com/c/pay/cs_test_{n}",
                        "payment_status": "unpaid",
                    },
                )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stripe_on(fake_stripe) -> Iterator[FakeStripe]:
    """The school has set both Stripe secrets; the API is the stand-in."""
    with override_settings(
        STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake_stripe.base
    ):
        yield fake_stripe


@pytest.fixture
def enrollment():
    course = make_course(tuition=Decimal("1495.00"), title="Emergency Medical Technician")
    return enrollment_services.request_seat(
        cohort=make_cohort(course=course, code="EMT-ONL"), student=student_details(), confirmed=True
    )


def start(enrollment, **kwargs) -> CheckoutAttempt:
    return services.start_checkout(
        enrollment=enrollment, success_url="https://site.example/ok", cancel_url="https://site.example/no", **kwargs
    )


@pytest.fixture
def attempt(stripe_on, enrollment) -> CheckoutAttempt:
    return start(enrollment)


# --- webhook payloads, signed here ------------------------------------------------------------------------------------


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def checkout_event(
    attempt: CheckoutAttempt | None,
    *,
    event_id: str = "evt_1",
    type: str = "checkout.session.completed",
    amount_total: int | None = None,
    payment_status: str = "paid",
    currency: str = "usd",
    session_id: str | None = None,
    metadata: dict | None = None,
) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": type,
        "livemode": False,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": session_id or attempt.session_id,
                "object": "checkout.session",
                "amount_total": amount_total if amount_total is not None else int(attempt.amount * 100),
                "currency": currency,
                "payment_status": payment_status,
                "payment_intent": "pi_test_1",
                "client_reference_id": f"enrollment-{attempt.enrollment_id}" if attempt else "",
                "metadata": metadata
                if metadata is not None
                else {"enrollment": str(attempt.enrollment_id), "nonce": attempt.nonce},
            }
        },
    }


def deliver(client: Client, event: dict, **signing) -> object:
    payload = json.dumps(event)
    return client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload, **signing)
    )


def online_payments(enrollment) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(enrollment=enrollment, kind="payment", method="online"))


# --- "Pay now" --------------------------------------------------------------------------------------------------------


def test_a_student_on_a_plan_may_pay_the_next_payment_or_everything(client, stripe_on):
    from payments.models import DepositRule, DueRule, PaymentPlan, PlanStep

    course = make_course(tuition=Decimal("1200.00"), slug="emt-plan")
    plan = PaymentPlan.objects.create(name="Two payments", course=course)
    PlanStep.objects.create(plan=plan, percent=Decimal(50), due=DueRule.AFTER_ENROLLING, days=7)
    PlanStep.objects.create(plan=plan, percent=Decimal(50), due=DueRule.BEFORE_START, days=7)
    cohort = make_cohort(course=course, code="EMT-PLAN")
    seat = enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
    page = client.get(reverse("payments:payments", args=[seat.token])).content.decode()
    assert "Pay the next payment: $600.00" in page and "Pay everything: $1,200.00" in page
    pay_now = reverse("payments:pay_now", args=[seat.token])
    # The amount is worked out on the server: a forged amount in the form changes nothing.
    assert client.post(pay_now, {"pay": "next", "amount": "1.00"}).status_code == 303
    assert client.post(pay_now, {"pay": "all"}).status_code == 303
    assert client.post(pay_now, {"pay": "later"}).status_code == 303  # anything else: everything owed (reused)
    assert client.post(pay_now, {"pay": "\x00"}).status_code == 400  # refused whole, as every form with a NUL
    amounts = sorted(CheckoutAttempt.objects.filter(enrollment=seat).values_list("amount", "description"))
    assert amounts == [
        (Decimal("600.00"), f"{course.title} (EMT-PLAN): next payment"),
        (Decimal("1200.00"), f"{course.title} (EMT-PLAN): tuition and fees"),
    ]
    # Half paid: the next payment is the rest, which is everything owed, so one button remains.
    services.record_payment(enrollment=seat, amount=Decimal("600.00"), method="cash", actor=None)
    page = client.get(reverse("payments:payments", args=[seat.token])).content.decode()
    assert "Pay the next payment" not in page and "Pay now: $600.00" in page
    # A deposit not yet paid is the next payment, before any instalment.
    DepositRule.objects.create(course=course, amount=Decimal("150.00"), days=3)
    other = enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
    page = client.get(reverse("payments:payments", args=[other.token])).content.decode()
    assert "Pay the next payment: $150.00" in page


def test_pay_now_makes_a_checkout_for_what_the_student_owes_and_posts_nothing(client, stripe_on, enrollment):
    payments_url = reverse("payments:payments", args=[enrollment.token])
    page = client.get(payments_url)
    assert "Pay now: $1,495.00" in page.content.decode()
    assert "https://checkout.stripe.com" in page["Content-Security-Policy"]  # the form may lead there

    response = client.post(reverse("payments:pay_now", args=[enrollment.token]))

    assert response.status_code == 303
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    [sent] = stripe_on.checkouts
    attempt = CheckoutAttempt.objects.get()
    form = sent["form"]
    assert sent["headers"]["Authorization"] == f"Bearer {SECRET_KEY}"
    assert sent["headers"]["Idempotency-Key"] == f"checkout-{attempt.nonce}"
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "149500"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[enrollment]"] == str(enrollment.pk)
    assert form["metadata[nonce]"] == attempt.nonce and len(attempt.nonce) >= 32
    assert form["client_reference_id"] == f"enrollment-{enrollment.pk}"
    assert form["customer_email"] == enrollment.student.email
    assert form["success_url"] == f"http://127.0.0.1:8000/my/{enrollment.token}/payments/paid/"
    assert form["cancel_url"] == f"http://127.0.0.1:8000/my/{enrollment.token}/payments/cancelled/"
    assert (attempt.session_id, attempt.amount, attempt.status) == ("cs_test_1", Decimal("1495.00"), "pending")
    assert online_payments(enrollment) == []
    assert services.student_due(enrollment) == Decimal("1495.00")


def test_a_second_pay_now_offers_the_same_open_checkout(client, stripe_on, enrollment):
    url = reverse("payments:pay_now", args=[enrollment.token])
    first, second = client.post(url), client.post(url)
    assert first["Location"] == second["Location"]
    assert len(stripe_on.checkouts) == 1 and CheckoutAttempt.objects.count() == 1


def test_the_checkout_asks_only_the_students_part_or_the_amount_given(stripe_on, enrollment):
    fire = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=fire, percent=Decimal(40))
    assert start(enrollment).amount == Decimal("897.00")
    assert stripe_on.checkouts[-1]["form"]["line_items[0][price_data][unit_amount]"] == "89700"
    instalment = start(enrollment, amount=Decimal("299.99"))
    assert stripe_on.checkouts[-1]["form"]["line_items[0][price_data][unit_amount]"] == "29999"
    assert instalment.amount == Decimal("299.99")
    for wrong in (Decimal("897.01"), Decimal("0"), Decimal("10.005"), Decimal("0.49")):
        with pytest.raises(EnrollmentError) as refused:
            start(enrollment, amount=wrong)
        assert refused.value.code == "amount_invalid", wrong
    with pytest.raises(TypeError):
        start(enrollment, amount=12.5)


def test_nothing_owed_means_no_checkout(client, stripe_on, enrollment):
    services.record_payment(enrollment=enrollment, amount=Decimal("1495.00"), method="cash", actor=None)
    with pytest.raises(EnrollmentError) as refused:
        start(enrollment)
    assert refused.value.code == "nothing_due"
    assert "Pay now" not in client.get(reverse("payments:payments", args=[enrollment.token])).content.decode()
    response = client.post(reverse("payments:pay_now", args=[enrollment.token]), follow=True)
    assert "You owe nothing at the moment." in response.content.decode()
    assert stripe_on.checkouts == []


def test_when_stripe_refuses_the_student_is_told_to_try_again_or_pay_the_office(client, stripe_on, enrollment):
    stripe_on.fail_with = 400
    response = client.post(reverse("payments:pay_now", args=[enrollment.token]), follow=True)
    assert response.redirect_chain == [(reverse("payments:payments", args=[enrollment.token]), 302)]
    assert "Try again in a few minutes, or pay the school office." in response.content.decode()
    assert CheckoutAttempt.objects.count() == 0


def test_when_stripe_cannot_be_reached_nothing_is_recorded(settings, enrollment):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = SECRET_KEY, WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(EnrollmentError) as refused:
        start(enrollment)
    assert refused.value.code == "payment_provider_unavailable"
    assert CheckoutAttempt.objects.count() == 0


def test_without_the_keys_the_page_says_how_to_pay_the_office(client, enrollment):
    page = client.get(reverse("payments:payments", args=[enrollment.token])).content.decode()
    assert "To pay, call the school office" in page and "Pay now" not in page
    status = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Charges and payments" in status and "Pay now" not in status
    refused = client.post(reverse("payments:pay_now", args=[enrollment.token]), follow=True)
    assert "Paying online is not available" in refused.content.decode()
    assert client.post(WEBHOOK, "{}", content_type="application/json").status_code == 404


def test_the_status_page_card_offers_pay_now(client, stripe_on, enrollment):
    page = client.get(enrollment.get_absolute_url()).content.decode()
    assert f'href="/my/{enrollment.token}/payments/#pay-online">Pay now</a>' in page


def test_pay_now_is_a_post_with_the_students_own_link(stripe_on, enrollment):
    strict = Client(enforce_csrf_checks=True)
    url = reverse("payments:pay_now", args=[enrollment.token])
    assert strict.post(url).status_code == 403  # no CSRF token
    assert strict.get(url).status_code == 405
    assert Client().post(reverse("payments:pay_now", args=["A" * 43])).status_code == 404  # nobody's link
    assert stripe_on.checkouts == []


# --- the webhook ------------------------------------------------------------------------------------------------------


def test_a_paid_checkout_posts_the_payment_and_emails_the_receipt(
    client, attempt, enrollment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, checkout_event(attempt))
    assert response.status_code == 200
    [entry] = online_payments(enrollment)
    assert (entry.amount, entry.reference, entry.recorded_by) == (Decimal("-1495.00"), "pi_test_1", None)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.entry) == (CheckoutStatus.PAID, entry)
    event = WebhookEvent.objects.get()
    assert (event.outcome, event.entry, event.amount) == (WebhookOutcome.POSTED, entry, Decimal("1495.00"))
    assert services.student_due(enrollment) == Decimal(0)
    [receipt] = [m for m in mail.outbox if "receipt" in m.subject.lower()]
    assert receipt.to == [enrollment.student.email]


def test_the_same_event_twice_posts_once(client, attempt, enrollment):
    event = checkout_event(attempt)
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert len(online_payments(enrollment)) == 1
    assert WebhookEvent.objects.count() == 1


def test_another_event_about_a_posted_checkout_posts_nothing_more(client, attempt, enrollment):
    deliver(client, checkout_event(attempt, event_id="evt_1"))
    later = checkout_event(attempt, event_id="evt_2", type="checkout.session.async_payment_succeeded")
    assert deliver(client, later).status_code == 200
    assert len(online_payments(enrollment)) == 1
    assert WebhookEvent.objects.get(event_id="evt_2").outcome == WebhookOutcome.ALREADY_POSTED


def test_a_bank_debit_is_posted_when_it_succeeds_not_when_the_checkout_completes(client, attempt, enrollment):
    deliver(client, checkout_event(attempt, event_id="evt_1", payment_status="unpaid"))
    assert online_payments(enrollment) == []
    assert WebhookEvent.objects.get(event_id="evt_1").outcome == WebhookOutcome.NOT_PAID_YET
    deliver(client, checkout_event(attempt, event_id="evt_2", type="checkout.session.async_payment_succeeded"))
    assert len(online_payments(enrollment)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "garbage",
        "t=abc,v1=00",
        "t=1700000000",
        "wrong secret",
        "tampered",
    ],
)
def test_a_call_that_is_not_signed_by_stripe_is_refused_and_stored_nowhere(client, attempt, enrollment, signature):
    payload = json.dumps(checkout_event(attempt))
    headers = {}
    if signature == "wrong secret":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(payload, secret="whsec_someone_else")
    elif signature == "tampered":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(payload)
        payload = payload.replace("149500", "1")
    elif signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    response = client.post(WEBHOOK, payload, content_type="application/json", **headers)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0 and online_payments(enrollment) == []


def test_a_stale_signature_is_refused_a_fresh_one_is_not(client, attempt, enrollment):
    event = checkout_event(attempt)
    assert deliver(client, event, at=int(time.time()) - 301).status_code == 400  # Stripe's tolerance: 5 minutes
    assert online_payments(enrollment) == []
    assert deliver(client, event, at=int(time.time()) - 240).status_code == 200
    assert len(online_payments(enrollment)) == 1


def test_an_event_we_do_not_act_on_is_stored_and_ignored(client, attempt, enrollment):
    event = {"id": "evt_x", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    assert deliver(client, event).status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.type, stored.outcome, stored.payload["data"]["object"]["id"]) == (
        "customer.created",
        WebhookOutcome.IGNORED,
        "cus_1",
    )
    assert online_payments(enrollment) == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"amount_total": 100}, "paid $1.00, asked $1,495.00"),
        ({"amount_total": 149600}, "paid $1,496.00"),
        ({"currency": "eur"}, "currency eur"),
        ({"metadata": {"enrollment": "1", "nonce": "guessed"}}, "metadata do not match"),
    ],
)
def test_a_checkout_that_differs_from_what_was_asked_is_left_to_staff(client, attempt, enrollment, change, why):
    assert deliver(client, checkout_event(attempt, **change)).status_code == 200
    assert online_payments(enrollment) == []
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookOutcome.MISMATCH and event.needs_staff and why in event.note
    attempt.refresh_from_db()
    assert attempt.status == CheckoutStatus.NEEDS_STAFF


def test_a_paid_session_this_site_did_not_make_is_left_to_staff(client, attempt, enrollment):
    event = checkout_event(attempt, session_id="cs_live_elsewhere")
    assert deliver(client, event).status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.outcome, stored.session_id, stored.attempt) == (
        WebhookOutcome.UNKNOWN_SESSION,
        "cs_live_elsewhere",
        None,
    )
    assert online_payments(enrollment) == []


def test_a_mail_outage_does_not_turn_the_posted_payment_into_an_error(
    client, attempt, enrollment, django_capture_on_commit_callbacks
):
    unreachable = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with override_settings(MAILERS=unreachable), django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, checkout_event(attempt))
    assert response.status_code == 200
    [entry] = online_payments(enrollment)
    receipt = OutgoingEmail.objects.get(kind="payment_receipt", about_id=entry.pk)
    assert receipt.sent_at is None  # still in the outbox, retried by the job runner


def test_hostile_webhook_bodies_get_a_400_never_a_500(client, attempt):
    bodies = ["", "\x00", "x" * 100_000, "[]", "null", '{"id": 1, "type": 2}', '{"id": "evt", "type": "x"', "é"]
    for body in bodies:
        for signature in ("", sign(body), "t=99999999999999999999,v1=0", "x" * 10_000):
            response = client.post(
                WEBHOOK, body.encode(), content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            assert response.status_code == 400, (body[:20], signature[:20], response.status_code)
    # A signed event whose checkout is shaped wrongly is stored, not posted, and not an error.
    odd = {"id": "evt_odd", "type": "checkout.session.completed", "data": {"object": ["not", "a", "session"]}}
    assert deliver(client, odd).status_code == 200
    assert client.get(WEBHOOK).status_code == 405


# --- the return pages and the back office -----------------------------------------------------------------------------


def test_the_return_pages_say_what_happens_next(client, attempt, enrollment):
    paid_url = reverse("payments:checkout_paid", args=[enrollment.token])
    assert "Stripe, our payment processor, is confirming your payment" in client.get(paid_url).content.decode()
    deliver(client, checkout_event(attempt))
    assert "Your payment of $1,495.00 is recorded." in client.get(paid_url).content.decode()
    cancelled = client.get(reverse("payments:checkout_cancelled", args=[enrollment.token])).content.decode()
    assert "nothing was charged" in cancelled
    assert client.get(reverse("payments:checkout_paid", args=["A" * 43])).status_code == 404


def test_the_return_pages_run_the_same_queries_with_more_checkouts(client, stripe_on, enrollment):
    url = reverse("payments:checkout_paid", args=[enrollment.token])
    start(enrollment, amount=Decimal("10.00"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        start(enrollment, amount=Decimal(20 + n))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.fixture
def staff_client(client):
    make_groups()
    user = get_user_model().objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(user)
    return client


def test_staff_see_the_webhook_events_and_the_ones_needing_them_read_only(staff_client, attempt, enrollment):
    deliver(staff_client, checkout_event(attempt, event_id="evt_ok"))
    deliver(staff_client, checkout_event(attempt, event_id="evt_bad", session_id="cs_unknown"))
    events = reverse("admin:payments_webhookevent_changelist")
    everything = staff_client.get(events).content.decode()
    assert "cs_unknown" in everything and attempt.session_id in everything
    needing = staff_client.get(events + "?needs_staff=yes").content.decode()
    assert "cs_unknown" in needing and f">{attempt.session_id}<" not in needing
    stored = WebhookEvent.objects.get(event_id="evt_ok")
    assert staff_client.get(reverse("admin:payments_webhookevent_change", args=[stored.pk])).status_code == 200
    assert staff_client.get(reverse("admin:payments_webhookevent_add")).status_code == 403
    assert staff_client.post(reverse("admin:payments_webhookevent_delete", args=[stored.pk])).status_code == 403
    checkouts = staff_client.get(reverse("admin:payments_checkoutattempt_changelist"))
    assert checkouts.status_code == 200 and attempt.session_id in checkouts.content.decode()
    page = staff_client.get(reverse("admin:payments_checkoutattempt_change", args=[attempt.pk])).content.decode()
    assert attempt.nonce not in page


def test_the_back_office_lists_run_the_same_queries_with_more_events(staff_client, stripe_on, enrollment):
    urls = [reverse("admin:payments_webhookevent_changelist"), reverse("admin:payments_checkoutattempt_changelist")]

    def counts() -> list[int]:
        result = []
        for url in urls:
            staff_client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(url).status_code == 200
            result.append(len(queries))
        return result

    first = start(enrollment, amount=Decimal("10.00"))
    deliver(staff_client, checkout_event(first, event_id="evt_0"))
    few = counts()
    for n in range(1, 6):
        more = start(enrollment, amount=Decimal(10 + n))
        deliver(staff_client, checkout_event(more, event_id=f"evt_{n}"))
        deliver(staff_client, checkout_event(more, event_id=f"evt_{n}_x", session_id=f"cs_other_{n}"))
    assert counts() == few


# --- Stripe delivering at once, on PostgreSQL -------------------------------------------------------------------------
#
# The same event to several workers, and different events about one checkout, post one payment: the event's unique id
# (written in the posting transaction) and the checkout's row lock hold. The negative control posts without them and
# takes the money as many times as it is told.

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need a database server (CI runs it)"
)


def deliver_now(event: dict) -> None:
    payload = json.dumps(event)
    services.handle_webhook(payload=payload.encode(), signature=sign(payload))


def paid_count(attempt: CheckoutAttempt) -> int:
    return LedgerEntry.objects.filter(enrollment_id=attempt.enrollment_id, kind="payment").count()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_the_same_event_delivered_to_eight_workers_at_once_posts_once(race, attempt):
    event = checkout_event(attempt)
    assert race(8, lambda i: deliver_now(event)) == []
    assert paid_count(attempt) == 1
    assert WebhookEvent.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_eight_different_events_about_one_checkout_at_once_post_once(race, attempt):
    kinds = ["checkout.session.completed", "checkout.session.async_payment_succeeded"]
    assert race(8, lambda i: deliver_now(checkout_event(attempt, event_id=f"evt_{i}", type=kinds[i % 2]))) == []
    assert paid_count(attempt) == 1
    assert sorted(WebhookEvent.objects.values_list("outcome", flat=True)) == ["already_posted"] * 7 + ["posted"]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_negative_control_posting_without_the_event_table_and_the_lock_takes_the_money_each_time(race, attempt):
    def naive(i: int) -> None:
        services.record_payment(
            enrollment=attempt.enrollment, amount=attempt.amount, method="online", actor=None, reference="pi_test_1"
        )

    assert race(8, naive) == []
    assert paid_count(attempt) == 8


def test_one_stripe_secret_without_the_other_is_a_warning(settings):
    from django.core.checks import run_checks

    def warnings() -> list[str]:
        return [message.id for message in run_checks() if message.id == "payments.W001"]

    assert warnings() == []
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    assert warnings() == ["payments.W001"]
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    assert warnings() == []
