"""Completing a course: the readiness gate, the certificate of completion issued with it, revoking a certificate, and
the National Registry exam afterwards (attempts staff record, the registration date, the day-60 reminder)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CredentialType
from enrollment import notifications
from enrollment.models import (
    Certificate,
    Credential,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    ExamResult,
)
from enrollment.readiness import readiness
from enrollment.services.core import EnrollmentError, audit, lock_enrollment, refuse_action
from enrollment.services.transitions import transition

S = EnrollmentStatus

EXAM_REMINDER_EMAIL = "exam_reminder"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (Jan 31 + 1 month = Feb 28/29)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def complete(
    *, enrollment: Enrollment, actor: AbstractBaseUser, override: bool = False, override_reason: str = ""
) -> Enrollment:
    """Mark an enrolled student as having completed the course: grant the credentials the course grants and issue the
    certificate of completion, in one transaction.

    Refused with `not_ready` (each missing item's sentence in the message) unless every readiness item is met. Staff
    may complete a student who is not ready only with `override=True` and a written reason (`reason_required`
    without one), which is audited and shown on the enrollment's page.
    """
    reason = override_reason.strip()
    if override and not reason:
        raise EnrollmentError(
            _("Completing a student who is not ready needs a written reason: say why."), code="reason_required"
        )
    with transaction.atomic():
        cohort, enrollment = lock_enrollment(enrollment.pk)
        refuse_action(enrollment, "complete")
        now = timezone.now()
        today = timezone.localdate(now)
        missing = readiness(enrollment).missing
        if missing and not override:
            error = EnrollmentError(
                _("%(student)s is not ready to complete the course: %(missing)s")
                % {"student": enrollment.student, "missing": " ".join(item.sentence for item in missing)},
                code="not_ready",
            )
            error.missing = missing
            raise error
        if missing:
            audit(
                action="enrollment.completed_not_ready",
                enrollment=enrollment,
                actor=actor,
                reason=reason,
                data={"missing": [item.key for item in missing], "sentences": [item.sentence for item in missing]},
            )
        # The completion's own row carries the override's reason too (blank when the student was ready).
        transition(enrollment, "complete", actor=actor, reason=reason if missing else "", now=now)
        granted = [
            Credential.objects.create(
                student=enrollment.student,
                credential_type=ctype,
                number=f"Completed {cohort.code}",
                issued_on=today,
                expires_on=add_months(today, ctype.validity_months) if ctype.validity_months else None,
                status=CredentialStatus.VERIFIED,
                verified_by=actor,
                verified_at=now,
            )
            for ctype in CredentialType.objects.filter(granted_by_id=cohort.course_id).order_by("pk")
        ]
        if granted:
            audit(
                action="credential.granted",
                enrollment=enrollment,
                actor=actor,
                data={"credentials": [c.pk for c in granted], "types": [c.credential_type.code for c in granted]},
            )
        issue_certificate(enrollment=enrollment, actor=actor, now=now)
        return enrollment


def issue_certificate(*, enrollment: Enrollment, actor: AbstractBaseUser | None, now: datetime.datetime) -> Certificate:
    """The certificate of a completed enrollment, in the caller's transaction (complete's). A code that collides
    with another (80 random bits: it will not) is drawn again."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(enrollment=enrollment, issued_at=now)
        except IntegrityError:
            if Certificate.objects.filter(enrollment=enrollment).exists():
                raise
            continue
        audit(action="certificate.issued", enrollment=enrollment, actor=actor, data={"code": certificate.code})
        return certificate
    raise RuntimeError("Could not draw a unique certificate code.")


def revoke_certificate(*, certificate: Certificate, actor: AbstractBaseUser, reason: str) -> Certificate:
    """Revoke a certificate with the reason (the verify page then says "revoked"); audited."""
    reason = reason.strip()
    if not reason:
        raise EnrollmentError(_("Say why the certificate is revoked."), code="reason_required")
    with transaction.atomic():
        _cohort, enrollment = lock_enrollment(certificate.enrollment_id)
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise EnrollmentError(_("This certificate is already revoked."), code="already_revoked")
        certificate.revoked_at = timezone.now()
        certificate.revoke_reason = reason
        certificate.revoked_by = actor
        certificate.save(update_fields=["revoked_at", "revoke_reason", "revoked_by"])
        audit(
            action="certificate.revoked",
            enrollment=enrollment,
            actor=actor,
            reason=reason,
            data={"code": certificate.code},
        )
        return certificate


