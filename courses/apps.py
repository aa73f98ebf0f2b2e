from django.apps import AppConfig
from django.core import checks


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses and cohorts"

    def ready(self) -> None:
        # The project's own configuration checks (elite/ is not an app, so the first app registers them).
        from elite.checks import check_secret_key

        # A deploy check: commands that never sign anything (makemigrations, migrate) run without a key; serving
        # refuses to start without one (elite/wsgi.py, manage.py runserver).
        checks.register(check_secret_key, checks.Tags.security, deploy=True)
