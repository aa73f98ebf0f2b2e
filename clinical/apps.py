from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicalConfig(AppConfig):
    """Clinical and field experience: shifts at hospitals and agencies, bookings, patient contacts, sign-off."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "clinical"
    verbose_name = _("Clinical experience")

    def ready(self) -> None:
        from clinical.notifications import send_document_reminder, send_preceptor_link
        from clinical.services import (
            DOCUMENT_EXPIRING_EMAIL,
            PRECEPTOR_LINK_EMAIL,
            REMINDER_DAYS,
            readiness_items,
            roster_notes,
        )
        from clinical.views import status_page_section
        from enrollment.notifications import register_sender
        from enrollment.portal import register_roster_notes
        from enrollment.readiness import register_readiness
        from enrollment.views import register_status_page_section

        register_roster_notes(roster_notes)
        register_status_page_section(status_page_section)
        register_readiness(readiness_items)
        register_sender(PRECEPTOR_LINK_EMAIL, send_preceptor_link)
        for days in REMINDER_DAYS:
            register_sender(f"{DOCUMENT_EXPIRING_EMAIL}_{days}", send_document_reminder)
