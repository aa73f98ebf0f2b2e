"""Paying online with Stripe Checkout. "Pay now" makes a Checkout Session for the amount due and records it as a
pending `CheckoutAttempt`; nothing is posted then. The payment is posted only from Stripe's webhook, once its
signature is verified: each event is stored once (its unique id, in the transaction that posts), and each checkout
is posted at most once, whatever events name it."""

from __future__ import annotations

import datetime
import logging
import secrets
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from payments.models import CheckoutAttempt, CheckoutStatus, PaymentMethod, WebhookEvent, WebhookOutcome
from payments.services.ledger import LARGEST_AMOUNT, balance, cents, record_payment
from payments.templatetags.money import money

logger = logging.getLogger(__name__)

CURRENCY = "usd"
# Stripe's smallest card charge in US dollars.
SMALLEST_ONLINE_AMOUNT = Decimal("0.50")
# A checkout lasts an hour (Stripe allows 30 minutes to a day); an open one for the same amount is offered again
# rather than a second one made, so two tabs or a double click cannot take the money twice.
CHECKOUT_LIFETIME = datetime.timedelta(hours=1)
REUSE_UNTIL_BEFORE_EXPIRY = datetime.timedelta(minutes=15)
# The student waits on this call: better a clear "try again" than a worker stuck for Stripe's default 80 s. One retry
# (the same idempotency key, so never a second session) keeps the worst case under gunicorn's 30 s worker timeout.
STRIPE_TIMEOUT_SECONDS = 10
STRIPE_RETRIES = 1
# The events that say a checkout's money has arrived: paid by card at once (completed, payment_status "paid"), or
# later for a bank debit (async_payment_succeeded).
PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


def online_payment_enabled() -> bool:
    """Online payment is on when the school has set both Stripe secrets."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def to_cents(amount: Decimal) -> int:
    """Dollars to the cent as Stripe's integer cents, exactly (never through a float)."""
    if not isinstance(amount, Decimal) or amount != cents(amount):
        raise ValueError(f"{amount!r} is not an amount in dollars and cents")
    return int(amount.scaleb(2))


def from_cents(value: object) -> Decimal | None:
    """Stripe's integer cents as dollars, exactly; None for anything but a whole number."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return Decimal(value).scaleb(-2)


def student_due(enrollment: Enrollment) -> Decimal:
    """What the student (not a sponsor) owes on the enrollment now; zero or less when nothing is owed."""
    return balance(enrollment).student.due


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
        max_network_retries=STRIPE_RETRIES,
    )


def start_checkout(
    *,
    enrollment: Enrollment,
    success_url: str,
    cancel_url: str,
    amount: Decimal | None = None,
    description: str = "",
) -> CheckoutAttempt:
    """Make (or offer again) a Stripe Checkout Session for `amount`, by default all the student owes; nothing is
    posted until Stripe's webhook says the money arrived. `amount` lets a part be paid (an instalment)."""
    if not online_payment_enabled():
        raise EnrollmentError(
            _("Paying online is not available; the school office takes payments by phone or in person."),
            code="online_payment_off",
        )
    due = student_due(enrollment)
    if due <= 0:
        raise EnrollmentError(_("You owe nothing at the moment."), code="nothing_due")
    amount = due if amount is None else amount
    if not isinstance(amount, Decimal):
        raise TypeError("Money is a Decimal, never a float.")
    if amount != cents(amount) or amount <= 0 or amount > LARGEST_AMOUNT:
        raise EnrollmentError(_("Enter the amount in dollars and cents (e.g. 250.00)."), code="amount_invalid")
    if amount > due:
        raise EnrollmentError(
            _("That is more than you owe (%(due)s); pay %(due)s or less.") % {"due": money(due)},
            code="amount_invalid",
        )
    if amount < SMALLEST_ONLINE_AMOUNT:
        raise EnrollmentError(
            _("Online payments start at %(least)s; pay a smaller amount at the school office.")
            % {"least": money(SMALLEST_ONLINE_AMOUNT)},
            code="amount_invalid",
        )
    now = timezone.now()
    still_open = (
        CheckoutAttempt.objects.filter(
            enrollment=enrollment,
            amount=amount,
            status=CheckoutStatus.PENDING,
            expires_at__gt=now + REUSE_UNTIL_BEFORE_EXPIRY,
        )
        .order_by("-created_at")
        .first()
    )
    if still_open is not None:
        return still_open

    course = enrollment.cohort.course
    description = description or _("%(course)s (%(cohort)s): tuition and fees") % {
        "course": course.title,
        "cohort": enrollment.cohort.code,
    }
    nonce = secrets.token_urlsafe(24)
    expires_at = now + CHECKOUT_LIFETIME
    metadata = {"enrollment": str(enrollment.pk), "nonce": nonce}
    try:
        # Outside any transaction: no row is locked while Stripe answers.
        session = stripe_client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": CURRENCY,
                            "unit_amount": to_cents(amount),
                            "product_data": {"name": description[:160]},
                        },
                    }
                ],
                "client_reference_id": f"enrollment-{enrollment.pk}",
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata, "description": description[:160]},
                "customer_email": enrollment.student.email,
                "success_url": success_url,
                "cancel_url": cancel_url,
                "expires_at": int(expires_at.timestamp()),
            },
            # The same nonce twice (a retry) makes one session at Stripe.
            options={"idempotency_key": f"checkout-{nonce}"},
        )
    except stripe.StripeError as error:
        logger.warning("Stripe refused or did not answer a checkout for enrollment %s: %s", enrollment.pk, error)
        raise EnrollmentError(
            _("Paying online is not available right now. Try again in a few minutes, or pay the school office."),
            code="payment_provider_unavailable",
        ) from error
    if not getattr(session, "id", None) or not getattr(session, "url", None):
        logger.warning("Stripe's checkout for enrollment %s came back without an id or an address.", enrollment.pk)
        raise EnrollmentError(
            _("Paying online is not available right now. Try again in a few minutes, or pay the school office."),
            code="payment_provider_unavailable",
        )
    return CheckoutAttempt.objects.create(
        enrollment=enrollment,
        session_id=session.id,
        url=session.url,
        nonce=nonce,
        amount=amount,
        description=description[:160],
        created_at=now,
        expires_at=expires_at,
    )


