"""What every workflow shares: the one domain error and its codes, the locks, the audit row and the transition step.

Locks are always taken in the same order, cohort first, then the enrollment (two cohorts: the lower pk first), so two
changes that meet queue instead of deadlocking. On PostgreSQL the cohort row is locked with `select_for_update`; on
SQLite the IMMEDIATE transactions serialise writers the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.dates import date_text
from courses.models import Cohort, Course
from enrollment.models import NEW, TRANSITIONS, AuditEvent, Enrollment, EnrollmentStatus

S = EnrollmentStatus

# Every code an EnrollmentError may carry, listed once, with what it means. Views and tests branch on the code;
# people read the error's message, which says what to do next.
ERROR_CODES: dict[str, str] = {
    # signing up
    "not_open": "The cohort is not taking signups (status or enrollment window).",
    "already_enrolled": "The person already has a live enrollment in the cohort.",
    "too_young": "The person is below the course's minimum age on the day it is checked.",
    "missing_requirement": "A credential the course requires is missing, expired, rejected or not valid long enough.",
    "nothing_to_resolve": "Staff asked to resolve differing details that do not differ.",
    "guardian_required": "An applicant under 18 on the course's first day gave no parent or guardian.",
    "consent_required": "A public signup without the privacy notice accepted.",
    # transitions and offers
    "invalid_transition": "The action is not allowed from the enrollment's current status.",
    "offer_expired": "The offer's deadline has passed.",
    "same_cohort": "A move to the cohort the enrollment is already in.",
    "reason_required": "The action needs a reason and none was given.",
    # cohorts
    "capacity_below_seats": "A capacity below the seats already held.",
    # credentials
    "already_verified": "The credential is already verified.",
    "already_rejected": "The credential is already rejected.",
    "credential_expired": "The credential has expired and cannot be verified.",
    "not_required": "The course does not ask for this credential.",
    # messages to students
    "message_required": "A message to the student with no text.",
    "message_too_long": "A message to the student longer than it may be.",
    # attendance
    "session_not_started": "Attendance for a session that has not started.",
    "not_seated": "Attendance for someone who is not on the cohort's roster.",
    "duplicate_entry": "The same student twice in one attendance sheet.",
    "invalid_status": "An attendance status that does not exist.",
    "minutes_out_of_range": "Minutes below 0 or above the session's length.",
    # clinical shifts (the clinical app's services)
    "not_enrolled": "The enrollment is not seated in a cohort whose course has clinical requirements.",
    "not_cleared": "A clearance document the course requires is missing, unverified or expired on the shift's day.",
    "shift_full": "Every place on the shift is booked.",
    "overlaps": "The student has another shift or a class session at that time.",
    "booking_closed": "Too late to book or drop the shift, or the shift is over.",
    "already_booked": "The student has already booked the shift.",
    "not_booked": "A change to a booking that is dropped or not the student's.",
    "shift_not_over": "Patient contacts are logged after the shift ends.",
    "late_log": "The window for logging contacts after the shift has closed.",
    "phi_in_note": "A contact's note looks like it holds protected health information.",
    "already_signed": "The preceptor has signed the shift; signed entries are locked.",
    "link_used": "The preceptor's link has been used.",
    "link_expired": "The preceptor's link has expired.",
    # money (the payments app's services)
    "amount_invalid": "An amount that is not positive, not in cents, or implausibly large.",
    "method_invalid": "A payment method that does not exist.",
    "already_reversed": "A ledger entry reversed twice, or a reversal reversed.",
    "nothing_to_plan": "A payment plan for an enrollment whose student owes nothing.",
    "plan_empty": "A payment plan with no instalments.",
    "plan_not_for_course": "A payment plan of another course or cohort than the enrollment's.",
    "nothing_to_invoice": "A sponsor's invoice with no share on it (nothing open, or none in that cohort).",
    "no_sponsor_email": "An invoice to e-mail to a sponsor that has no e-mail address on file.",
    "online_payment_off": "Paying online asked for while the Stripe keys are not set.",
    "nothing_due": "Paying online when the student owes nothing.",
    "payment_provider_unavailable": "Stripe refused or did not answer when a checkout was made; nothing was charged.",
    "webhook_unverified": "A Stripe webhook call whose signature is missing, wrong or too old, or not an event.",
    "refund_settled": "A refund proposal already confirmed or adjusted (settled once, under the enrollment's lock).",
    "refund_stale": "The ledger changed since the refund was proposed; its figures were worked out again to check.",
    # completion, certificates and the Registry exam
    "not_ready": "A readiness item (hours, skills, clinicals, clearance...) is not met; the message lists each.",
    "already_revoked": "The certificate of completion is already revoked.",
    "not_completed": "A Registry exam record for an enrollment that has not completed the course.",
    "attempt_number": "An exam attempt number that is not the next one on record.",
    "exam_date": "An exam or registration date before completion, out of order or in the future.",
    "already_passed": "An exam attempt after the graduate passed.",
    # skills and the affective evaluation (the skills app's services)
    "not_your_cohort": "The evaluator does not teach the student's cohort (and is not staff).",
    "not_seated_for_skills": "A skills attempt or evaluation for someone not seated in the cohort.",
    "wrong_level": "The skill is not one of the course's level.",
    "skill_inactive": "The skill is no longer required and takes no new attempts.",
    "invalid_result": "A skills result or an affective rating that does not exist.",
    "fail_needs_reason": "A failed attempt without a failed critical criterion or a note saying why.",
    "unknown_criterion": "A failed criterion that is not on the skill's sheet.",
    "criteria_on_pass": "A passed attempt that names failed critical criteria.",
    "bad_correction": "A correction of an attempt of another student or skill, or of one already corrected.",
    "note_required": "Needs remediation without a note saying what to work on.",
    "nothing_to_record": "A lab day with no result entered.",
}


class EnrollmentError(Exception):
    """A domain rule refused the change. `code` (one of ERROR_CODES) is for code and tests; `message` is a sentence
    for people that says what to do next."""

    def __init__(self, message: str, *, code: str, next_step: object = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"Unknown EnrollmentError code {code!r}: add it to ERROR_CODES with its meaning.")
        super().__init__(message)
        self.message = message
        self.code = code
        # Where the person can go instead (eligibility.NextStep: text and url), shown with the message as a link.
        self.next_step = next_step

    def __str__(self) -> str:
        return self.message


def day_text(day: datetime.date) -> str:
    """A day in the services' messages: "March 4, 2027" (courses.dates, kept per language)."""
    return date_text(day, "F j, Y")


