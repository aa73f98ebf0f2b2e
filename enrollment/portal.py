"""The instructor portal: my cohorts, the roster with hours, attendance by class session, sign-in sheets and CSV.

Access: login required; an instructor sees only the cohorts they teach, staff see every cohort
(`Cohort.objects.visible_to`). Any other cohort or session is a 404, never a 403, so the portal does not confirm that
it exists. Hours and the at-risk flag follow one rule, `enrollment.models.Hours`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.models import COHORT_ENDED_STATUSES, ClassSession, Cohort, Requirement
from courses.spreadsheet import csv_download
from enrollment import services
from enrollment.models import (
    AttendanceStatus,
    Credential,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
    Hours,
    cohort_hours,
    enrollment_hours,
    with_progress,
)
from enrollment.readiness import Readiness, readiness_of
from enrollment.services.eligibility import requirements_of

S = EnrollmentStatus


def _cohort_or_404(request: HttpRequest, pk: int) -> Cohort:
    return get_object_or_404(Cohort.objects.visible_to(request.user).select_related("course"), pk=pk)


def _session_or_404(request: HttpRequest, pk: int) -> ClassSession:
    return get_object_or_404(ClassSession.objects.visible_to(request.user).select_related("cohort__course"), pk=pk)


# --- my cohorts -----------------------------------------------------------------------------------------------------


@dataclass
class CohortCard:
    cohort: Cohort
    hours: Hours

    @property
    def scheduled_minutes(self) -> int:
        return self.hours.scheduled_minutes // self.cohort.seated_count if self.cohort.seated_count else 0

    @property
    def attended_minutes(self) -> int:
        return self.hours.attended_minutes

    @property
    def attendance_percent(self) -> int | None:
        return self.hours.percent


@never_cache
@login_required
@require_http_methods(["GET"])
def my_cohorts(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    groups: dict[str, list[CohortCard]] = {"current": [], "upcoming": [], "past": []}
    cohorts = with_progress(Cohort.objects.visible_to(request.user).select_related("course"), now=now)
    for cohort in cohorts.order_by("starts_on", "code"):
        card = CohortCard(cohort, cohort_hours(cohort))
        if cohort.ends_on < today or cohort.status in COHORT_ENDED_STATUSES:
            groups["past"].append(card)
        elif cohort.starts_on > today:
            groups["upcoming"].append(card)
        else:
            groups["current"].append(card)
    groups["past"].reverse()  # the most recent first
    return render(request, "enrollment/portal/my_cohorts.html", {"groups": groups})


# --- the roster -----------------------------------------------------------------------------------------------------


def tel_href(phone: str) -> str:
    """A `tel:` link for a phone number as people type it ("(312) 555-0101"): its digits, with a leading + kept."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


@dataclass
class CredentialLine:
    """One requirement of the course for one student: the credential that meets it (or the closest one) and the
    one word an instructor needs. "Not yet verified" is said only where the course asks staff to verify: it is the
    eligibility check's `awaiting`, not a status read off the credential."""

    name: str
    credential: Credential | None
    flag: str
    ok: bool

    def __str__(self) -> str:
        parts = [self.name]
        if self.flag:
            parts.append(self.flag)
        if self.expires:
            parts.append(_("expires %(day)s") % {"day": self.expires})
        return parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")

    @property
    def expires(self) -> str:
        """The credential's expiry day (ISO, as the roster and its CSV show it), or "" when it has none."""
        if self.credential is None or not self.credential.expires_on:
            return ""
        return f"{self.credential.expires_on:%Y-%m-%d}"


