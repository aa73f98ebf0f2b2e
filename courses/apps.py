from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses and cohorts"

    def ready(self) -> None:
        from courses import lookups  # noqa: F401 (registers `__any_of` on every field)
