"""The instructor portal: my cohorts, the roster with hours, attendance by class session, sign-in sheets and CSV.

Access: login required; an instructor sees only the cohorts they teach, staff see every cohort
(`Cohort.objects.visible_to`). Any other cohort or session is a 404, never a 403, so the portal does not confirm that
it exists. Hours and the at-risk flag follow one rule, `enrollment.models.Hours`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.models import ClassSession, Cohort, CohortStatus, Requirement
from courses.spreadsheet import csv_download
from enrollment import services
from enrollment.models import (
    AttendanceStatus,
    Credential,
    Enrollment,
    EnrollmentStatus,
    Hours,
    cohort_hours,
    enrollment_hours,
    with_progress,
)

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
        if cohort.ends_on < today or cohort.status in {CohortStatus.COMPLETED, CohortStatus.CANCELLED}:
            groups["past"].append(card)
        elif cohort.starts_on > today:
            groups["upcoming"].append(card)
        else:
            groups["current"].append(card)
    groups["past"].reverse()  # the most recent first
    return render(request, "enrollment/portal/my_cohorts.html", {"groups": groups})


# --- the roster -----------------------------------------------------------------------------------------------------


@dataclass
class RosterRow:
    enrollment: Enrollment
    credentials: list[Credential]
    hours: Hours
    nominal_hours: Decimal
    threshold: int

    @property
    def student(self):
        return self.enrollment.student

    @property
    def attended_hours(self) -> str:
        return Hours.text(self.hours.attended_minutes)

    @property
    def scheduled_hours(self) -> str:
        return Hours.text(self.hours.scheduled_minutes)

    @property
    def progress(self) -> str:
        return f"{self.attended_hours} of {self.nominal_hours.normalize():f} h"

    @property
    def attendance_percent(self) -> int | None:
        return self.hours.percent

    @property
    def at_risk(self) -> bool:
        return self.hours.at_risk(self.threshold)

    @property
    def credential_status(self) -> str:
        if not self.credentials:
            return ""
        return "; ".join(
            f"{c.credential_type.name}: {c.get_status_display()}"
            + (f", expires {c.expires_on:%Y-%m-%d}" if c.expires_on else "")
            for c in self.credentials
        )


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
    required_types = {
        r.credential_type_id for r in Requirement.objects.filter(course_id=course.pk).only("credential_type_id")
    }
    scheduled_minutes = ClassSession.objects.filter(cohort=cohort).started(now).total_minutes()
    enrollments = (
        cohort.enrollments.for_roster()
        .with_hours()
        .prefetch_related(
            Prefetch(
                "student__credentials",
                queryset=Credential.objects.filter(credential_type_id__in=required_types).select_related(
                    "credential_type"
                ),
            )
        )
    )
    rows = [
        RosterRow(
            enrollment=e,
            credentials=list(e.student.credentials.all()),
            hours=enrollment_hours(e, scheduled_minutes=scheduled_minutes),
            nominal_hours=Decimal(course.nominal_hours),
            threshold=course.attendance_threshold,
        )
        for e in enrollments
    ]
    counts = cohort.enrollments.aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING_REVIEW)),
        waitlisted=Count("pk", filter=Q(status=S.WAITLISTED)),
    )
    return Roster(cohort, rows, scheduled_minutes, counts["pending"], counts["waitlisted"])


@never_cache
@login_required
@require_http_methods(["GET"])
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    sessions = list(cohort.sessions.order_by("starts_at"))
    now = timezone.now()
    context = {
        "cohort": cohort,
        "roster": build_roster(cohort, now=now),
        "past_sessions": [s for s in sessions if s.starts_at <= now][::-1],
        "future_sessions": [s for s in sessions if s.starts_at > now],
        # The calendar feed is public, so it exists only for the cohorts the public pages show.
        "has_calendar": Cohort.objects.public().filter(pk=cohort.pk).exists(),
    }
    return render(request, "enrollment/portal/roster.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def roster_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    roster = build_roster(cohort)
    header = [
        "Last name",
        "First name",
        "E-mail",
        "Phone",
        "Status",
        "Credentials",
        "Hours attended",
        "Hours scheduled so far",
        "Course hours",
        "Attendance %",
        "At risk",
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
            "yes" if row.at_risk else "no",
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
                label=f"Attendance of {name}",
                choices=AttendanceStatus.choices,
                initial=row.status if row else AttendanceStatus.PRESENT,
                widget=forms.RadioSelect,
            )
            self.fields[f"minutes_{enrollment.pk}"] = forms.IntegerField(
                label=f"Minutes for {name}",
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
            messages.success(request, f"Attendance saved for {session.topic} ({cohort.code}).")
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