def credential_lines(
    cohort: Cohort, student, credentials: list[Credential], requirements: list[Requirement], today: datetime.date
) -> list[CredentialLine]:
    """What the roster says about each requirement, from the one eligibility check (no query)."""
    eligibility = services.check_eligibility(
        cohort,
        date_of_birth=student.date_of_birth,
        credentials=credentials,
        requirements=requirements,
        today=today,
    )
    awaiting = {r.pk for r in eligibility.awaiting}
    lines = []
    for requirement in requirements:
        name = requirement.credential_type.name
        meeting = eligibility.meeting.get(requirement.pk)
        if meeting is not None:
            if requirement.pk in awaiting:
                flag = _("not yet verified")
            elif requirement.needs_verification:
                flag = _("verified")
            else:
                flag = ""
            lines.append(CredentialLine(name, meeting, flag, ok=requirement.pk not in awaiting))
            continue
        candidates = [c for c in credentials if c.credential_type_id == requirement.credential_type_id]
        latest = max(candidates, key=lambda c: (c.expires_on or datetime.date.max, c.pk or 0), default=None)
        if latest is None:
            flag = _("missing")
        elif latest.status == CredentialStatus.REJECTED:
            flag = _("rejected")
        else:
            flag = _("expired")
        lines.append(CredentialLine(name, latest, flag, ok=False))
    return lines


@dataclass(frozen=True)
class RosterNote:
    """What another app says about a student on the roster (their clinical progress): a line shown with the
    student's figures, and whether it puts them at risk."""

    text: str
    at_risk: bool = False


# Apps add to the roster through these, registered in their AppConfig.ready() (enrollment imports no app above it):
# each takes the cohort, its seated enrollments, the moment and the roster's one readiness pass (by enrollment pk: an
# app writes its line from its own items there rather than reading them again), and returns notes by enrollment pk, in
# a fixed number of queries whatever the cohort's size.
RosterNotes = Callable[[Cohort, list[Enrollment], datetime.datetime, dict[int, Readiness]], dict[int, list[RosterNote]]]
ROSTER_NOTES: list[RosterNotes] = []


def register_roster_notes(provider: RosterNotes) -> None:
    if provider not in ROSTER_NOTES:
        ROSTER_NOTES.append(provider)


@dataclass(frozen=True)
class RosterLink:
    """A page another app offers from the roster (the skills lab day): its text and its address."""

    text: str
    url: str


# Apps add links to the roster's buttons through these, registered in their AppConfig.ready(): each takes the cohort
# and returns its links (no query).
RosterLinks = Callable[[Cohort], list[RosterLink]]
ROSTER_LINKS: list[RosterLinks] = []


def register_roster_links(provider: RosterLinks) -> None:
    if provider not in ROSTER_LINKS:
        ROSTER_LINKS.append(provider)


@dataclass
class RosterRow:
    """One student on the roster. Its figures are cached: the page shows each row twice (a card on a phone, a table
    row otherwise) and asks some of them several times; they are read only once build_roster() has filled the row."""

    enrollment: Enrollment
    credentials: list[CredentialLine]
    hours: Hours
    nominal_hours: Decimal
    threshold: int
    notes: list[RosterNote] = field(default_factory=list)
    # What completing the course asks of the student, met or not (enrollment.readiness): the "ready" column.
    readiness: Readiness | None = None
    # The row's contact, credentials and "ready" cells as the page shows them (render_cells), by name.
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def student(self):
        return self.enrollment.student

    @cached_property
    def attended_hours(self) -> str:
        return Hours.text(self.hours.attended_minutes)

    @cached_property
    def scheduled_hours(self) -> str:
        return Hours.text(self.hours.scheduled_minutes)

    @cached_property
    def progress(self) -> str:
        return _("%(attended)s of %(hours)s h") % {
            "attended": self.attended_hours,
            "hours": f"{self.nominal_hours.normalize():f}",
        }

    @cached_property
    def attendance_percent(self) -> int | None:
        return self.hours.percent

    @cached_property
    def behind_on_hours(self) -> bool:
        return self.hours.at_risk(self.threshold)

    @cached_property
    def at_risk(self) -> bool:
        """Behind on the classroom hours, or on anything another app notes (clinicals)."""
        return self.behind_on_hours or any(note.at_risk for note in self.notes)

    @cached_property
    def phone_href(self) -> str:
        return tel_href(self.student.phone)

    @cached_property
    def missing_labels(self) -> str:
        """What the student has still to meet before completing, named and comma-separated ("" when ready)."""
        return ", ".join(item.label for item in self.readiness.missing) if self.readiness else ""

    @cached_property
    def ready_text(self) -> str:
        """ "Ready", or "2 missing: Classroom hours, Clearance documents", for the roster and its CSV."""
        if self.readiness is None:
            return ""
        missing = self.readiness.missing
        if not missing:
            return _("Ready")
        return _("%(count)d missing: %(items)s") % {"count": len(missing), "items": self.missing_labels}

    @cached_property
    def credential_status(self) -> str:
        """The credential lines as one sentence, for the CSV."""
        return "; ".join(str(line) for line in self.credentials)


