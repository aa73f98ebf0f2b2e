from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.utils.translation import gettext_lazy as _

from elite.checks import check_secret_key


class EliteConfig(AppConfig):
    """The project itself: installed so that it registers its own configuration checks, which no app should know."""

    name = "elite"
    verbose_name = _("Elite EMS Academy")

    def ready(self) -> None:
        # A deploy check: commands that never sign anything (makemigrations, migrate) run without a key; serving
        # refuses to start without one (elite/wsgi.py, manage.py runserver).
        checks.register(check_secret_key, checks.Tags.security, deploy=True)


class SchoolAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with the school's site (elite/admin_site.py) as `admin.site`."""

    default = False  # named in INSTALLED_APPS; "elite" alone is EliteConfig
    default_site = "elite.admin_site.SchoolAdminSite"
