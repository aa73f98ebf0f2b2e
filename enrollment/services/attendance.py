"""Attendance: one class session's sheet, recorded or corrected, every changed row audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.dates import clock_text
from courses.models import ClassSession
from enrollment.models import NO_TIME_STATUSES, ROSTER_STATUSES, Attendance, AttendanceStatus, Enrollment
from enrollment.services.core import EnrollmentError, audit, day_text


@dataclass(frozen=True)
class AttendanceEntry:
    enrollment: Enrollment
    status: str
    minutes: int


def record_attendance(
    *, session: ClassSession, entries: list[AttendanceEntry], actor: AbstractBaseUser | None
) -> list[Attendance]:
    """Record or correct one class session's attendance; every changed row is audited in the same transaction.

    Absent and excused record 0 minutes (an excused absence is not time in class); present and late record the
    minutes given, from 0 to the session's length.
    """
    with transaction.atomic():
        # Lock the session so two people saving the same sheet at once are applied one after the other.
        session = ClassSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)
        now = timezone.now()
        if session.starts_at > now:
            local = timezone.localtime(session.starts_at)
            raise EnrollmentError(
                _("This session has not started yet: attendance can be recorded from %(day)s at %(time)s.")
                % {"day": day_text(local.date()), "time": clock_text(local)},
                code="session_not_started",
            )
        seated = {
            e.pk: e
            for e in Enrollment.objects.filter(cohort_id=session.cohort_id, status__in=ROSTER_STATUSES).select_related(
                "student"
            )
        }
        seen: set[int] = set()
        for entry in entries:
            enrollment = seated.get(entry.enrollment.pk)
            if enrollment is None:
                raise EnrollmentError(
                    _("%(student)s is not on the roster of %(cohort)s.")
                    % {"student": entry.enrollment.student, "cohort": session.cohort.code},
                    code="not_seated",
                )
            if enrollment.pk in seen:
                raise EnrollmentError(
                    _("%(student)s is listed twice.") % {"student": enrollment.student}, code="duplicate_entry"
                )
            seen.add(enrollment.pk)
            if entry.status not in AttendanceStatus.values:
                raise EnrollmentError(
                    _("Choose present, late, absent or excused for %(student)s.") % {"student": enrollment.student},
                    code="invalid_status",
                )
            if not 0 <= entry.minutes <= session.minutes:
                raise EnrollmentError(
                    _("Minutes for %(student)s must be between 0 and %(minutes)s, the length of the session.")
                    % {"student": enrollment.student, "minutes": session.minutes},
                    code="minutes_out_of_range",
                )

        existing = {a.enrollment_id: a for a in Attendance.objects.select_for_update().filter(session=session)}
        recorded = []
        for entry in entries:
            enrollment = seated[entry.enrollment.pk]
            minutes = 0 if entry.status in NO_TIME_STATUSES else entry.minutes
            row = existing.get(enrollment.pk)
            old_status, old_minutes = (row.status, row.minutes) if row else ("", None)
            if row is None:
                row = Attendance.objects.create(
                    enrollment=enrollment,
                    session=session,
                    status=entry.status,
                    minutes=minutes,
                    recorded_at=now,
                    recorded_by=actor if actor is not None and actor.is_authenticated else None,
                )
            elif (row.status, row.minutes) != (entry.status, minutes):
                row.status, row.minutes, row.recorded_at = entry.status, minutes, now
                row.recorded_by = actor if actor is not None and actor.is_authenticated else None
                row.save(update_fields=["status", "minutes", "recorded_at", "recorded_by"])
            else:
                recorded.append(row)
                continue
            audit(
                action="attendance.recorded",
                enrollment=enrollment,
                actor=actor,
                data={
                    "session": session.pk,
                    "old_status": old_status,
                    "new_status": entry.status,
                    "old_minutes": old_minutes,
                    "new_minutes": minutes,
                },
            )
            recorded.append(row)
        return recorded
