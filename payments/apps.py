from django.apps import AppConfig
from django.core import checks


class PaymentsConfig(AppConfig):
    """Tuition and payments: a ledger per enrollment, fees per course, sponsors and their shares."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Tuition and payments"

    def ready(self) -> None:
        from enrollment.notifications import register_sender
        from enrollment.services import register_enrollment_listener
        from enrollment.views import register_status_page_section
        from payments.checks import check_stripe_keys
        from payments.receipts import RECEIPT_EMAIL, send_receipt
        from payments.services import charge_when_seated
        from payments.views import status_page_section

        register_enrollment_listener(charge_when_seated)
        register_status_page_section(status_page_section)
        register_sender(RECEIPT_EMAIL, send_receipt)
        checks.register(check_stripe_keys)