@dataclass
class Roster:
    cohort: Cohort
    rows: list[RosterRow]
    scheduled_minutes: int
    pending: int
    waitlisted: int

    @property
    def scheduled_hours(self) -> str:
        return Hours.text(self.scheduled_minutes)


def build_roster(cohort: Cohort, *, now: datetime.datetime | None = None) -> Roster:
    """The seated students with their hours, in a fixed number of queries whatever the cohort's size."""
    now = now or timezone.now()
    course = cohort.course
    requirements = requirements_of(cohort)
    required_types = {r.credential_type_id for r in requirements}
    # A finished cohort's credentials are judged on its last day, not against today.
    judged_on = min(timezone.localdate(now), cohort.ends_on)
    scheduled_minutes = ClassSession.objects.filter(cohort=cohort).started(now).total_minutes()
    enrollments = (
        cohort.enrollments.for_roster()
        .with_hours()
        .prefetch_related(
            Prefetch(
                "student__credentials",
                queryset=Credential.objects.on_file()
                .filter(credential_type_id__in=required_types)
                .select_related("credential_type"),
            )
        )
    )
    rows = [
        RosterRow(
            enrollment=e,
            credentials=credential_lines(cohort, e.student, list(e.student.credentials.all()), requirements, judged_on),
            hours=enrollment_hours(e, scheduled_minutes=scheduled_minutes),
            nominal_hours=Decimal(course.nominal_hours),
            threshold=course.attendance_threshold,
        )
        for e in enrollments
    ]
    # One readiness pass for the whole roster (a fixed number of queries whatever its size), which the other apps'
    # lines are written from too.
    ready = readiness_of([row.enrollment for row in rows])
    for row in rows:
        row.readiness = ready[row.enrollment.pk]
    for provider in ROSTER_NOTES:
        notes = provider(cohort, [row.enrollment for row in rows], now, ready)
        for row in rows:
            row.notes.extend(notes.get(row.enrollment.pk, ()))
    counts = cohort.enrollments.aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING_REVIEW)),
        waitlisted=Count("pk", filter=Q(status=S.WAITLISTED)),
    )
    return Roster(cohort, rows, scheduled_minutes, counts["pending"], counts["waitlisted"])


ROSTER_TEMPLATE = "enrollment/portal/roster.html"
# The cells the roster shows twice per student, once in the phone's card and once in the table's row: its partials.
ROSTER_CELLS = ("contact", "credentials", "ready")


def render_cells(rows: list[RosterRow]) -> None:
    """Render each row's twice-shown cells once (the roster template's partials), for both places to show."""
    partials = {name: get_template(f"{ROSTER_TEMPLATE}#{name}") for name in ROSTER_CELLS}
    for row in rows:
        row.cells = {name: partial.render({"row": row}) for name, partial in partials.items()}


@never_cache
@login_required
@require_http_methods(["GET"])
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    now = timezone.now()
    next_class = cohort.sessions.from_today(now).first()
    # The next class first, then the others: those that have started (the latest first, where attendance is
    # recorded), then the later ones.
    sessions = [s for s in cohort.sessions.order_by("starts_at") if next_class is None or s.pk != next_class.pk]
    students = build_roster(cohort, now=now)
    render_cells(students.rows)
    context = {
        "cohort": cohort,
        "roster": students,
        "next_class": next_class,
        "next_class_started": next_class is not None and next_class.starts_at <= now,
        "past_sessions": [s for s in sessions if s.starts_at <= now][::-1],
        "future_sessions": [s for s in sessions if s.starts_at > now],
        # The calendar feed is public, so it exists only for the cohorts the public pages show.
        "has_calendar": Cohort.objects.public().filter(pk=cohort.pk).exists(),
        "links": [link for provider in ROSTER_LINKS for link in provider(cohort)],
    }
    return render(request, ROSTER_TEMPLATE, context)


