import datetime
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, ListView, TemplateView
from icalendar import Calendar, Event

from courses.models import ClassSession, Cohort, Course, Requirement, SchoolProfile
from enrollment.models import with_seat_counts


def briefly_cached(view):
    """Serve a public page from the process's memory for PUBLIC_PAGE_CACHE_SECONDS (0 turns it off, as tests do).

    Only visitors without a session are served from the cache: a logged-in person's page (the navbar shows who they
    are) is always rendered fresh, and the cached copy varies on Cookie besides, so it can never be handed to them.
    """
    by_seconds = {}

    def varying_on_cookie(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # Set here, before the cache stores the page: the session middleware adds it only after that.
        patch_vary_headers(response, ["Cookie"])
        return response

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        if seconds <= 0 or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return view(request, *args, **kwargs)
        if seconds not in by_seconds:
            by_seconds[seconds] = cache_page(seconds, cache="pages", key_prefix="public")(varying_on_cookie)
        return by_seconds[seconds](request, *args, **kwargs)

    return wrapped


# Every public page shows requirements in plain words; fetch them with the courses, in one query.
REQUIREMENTS = Prefetch("requirements", queryset=Requirement.objects.select_related("credential_type"))


def upcoming_cohorts():
    return with_seat_counts(Cohort.objects.public().upcoming()).select_related("course")


class HomeView(TemplateView):
    template_name = "courses/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["courses"] = Course.objects.published().prefetch_related(REQUIREMENTS)
        context["cohorts"] = upcoming_cohorts().open()[:12]
        return context


# How many upcoming cohorts a page lists per course; one more is fetched to know whether to say "and more".
LIST_PER_COURSE = 6
DETAIL_PER_COURSE = 30


def courses_with_upcoming(per_course: int):
    """Published courses with their next `per_course` + 1 cohorts. Built per request: "upcoming" is today's date, and
    a queryset made once at import would keep the day the process started."""
    return Course.objects.published().prefetch_related(
        REQUIREMENTS, Prefetch("cohorts", queryset=upcoming_cohorts()[: per_course + 1], to_attr="upcoming")
    )


class CourseListView(ListView):
    extra_context = {"shown": LIST_PER_COURSE}

    def get_queryset(self):
        return courses_with_upcoming(LIST_PER_COURSE)


class CourseDetailView(DetailView):
    extra_context = {"shown": DETAIL_PER_COURSE}

    def get_queryset(self):
        return courses_with_upcoming(DETAIL_PER_COURSE)


class CohortDetailView(DetailView):
    queryset = (
        with_seat_counts(Cohort.objects.public())
        .select_related("course")
        .prefetch_related(
            Prefetch("course__requirements", queryset=Requirement.objects.select_related("credential_type")),
            Prefetch("sessions", queryset=ClassSession.objects.order_by("starts_at")),
        )
    )


@require_http_methods(["GET", "HEAD"])
def cohort_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The cohort's class sessions as an iCalendar feed to subscribe to; public, so it carries no student data."""
    cohort = get_object_or_404(Cohort.objects.public().select_related("course"), pk=pk)
    sessions = list(cohort.sessions.order_by("starts_at"))
    # UIDs must not change between fetches, or subscribed calendars duplicate every class: the site's host name,
    # not the request's, which differs between 127.0.0.1, localhost and the public name.
    host = urlsplit(settings.SITE_URL).hostname or "elite-ems.example"
    stamp = timezone.now()
    events = [
        Event.new(
            uid=f"session-{session.pk}@{host}",
            stamp=stamp,
            start=timezone.localtime(session.starts_at),
            end=timezone.localtime(session.ends_at),
            summary=_("%(level)s %(kind)s: %(topic)s")
            % {"level": cohort.course.level_short, "kind": session.get_kind_display(), "topic": session.topic},
            location=session.location or cohort.location,
            description=_("%(course)s, cohort %(code)s.") % {"course": cohort.course.title, "code": cohort.code},
        )
        for session in sessions
    ]
    calendar = Calendar.new(
        name=f"{settings.SCHOOL_NAME}: {cohort.code}",
        prodid=f"-//{settings.SCHOOL_NAME}//Class sessions//EN",
        uid=f"cohort-{cohort.pk}@{host}",
        url=request.build_absolute_uri(cohort.get_absolute_url()),
        refresh_interval=datetime.timedelta(hours=12),
        subcomponents=events,
    )
    if sessions:
        # Chicago times with their VTIMEZONE, so a class stays at 6 pm across the change to daylight saving time.
        first, last = timezone.localdate(sessions[0].starts_at), timezone.localdate(sessions[-1].ends_at)
        calendar.add_missing_timezones(first - datetime.timedelta(days=1), last + datetime.timedelta(days=1))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{cohort.code}.ics"'
    return response


# What the apps built on the catalogue add to a policy page, above the school's text: a provider returns the HTML of
# its part (escaped, e.g. from render_to_string), or "" for nothing. The payments app writes the refund policy's rules,
# which are its data, on /refunds/ this way (registered in its AppConfig.ready()), so the catalogue imports none of it
# and the page keeps its address and name (courses:refunds) that the footer and the signup form link to.
PolicySection = Callable[[], str]
POLICY_SECTIONS: dict[str, list[PolicySection]] = {"privacy_notice": [], "refund_policy": []}


def register_policy_section(field: str, provider: PolicySection) -> None:
    """Add a provider of a part of the policy page `field` ("refund_policy" or "privacy_notice")."""
    if provider not in POLICY_SECTIONS[field]:
        POLICY_SECTIONS[field].append(provider)


class PolicyView(TemplateView):
    """The privacy notice or the refund policy: what the registered apps write of it (the refund rules), then the text
    staff keep in the school profile."""

    template_name = "courses/policy.html"
    field = ""
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["text"] = getattr(SchoolProfile.current(), self.field)
        context["parts"] = [part for part in (provider() for provider in POLICY_SECTIONS[self.field]) if part]
        return context


privacy_notice = PolicyView.as_view(field="privacy_notice", title=_("Privacy notice"))
refund_policy = PolicyView.as_view(field="refund_policy", title=_("Refund policy"))