def handle_webhook(*, payload: bytes, signature: str) -> WebhookEvent | None:
    """Verify a webhook call from Stripe and act on its event: a paid checkout posts the payment (and its receipt
    e-mail); anything else is stored and ignored. Returns the stored event, or None when it was handled before.
    Refuses (`webhook_unverified`) a call whose signature is missing, wrong or older than Stripe's five minutes."""
    if not online_payment_enabled():
        raise EnrollmentError(_("Paying online is not turned on."), code="online_payment_off")
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET).to_dict()
    except stripe.SignatureVerificationError as error:
        logger.warning("A Stripe webhook call was refused: %s", error)
        raise EnrollmentError(_("The webhook's signature could not be verified."), code="webhook_unverified") from error
    except (ValueError, TypeError, AttributeError) as error:
        # Signed (or not text at all), but not a JSON object the library can read as an event.
        logger.warning("A Stripe webhook call's body is not an event: %s", error)
        raise EnrollmentError(_("The webhook's body is not a Stripe event."), code="webhook_unverified") from error
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise EnrollmentError(_("The webhook's body is not a Stripe event."), code="webhook_unverified")
    return _act_on(event)


@transaction.atomic
def _act_on(event: dict) -> WebhookEvent | None:
    try:
        # The event's id is unique: a second delivery, even one running at the same moment on another worker, waits
        # for the first's transaction here and then finds the id taken.
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event["id"][:255],
                type=event["type"][:100],
                livemode=bool(event.get("livemode")),
                outcome=WebhookOutcome.IGNORED,
                payload=event,
            )
    except IntegrityError:
        logger.info("Stripe event %s was delivered again; it was handled before.", event["id"])
        return None
    if record.type in PAID_EVENTS:
        _settle_checkout(record, event)
    else:
        logger.info("Stripe event %s of type %s stored and ignored.", record.event_id, record.type)
    record.save()
    return record


def _settle_checkout(record: WebhookEvent, event: dict) -> None:
    """Post a paid checkout's payment, once per checkout, when everything in the event matches what was asked."""
    data = event.get("data")
    session = data.get("object") if isinstance(data, dict) else None
    session = session if isinstance(session, dict) else {}
    record.session_id = str(session.get("id") or "")[:255]
    record.amount = from_cents(session.get("amount_total"))
    if session.get("payment_status") != "paid":
        record.outcome = WebhookOutcome.NOT_PAID_YET
        return
    attempt = (
        CheckoutAttempt.objects.select_for_update().select_related("enrollment").filter(session_id=record.session_id)
    ).first()
    if attempt is None:
        record.outcome = WebhookOutcome.UNKNOWN_SESSION
        record.note = _("Stripe says this checkout was paid, but this site did not make it: nothing was posted.")
        logger.warning("Stripe event %s: paid checkout %r unknown here.", record.event_id, record.session_id)
        return
    record.attempt = attempt
    if attempt.entry_id is not None:
        record.outcome = WebhookOutcome.ALREADY_POSTED
        record.entry_id = attempt.entry_id
        return
    metadata = session.get("metadata") if isinstance(session.get("metadata"), dict) else {}
    differences = []
    if record.amount != attempt.amount:
        differences.append(
            _("paid %(paid)s, asked %(asked)s")
            % {"paid": money(record.amount) if record.amount is not None else "?", "asked": money(attempt.amount)}
        )
    if str(session.get("currency", "")).lower() != CURRENCY:
        differences.append(_("currency %(currency)s") % {"currency": str(session.get("currency", ""))[:10]})
    if metadata.get("nonce") != attempt.nonce or metadata.get("enrollment") != str(attempt.enrollment_id):
        differences.append(_("the checkout's metadata do not match"))
    if differences:
        record.outcome = WebhookOutcome.MISMATCH
        record.note = (
            _("Not posted: %(what)s. Check the payment in Stripe and record it by hand.")
            % {"what": "; ".join(differences)}
        )[:300]
        attempt.status = CheckoutStatus.NEEDS_STAFF
        attempt.save(update_fields=["status"])
        logger.warning("Stripe event %s not posted: %s", record.event_id, record.note)
        return
    entry = record_payment(
        enrollment=attempt.enrollment,
        amount=attempt.amount,
        method=PaymentMethod.ONLINE,
        actor=None,
        reference=str(session.get("payment_intent") or record.session_id),
    )
    attempt.entry = entry
    attempt.status = CheckoutStatus.PAID
    attempt.save(update_fields=["entry", "status"])
    record.entry = entry
    record.outcome = WebhookOutcome.POSTED
