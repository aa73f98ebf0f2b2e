from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Tuition and payments: a ledger per enrollment, fees per course, sponsors and their shares."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Tuition and payments"

    def ready(self) -> None:
        from courses.views import register_policy_section
        from enrollment.notifications import register_sender
        from enrollment.services import register_enrollment_listener
        from enrollment.views import register_status_page_section
        from payments.receipts import RECEIPT_EMAIL, send_receipt
        from payments.services import charge_when_seated, propose_refund
        from payments.views import refund_policy_section, status_page_section

        register_enrollment_listener(charge_when_seated)
        register_enrollment_listener(propose_refund)
        register_policy_section("refund_policy", refund_policy_section)
        register_status_page_section(status_page_section)
        register_sender(RECEIPT_EMAIL, send_receipt)