@never_cache
@login_required
@require_http_methods(["GET"])
def roster_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    roster = build_roster(cohort)
    header = [
        _("Last name"),
        _("First name"),
        _("E-mail"),
        _("Phone"),
        _("Status"),
        _("Credentials"),
        _("Hours attended"),
        _("Hours scheduled so far"),
        _("Course hours"),
        _("Attendance %"),
        _("At risk"),
        _("Notes"),
        _("Ready to complete"),
    ]
    rows = (
        [
            row.student.last_name,
            row.student.first_name,
            row.student.email,
            row.student.phone,
            row.enrollment.get_status_display(),
            row.credential_status,
            row.attended_hours,
            row.scheduled_hours,
            f"{cohort.course.nominal_hours.normalize():f}",
            "" if row.attendance_percent is None else row.attendance_percent,
            _("yes") if row.at_risk else _("no"),
            "; ".join(note.text for note in row.notes),
            row.ready_text,
        ]
        for row in roster.rows
    )
    return csv_download(f"roster-{cohort.code}.csv", header, rows)


# --- attendance by session ------------------------------------------------------------------------------------------


class AttendanceForm(forms.Form):
    """One status and one number of minutes per student on the roster; the rules live in record_attendance."""

    def __init__(self, *args, session: ClassSession, enrollments: list[Enrollment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.enrollments = enrollments
        existing = {a.enrollment_id: a for a in session.attendance.all()}
        for enrollment in enrollments:
            row = existing.get(enrollment.pk)
            name = enrollment.student.full_name
            self.fields[f"status_{enrollment.pk}"] = forms.ChoiceField(
                label=_("Attendance of %(name)s") % {"name": name},
                choices=AttendanceStatus.choices,
                initial=row.status if row else AttendanceStatus.PRESENT,
                widget=forms.RadioSelect,
            )
            self.fields[f"minutes_{enrollment.pk}"] = forms.IntegerField(
                label=_("Minutes for %(name)s") % {"name": name},
                min_value=0,
                max_value=session.minutes,
                initial=row.minutes if row else session.minutes,
                required=False,
            )

    def rows(self):
        for enrollment in self.enrollments:
            yield enrollment, self[f"status_{enrollment.pk}"], self[f"minutes_{enrollment.pk}"]

    def entries(self) -> list[services.AttendanceEntry]:
        entries = []
        for enrollment in self.enrollments:
            minutes = self.cleaned_data[f"minutes_{enrollment.pk}"]
            entries.append(
                services.AttendanceEntry(
                    enrollment=enrollment,
                    status=self.cleaned_data[f"status_{enrollment.pk}"],
                    minutes=self.session.minutes if minutes is None else minutes,
                )
            )
        return entries


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    cohort = session.cohort
    not_started = session.starts_at > timezone.now()
    enrollments = list(cohort.enrollments.for_roster())
    session = ClassSession.objects.prefetch_related("attendance").select_related("cohort__course").get(pk=session.pk)
    form = AttendanceForm(request.POST or None, session=session, enrollments=enrollments)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance(session=session, entries=form.entries(), actor=request.user)
        except services.EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Attendance saved for %(topic)s (%(cohort)s).") % {"topic": session.topic, "cohort": cohort.code},
            )
            return redirect("portal:roster", pk=cohort.pk)
    context = {"session": session, "cohort": cohort, "form": form, "not_started": not_started}
    return render(request, "enrollment/portal/attendance.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    enrollments = list(session.cohort.enrollments.for_roster())
    return render(request, "enrollment/portal/sign_in.html", {"session": session, "enrollments": enrollments})