def lock_cohort(cohort_id: int, *, course: Course | None = None) -> Cohort:
    """Lock a cohort's row for the rest of the transaction. `course`, when the caller has it, saves the join."""
    if course is None:
        return Cohort.objects.select_for_update().select_related("course").get(pk=cohort_id)
    cohort = Cohort.objects.select_for_update().get(pk=cohort_id)
    if cohort.course_id == course.pk:
        cohort.course = course
    return cohort


def lock_cohorts(*cohort_ids: int) -> dict[int, Cohort]:
    """Lock several cohorts, the lower pk first: two changes in opposite directions queue instead of deadlocking."""
    return {pk: lock_cohort(pk) for pk in sorted(set(cohort_ids))}


def lock_enrollment(enrollment_id: int) -> tuple[Cohort, Enrollment]:
    """Lock the enrollment's cohort first (always the same order: cohort, then enrollment), then re-read the row."""
    cohort_id = Enrollment.objects.values_list("cohort_id", flat=True).get(pk=enrollment_id)
    cohort = lock_cohort(cohort_id)
    enrollment = Enrollment.objects.select_for_update().select_related("student").get(pk=enrollment_id)
    enrollment.cohort = cohort
    return cohort, enrollment


def audit(
    *,
    action: str,
    enrollment: Enrollment | None,
    actor: AbstractBaseUser | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one row of the audit trail, in the caller's transaction."""
    return AuditEvent.objects.create(
        action=action,
        enrollment=enrollment,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def refuse_action(enrollment: Enrollment, action: str) -> None:
    """Raise invalid_transition unless the TRANSITIONS table allows `action` from the enrollment's status."""
    transition = TRANSITIONS[action]
    if not transition.allows(enrollment.status):
        state = enrollment.get_status_display().lower() if enrollment.status != NEW else _("not yet made")
        raise EnrollmentError(transition.refusal % {"state": state}, code="invalid_transition")


# Apps built on enrollment follow its changes through these, registered in their AppConfig.ready() (the payments
# app posts a course's charges when a seat is confirmed). Each is called inside the transaction of the change, with the
# enrollment (its cohort locked), the event (an action of the TRANSITIONS table, or "confirmed" when the owner opened
# the e-mailed link), the actor and the time; an exception rolls the change back.
EnrollmentListener = Callable[[Enrollment, str, "AbstractBaseUser | None", datetime.datetime], None]
ENROLLMENT_LISTENERS: list[EnrollmentListener] = []


def register_enrollment_listener(listener: EnrollmentListener) -> None:
    if listener not in ENROLLMENT_LISTENERS:
        ENROLLMENT_LISTENERS.append(listener)


def tell_listeners(
    enrollment: Enrollment, event: str, *, actor: AbstractBaseUser | None, now: datetime.datetime
) -> None:
    for listener in ENROLLMENT_LISTENERS:
        listener(enrollment, event, actor, now)


def record_transition(
    enrollment: Enrollment,
    action: str,
    *,
    actor: AbstractBaseUser | None,
    reason: str = "",
    data: dict | None = None,
    now: datetime.datetime | None = None,
) -> Enrollment:
    """Apply one action of the TRANSITIONS table to a locked enrollment and write its audit row.

    An enrollment not yet saved (status NEW) is created in the action's status. This is the bare step: leaving a
    seat also settles the waitlist, which services.transitions.transition() adds on top.
    """
    refuse_action(enrollment, action)
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    from_status = enrollment.status
    enrollment.status = transition.target
    enrollment.status_changed_at = now
    if transition.target != S.OFFERED:
        enrollment.offer_expires_at = None
    if reason:
        enrollment.reason = reason
    if from_status == NEW:
        enrollment.created_at = now
        if transition.target == S.WAITLISTED:
            enrollment.waitlisted_at = now
        enrollment.save(force_insert=True)
    else:
        enrollment.save(update_fields=["status", "status_changed_at", "offer_expires_at", "reason"])
    audit(
        action=transition.audit,
        enrollment=enrollment,
        actor=actor,
        from_status=from_status,
        to_status=transition.target,
        reason=reason,
        data=data,
    )
    tell_listeners(enrollment, action, actor=actor, now=now)
    return enrollment
