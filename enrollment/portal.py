"""The instructor portal: my cohorts, the roster with hours, attendance by class session, sign-in sheets and CSV.

Access: login required; an instructor sees only the cohorts they teach (`cohort.instructors`), staff see every
cohort. Any other cohort or session is a 404, never a 403, so the portal does not confirm that it exists.

Hours, decided once for the whole portal:

- *attended* is the sum of the minutes recorded: present and late count the minutes given (a late arrival records
  fewer), absent and excused count 0;
- *scheduled so far* is the full length of every session of the cohort that has started;
- the at-risk flag compares attended with scheduled so far *minus the sessions the student was excused from*: an
  excused absence earns no hours toward the course, but it does not count against the attendance rate either.
  A student is at risk when attended / (scheduled so far - excused) < course.attendance_threshold %.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, DurationField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.models import ClassSession, Cohort, CohortStatus, Requirement
from enrollment import services
from enrollment.models import ROSTER_STATUSES, Attendance, AttendanceStatus, Credential, Enrollment, EnrollmentStatus

S = EnrollmentStatus
SEATED = sorted(ROSTER_STATUSES)
ZERO = datetime.timedelta(0)


def _minutes(duration: datetime.timedelta | None) -> int:
    return int((duration or ZERO).total_seconds() // 60)


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 5160 -> "86", 5190 -> "86.5"."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{hours.normalize():f}"


def _percent(part: int, whole: int) -> int | None:
    return None if whole <= 0 else int(Decimal(part * 100) / whole)


# --- which cohorts a user may see ---------------------------------------------------------------------------------


def visible_cohorts(user: AbstractBaseUser) -> QuerySet[Cohort]:
    """Every cohort for staff; the cohorts an instructor teaches otherwise."""
    cohorts = Cohort.objects.select_related("course")
    return cohorts if user.is_staff else cohorts.filter(instructors=user)


def _cohort_or_404(request: HttpRequest, pk: int) -> Cohort:
    return get_object_or_404(visible_cohorts(request.user), pk=pk)


def _session_or_404(request: HttpRequest, pk: int) -> ClassSession:
    cohort_ids = visible_cohorts(request.user).values("pk")
    return get_object_or_404(ClassSession.objects.select_related("cohort__course").filter(cohort__in=cohort_ids), pk=pk)


# --- my cohorts -----------------------------------------------------------------------------------------------------


def _with_progress(cohorts: QuerySet[Cohort], now: datetime.datetime) -> QuerySet[Cohort]:
    """Annotate the next session, minutes scheduled so far, seated students and their attended/excused totals."""
    started = ClassSession.objects.filter(cohort=OuterRef("pk"), starts_at__lte=now).order_by().values("cohort")
    seated_attendance = (
        Attendance.objects.filter(enrollment__cohort=OuterRef("pk"), enrollment__status__in=SEATED)
        .order_by()
        .values("enrollment__cohort")
    )
    seated = (
        Enrollment.objects.filter(cohort=OuterRef("pk"), status__in=SEATED)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
    )
    return cohorts.with_seat_counts().annotate(
        next_session_at=Subquery(
            ClassSession.objects.filter(cohort=OuterRef("pk"), starts_at__gt=now)
            .order_by("starts_at")
            .values("starts_at")[:1]
        ),
        scheduled_so_far=Subquery(
            started.annotate(total=Sum(F("ends_at") - F("starts_at"))).values("total"), output_field=DurationField()
        ),
        seated_count=Coalesce(Subquery(seated.values("n")), 0),
        attended_minutes=Coalesce(Subquery(seated_attendance.annotate(total=Sum("minutes")).values("total")), 0),
        excused_duration=Subquery(
            seated_attendance.filter(status=AttendanceStatus.EXCUSED)
            .annotate(total=Sum(F("session__ends_at") - F("session__starts_at")))
            .values("total"),
            output_field=DurationField(),
        ),
    )


@dataclass
class CohortCard:
    cohort: Cohort
    scheduled_minutes: int
    attended_minutes: int
    attendance_percent: int | None


@never_cache
@login_required
@require_http_methods(["GET"])
def my_cohorts(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    groups: dict[str, list[CohortCard]] = {"current": [], "upcoming": [], "past": []}
    for cohort in _with_progress(visible_cohorts(request.user), now).order_by("starts_on", "code"):
        scheduled = _minutes(cohort.scheduled_so_far)
        expected = cohort.seated_count * scheduled - _minutes(cohort.excused_duration)
        card = CohortCard(cohort, scheduled, cohort.attended_minutes, _percent(cohort.attended_minutes, expected))
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
    attended_minutes: int
    scheduled_minutes: int
    excused_minutes: int
    nominal_hours: Decimal
    threshold: int

    @property
    def student(self):
        return self.enrollment.student

    @property
    def attended_hours(self) -> str:
        return hours_text(self.attended_minutes)

    @property
    def scheduled_hours(self) -> str:
        return hours_text(self.scheduled_minutes)

    @property
    def progress(self) -> str:
        return f"{self.attended_hours} of {self.nominal_hours.normalize():f} h"

    @property
    def attendance_percent(self) -> int | None:
        return _percent(self.attended_minutes, self.scheduled_minutes - self.excused_minutes)

    @property
    def at_risk(self) -> bool:
        percent = self.attendance_percent
        expected = self.scheduled_minutes - self.excused_minutes
        return percent is not None and self.attended_minutes * 100 < self.threshold * expected

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
        return hours_text(self.scheduled_minutes)


def build_roster(cohort: Cohort, *, now: datetime.datetime | None = None) -> Roster:
    """The seated students with their hours, in a fixed number of queries whatever the cohort's size."""
    now = now or timezone.now()
    course = cohort.course
    required_types = {
        r.credential_type_id for r in Requirement.objects.filter(course_id=course.pk).only("credential_type_id")
    }
    scheduled = ClassSession.objects.filter(cohort=cohort, starts_at__lte=now).aggregate(
        total=Sum(F("ends_at") - F("starts_at"))
    )["total"]
    scheduled_minutes = _minutes(scheduled)
    session_length = F("attendance__session__ends_at") - F("attendance__session__starts_at")
    enrollments = (
        cohort.enrollments.for_roster()
        .annotate(
            attended=Coalesce(Sum("attendance__minutes"), 0),
            excused=Sum(session_length, filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
        )
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
            attended_minutes=e.attended,
            scheduled_minutes=scheduled_minutes,
            excused_minutes=_minutes(e.excused),
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


# Spreadsheets run a cell that starts with one of these as a formula; a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@never_cache
@login_required
@require_http_methods(["GET"])
def roster_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    roster = build_roster(cohort)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-{cohort.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
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
    )
    for row in roster.rows:
        student = row.student
        writer.writerow(
            csv_cell(v)
            for v in [
                student.last_name,
                student.first_name,
                student.email,
                student.phone,
                row.enrollment.get_status_display(),
                row.credential_status,
                row.attended_hours,
                row.scheduled_hours,
                f"{cohort.course.nominal_hours.normalize():f}",
                "" if row.attendance_percent is None else row.attendance_percent,
                "yes" if row.at_risk else "no",
            ]
        )
    return response


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
