"""On a phone: a student pays online. The status page offers "Pay now", the payments page shows the amount and the
button, Stripe's checkout (a small HTTP server on this machine standing in for api.stripe.com, whose checkout address
leads straight back as Stripe does after a payment) returns the student to "Thank you", and the signed webhook posts
the payment, which then shows with its receipt."""

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.test import Client, override_settings
from playwright.sync_api import Page, expect

from enrollment import services
from payments.models import CheckoutAttempt
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WEBHOOK_SECRET = "whsec_browser_journey"


def stand_in_for_stripe(return_to: str) -> tuple[ThreadingHTTPServer, list[dict]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            received.append(dict(parse_qsl(body)))
            data = json.dumps({"id": "cs_test_journey", "object": "checkout.session", "url": return_to}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_a_student_pays_online_and_sees_the_payment_once_stripe_confirms(live_server, page: Page, screenshot):
    make_groups()
    course = make_course(tuition=Decimal("1495.00"), title="Emergency Medical Technician")
    enrollment = services.request_seat(
        cohort=make_cohort(course, code="EMT-2027-SPR-EVE"), student=student_details(), confirmed=True
    )
    paid_page = f"{live_server.url}/my/{enrollment.token}/payments/paid/"
    server, received = stand_in_for_stripe(return_to=paid_page)
    try:
        with override_settings(
            STRIPE_SECRET_KEY="sk_test_journey",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=f"http://127.0.0.1:{server.server_address[1]}",
        ):
            page.set_viewport_size(PHONE)
            page.goto(live_server.url + enrollment.get_absolute_url())
            expect(page.get_by_text("You owe $1,495.00 of the $1,495.00 charged.")).to_be_visible()
            page.get_by_role("link", name="Pay now").click()
            expect(page.get_by_role("heading", name="Pay online")).to_be_visible()
            screenshot("payments-pay-online-phone")

            page.get_by_role("button", name="Pay now: $1,495.00").click()
            expect(page.get_by_role("heading", name="Thank you for your payment")).to_be_visible()
            expect(page.get_by_text("is confirming your payment")).to_be_visible()
            screenshot("payments-thank-you-confirming-phone")
            [sent] = received
            assert sent["line_items[0][price_data][unit_amount]"] == "149500"

            attempt = CheckoutAttempt.objects.get()
            event = {
                "id": "evt_journey",
                "type": "checkout.session.completed",
                "data": {
                    "object": {
                        "id": attempt.session_id,
                        "amount_total": 149500,
                        "currency": "usd",
                        "payment_status": "paid",
                        "payment_intent": "pi_journey",
                        "metadata": {"enrollment": str(enrollment.pk), "nonce": attempt.nonce},
                    }
                },
            }
            payload = json.dumps(event)
            at = int(time.time())
            signature = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
            response = Client().post(
                "/payments/stripe/webhook/",
                payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=f"t={at},v1={signature}",
            )
            assert response.status_code == 200

            page.reload()
            expect(page.get_by_text("Your payment of $1,495.00 is recorded.")).to_be_visible()
            page.get_by_role("link", name="Charges and payments").click()
            expect(page.get_by_text("Payment from the student")).to_be_visible()
            expect(page.get_by_role("link", name="Receipt (PDF)")).to_be_visible()
            expect(page.get_by_role("button", name="Pay now")).to_have_count(0)
            screenshot("payments-paid-online-phone")

            page.goto(f"{live_server.url}/my/{enrollment.token}/payments/cancelled/")
            expect(page.get_by_text("nothing was charged")).to_be_visible()
            screenshot("payments-checkout-cancelled-phone")
    finally:
        server.shutdown()
        server.server_close()


def test_a_student_on_a_plan_pays_the_next_payment_online(live_server, page: Page, screenshot):
    from payments.models import DueRule, PaymentPlan, PlanStep

    make_groups()
    course = make_course(tuition=Decimal("1200.00"), title="Emergency Medical Technician")
    plan = PaymentPlan.objects.create(name="Two payments", course=course)
    PlanStep.objects.create(plan=plan, percent=Decimal(50), due=DueRule.AFTER_ENROLLING, days=7)
    PlanStep.objects.create(plan=plan, percent=Decimal(50), due=DueRule.BEFORE_START, days=7)
    enrollment = services.request_seat(
        cohort=make_cohort(course, code="EMT-2027-SPR-EVE"), student=student_details(), confirmed=True
    )
    server, received = stand_in_for_stripe(return_to=f"{live_server.url}/my/{enrollment.token}/payments/paid/")
    try:
        with override_settings(
            STRIPE_SECRET_KEY="sk_test_journey",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=f"http://127.0.0.1:{server.server_address[1]}",
        ):
            for name, size in [("phone", PHONE), ("laptop", {"width": 1366, "height": 768})]:
                page.set_viewport_size(size)
                page.goto(f"{live_server.url}/my/{enrollment.token}/payments/#pay-online")
                expect(page.get_by_role("button", name="Pay the next payment: $600.00")).to_be_visible()
                expect(page.get_by_role("button", name="Pay everything: $1,200.00")).to_be_visible()
                screenshot(f"payments-pay-next-{name}")
            page.get_by_role("button", name="Pay the next payment: $600.00").click()
            expect(page.get_by_role("heading", name="Thank you for your payment")).to_be_visible()
            [sent] = received
            assert sent["line_items[0][price_data][unit_amount]"] == "60000"
            assert "next payment" in sent["line_items[0][price_data][product_data][name]"]
    finally:
        server.shutdown()
        server.server_close()
