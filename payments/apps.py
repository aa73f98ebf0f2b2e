from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Tuition and payments: a ledger per enrollment, fees per course, sponsors and their shares and invoices, payment
    plans, the optional deposit, refunds by policy, paying online and staff's money reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Tuition and payments")

    def ready(self) -> None:
        from courses.seat_board import register_seat_board_flags
        from courses.views import register_policy_section
        from enrollment.notifications import register_sender
        from enrollment.portal import register_roster_notes
        from enrollment.services import register_enrollment_listener
        from enrollment.views import register_status_page_section
        from payments.checks import check_stripe_keys
        from payments.invoices import INVOICE_EMAIL, send_invoice
        from payments.receipts import RECEIPT_EMAIL, send_receipt
        from payments.services import charge_when_seated, propose_refund
        from payments.services.plans import roster_notes, seat_board_flags
        from payments.services.refunds import REFUND_SETTLED_EMAIL, send_refund_settled
        from payments.services.reminders import SENDERS
        from payments.views import refund_policy_section, status_page_section

        register_enrollment_listener(charge_when_seated)
        register_enrollment_listener(propose_refund)
        register_policy_section("refund_policy", refund_policy_section)
        register_status_page_section(status_page_section)
        register_sender(RECEIPT_EMAIL, send_receipt)
        for kind, sender in SENDERS.items():
            register_sender(kind, sender)
        register_roster_notes(roster_notes)
        register_seat_board_flags(seat_board_flags)
        register_sender(INVOICE_EMAIL, send_invoice)
        register_sender(REFUND_SETTLED_EMAIL, send_refund_settled)
        checks.register(check_stripe_keys)
