from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkillsConfig(AppConfig):
    """Psychomotor skills (lab-day check-offs against NREMT-style sheets) and the affective evaluation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "skills"
    verbose_name = _("Skills competency")

    def ready(self) -> None:
        from enrollment.portal import register_roster_links, register_roster_notes
        from enrollment.readiness import register_readiness
        from skills.services import readiness_items, roster_links, roster_notes

        register_readiness(readiness_items)
        register_roster_notes(roster_notes)
        register_roster_links(roster_links)