def _graduate(enrollment_id: int) -> Enrollment:
    """The locked enrollment of a graduate (completed, with a certificate), or `not_completed`."""
    _cohort, enrollment = lock_enrollment(enrollment_id)
    if enrollment.status != S.COMPLETED:
        raise EnrollmentError(
            _("Registry exam results are recorded for students who completed the course."), code="not_completed"
        )
    return enrollment


def record_exam_attempt(
    *, enrollment: Enrollment, taken_on: datetime.date, result: str, actor: AbstractBaseUser, number: int | None = None
) -> ExamAttempt:
    """Record a graduate's National Registry cognitive exam attempt (append-only). `number` defaults to the next one;
    a number already recorded, one not next in line, or a date before completion or in the future is refused."""
    if result not in ExamResult.values:
        raise EnrollmentError(_("An exam result is pass or fail."), code="invalid_status")
    with transaction.atomic():
        enrollment = _graduate(enrollment.pk)
        attempts = list(ExamAttempt.objects.filter(enrollment=enrollment).order_by("number"))
        expected = len(attempts) + 1
        number = expected if number is None else number
        if number != expected:
            raise EnrollmentError(
                _("The next attempt on record is attempt %(expected)d.") % {"expected": expected},
                code="attempt_number",
            )
        completed_on = timezone.localdate(enrollment.status_changed_at)
        if taken_on < completed_on or taken_on > timezone.localdate():
            raise EnrollmentError(_("The exam date falls between the course's completion and today."), code="exam_date")
        if attempts and taken_on < attempts[-1].taken_on:
            raise EnrollmentError(_("An attempt cannot come before the previous one."), code="exam_date")
        if any(a.result == ExamResult.PASS for a in attempts):
            raise EnrollmentError(_("The graduate has already passed the exam."), code="already_passed")
        attempt = ExamAttempt.objects.create(
            enrollment=enrollment, taken_on=taken_on, number=number, result=result, recorded_by=actor
        )
        audit(
            action="exam.attempt_recorded",
            enrollment=enrollment,
            actor=actor,
            data={"attempt": attempt.pk, "number": number, "result": result, "taken_on": taken_on.isoformat()},
        )
        return attempt


def record_exam_registration(
    *, certificate: Certificate, registered_on: datetime.date | None, actor: AbstractBaseUser
) -> Certificate:
    """Set (or clear) the day the graduate registered for the Registry exam; a registered graduate is not reminded."""
    with transaction.atomic():
        enrollment = _graduate(certificate.enrollment_id)
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.exam_registered_on == registered_on:
            return certificate
        if registered_on is not None and registered_on > timezone.localdate():
            raise EnrollmentError(_("The registration date cannot be in the future."), code="exam_date")
        certificate.exam_registered_on = registered_on
        certificate.save(update_fields=["exam_registered_on"])
        audit(
            action="exam.registered",
            enrollment=enrollment,
            actor=actor,
            data={"registered_on": registered_on.isoformat() if registered_on else None, "code": certificate.code},
        )
        return certificate


def remind_exam_registration(*, today: datetime.date | None = None) -> int:
    """The minute job's step: e-mail, once and through the outbox, every graduate on day 60 of the 90-day Illinois
    window who has not registered for the Registry exam and has no attempt on record. Returns how many."""
    reminded = 0
    for pk in list(Certificate.objects.due_exam_reminder(today=today).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            certificate = (
                Certificate.objects.due_exam_reminder(today=today)
                .select_for_update()
                .select_related("enrollment")
                .filter(pk=pk)
                .first()
            )
            if certificate is None:  # registered, reminded or revoked meanwhile
                continue
            certificate.exam_reminder_sent_at = timezone.now()
            certificate.save(update_fields=["exam_reminder_sent_at"])
            notifications.notify(certificate.enrollment, EXAM_REMINDER_EMAIL, about_id=certificate.pk)
            audit(
                action="exam.reminder_queued",
                enrollment=certificate.enrollment,
                actor=None,
                data={"code": certificate.code},
            )
            reminded += 1
    return reminded
