from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    """Clinical and field experience: shifts at hospitals and agencies, bookings, patient contacts, sign-off."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "clinical"
    verbose_name = "Clinical experience"

    def ready(self) -> None:
        from clinical.notifications import send_preceptor_link
        from clinical.services import PRECEPTOR_LINK_EMAIL
        from enrollment.notifications import register_sender

        register_sender(PRECEPTOR_LINK_EMAIL, send_preceptor_link)
