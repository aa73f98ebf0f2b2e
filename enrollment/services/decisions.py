"""Decisions on an enrollment after signup: accepting an offer, staff approving or rejecting, withdrawing, moving to
another cohort, not completing the course (completing it: services.completion)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext  # by name: `_` is the throwaway variable here

from courses.models import Cohort
from enrollment.models import CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services.core import (
    EnrollmentError,
    lock_cohorts,
    lock_enrollment,
    refuse_action,
)
from enrollment.services.eligibility import eligibility_on_file
from enrollment.services.signup import seat_on_file
from enrollment.services.transitions import transition

S = EnrollmentStatus


def _reason(reason: str, *, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise EnrollmentError(what, code="reason_required")
    return reason


def accept_offer(*, enrollment: Enrollment) -> Enrollment:
    """Take up an offered seat before its deadline: enrolled, or pending review while staff still have a credential
    to verify. Refused, with what to do, when the student no longer meets the course's requirements (a card that
    expired while they waited, or one staff rejected)."""
    with transaction.atomic():
        cohort, enrollment = lock_enrollment(enrollment.pk)
        refuse_action(enrollment, "accept_offer")
        now = timezone.now()
        if enrollment.offer_expires_at <= now:
            raise EnrollmentError(
                gettext(
                    "Sorry, this offer expired on %(deadline)s and the seat has gone to the next person on the "
                    "waitlist."
                )
                % {"deadline": date_format(timezone.localtime(enrollment.offer_expires_at), "F j, Y, P")},
                code="offer_expired",
            )
        eligibility = eligibility_on_file(cohort, enrollment.student, enrollment=enrollment)
        eligibility.raise_for_shortfall()
        action = "accept_offer_for_review" if eligibility.needs_review else "accept_offer"
        email = "pending_review" if eligibility.needs_review else "enrolled"
        return transition(enrollment, action, actor=None, email=email, now=now)


def approve(*, enrollment: Enrollment, actor: AbstractBaseUser) -> Enrollment:
    """Confirm a pending seat after checking the student's credentials; verifies the ones that were checked.

    Refused when the student does not meet the requirements now (a credential rejected or expired since signup).
    """
    with transaction.atomic():
        cohort, enrollment = lock_enrollment(enrollment.pk)
        refuse_action(enrollment, "approve")
        eligibility = eligibility_on_file(cohort, enrollment.student, enrollment=enrollment)
        if (refusal := eligibility.refusal()) is not None:
            raise EnrollmentError(
                gettext("%(student)s cannot be confirmed: %(refusal)s")
                % {"student": enrollment.student, "refusal": refusal.message},
                code=refusal.code,
            )
        now = timezone.now()
        verified = []
        for requirement in eligibility.awaiting:
            credential = eligibility.meeting[requirement.pk]
            credential.status = CredentialStatus.VERIFIED
            credential.verified_by = actor
            credential.verified_at = now
            credential.save(update_fields=["status", "verified_by", "verified_at"])
            verified.append(credential.pk)
        return transition(
            enrollment,
            "approve",
            actor=actor,
            data={"verified_credentials": verified},
            email="enrolled",
            now=now,
        )


def reject(*, enrollment: Enrollment, actor: AbstractBaseUser, reason: str) -> Enrollment:
    """Refuse a pending or waitlisted enrollment with a reason the student is told; a freed seat is offered on."""
    reason = _reason(reason, what=gettext("Give the student a reason for the rejection."))
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        return transition(enrollment, "reject", actor=actor, reason=reason, email="rejected")


def decline_offer(*, enrollment: Enrollment) -> Enrollment:
    """The student says no to an offered seat: withdrawn, and the seat goes to the next person waiting in the same
    transaction (the transition step settles the waitlist)."""
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        return transition(enrollment, "decline_offer", actor=None, email="offer_declined")


def withdraw(*, enrollment: Enrollment, actor: AbstractBaseUser | None = None, reason: str = "") -> Enrollment:
    """Withdraw from a cohort; a freed seat is offered to the first person waiting, in the same transaction."""
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        return transition(enrollment, "withdraw", actor=actor, reason=reason, email="withdrawn")


def move(*, enrollment: Enrollment, to_cohort: Cohort, actor: AbstractBaseUser, reason: str = "") -> Enrollment:
    """Move a student to another cohort, keeping the history; returns the new enrollment.

    The seat in `to_cohort` is decided as a signup's is (eligibility with what is on file, capacity and the waitlist;
    not its enrollment window), so the student may land enrolled, pending review or waitlisted there. The old
    enrollment is then withdrawn and its seat offered to its waitlist. All in one transaction: a refusal from the
    target (too young, missing requirement, already enrolled) is raised before anything is written.
    """
    with transaction.atomic():
        source_id = Enrollment.objects.values_list("cohort_id", flat=True).get(pk=enrollment.pk)
        if source_id == to_cohort.pk:
            raise EnrollmentError(
                gettext("This enrollment is already in %(cohort)s.") % {"cohort": to_cohort.code}, code="same_cohort"
            )
        locked = lock_cohorts(source_id, to_cohort.pk)
        source, target = locked[source_id], locked[to_cohort.pk]
        enrollment = Enrollment.objects.select_for_update().select_related("student").get(pk=enrollment.pk)
        enrollment.cohort = source
        refuse_action(enrollment, "move_out")
        new = seat_on_file(
            target,
            enrollment.student,
            actor=actor,
            data={"moved_from": enrollment.pk, "from_cohort": source.code},
            moving=enrollment,
        )
        if reason.strip():
            why = gettext("Moved to %(cohort)s. %(reason)s") % {"cohort": target.code, "reason": reason.strip()}
        else:
            why = gettext("Moved to %(cohort)s") % {"cohort": target.code}
        # No "withdrawn" e-mail: the student is told about the new cohort, which is what changed for them.
        transition(enrollment, "move_out", actor=actor, reason=why, data={"moved_to": new.pk, "to_cohort": target.code})
        return new


def mark_did_not_complete(*, enrollment: Enrollment, actor: AbstractBaseUser, reason: str) -> Enrollment:
    """Record that an enrolled student did not complete the course, with the reason; no credential is granted."""
    reason = _reason(reason, what=gettext("Say why the student did not complete the course."))
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        return transition(enrollment, "did_not_complete", actor=actor, reason=reason)
