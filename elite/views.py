import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

from axes.utils import reset as reset_failed_logins
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from courses.models import SchoolProfile


@never_cache
@require_safe  # GET, and HEAD for the load balancers and uptime checks that only look at the status
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database answers, 503 otherwise: for load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def hello(request: HttpRequest) -> HttpResponse:
    """Does nothing: the benchmark's yardstick for what the server stack itself costs (only under ELITE_BENCH=1)."""
    return HttpResponse("hello", content_type="text/plain")


@functools.cache
def _replay_statements(path: Path) -> tuple[str, ...]:
    return tuple(json.loads(path.read_text()))


def replay(request: HttpRequest, name: str) -> HttpResponse:
    """Runs again, through the database driver, the reads a page ran, with no ORM and no template: what the page's
    database round trips alone cost (only under ELITE_BENCH=1). The statements are the page's as sent, values
    included, so each reads what it read for the page."""
    try:
        statements = _replay_statements(Path(settings.BENCH_REPLAY_DIR) / f"{name}.json")
    except FileNotFoundError:
        raise Http404 from None
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return HttpResponse(f"{len(statements)} statements", content_type="text/plain")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, which also lifts a failed-login lock-out: someone who proved they own the
    account's e-mail address and chose a new password may log in with it straight away."""

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_failed_logins(username=self.user.get_username())
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with the e-mailed link on the site's public address (settings.SITE_URL), never on the
    request's Host header: anyone may ask for a reset with a forged Host, and the owner's e-mail would then carry a
    valid reset link to the forger's server. The e-mail names the school as its profile does."""

    def form_valid(self, form):
        site = urlsplit(settings.SITE_URL)
        school_name = SchoolProfile.current().display_name
        self.extra_email_context = {"protocol": site.scheme, "domain": site.netloc, "school_name": school_name}
        return super().form_valid(form)
