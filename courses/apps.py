from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and cohorts")

    def ready(self) -> None:
        from courses import lookups  # noqa: F401 (registers `__any_of` on every field)
