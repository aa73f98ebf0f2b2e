"""Credentials: students add them, staff verify or reject them. Each decision is audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Credential, CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services.core import EnrollmentError, audit, day_text, lock_cohorts
from enrollment.services.decisions import approve
from enrollment.services.eligibility import CredentialDetails, eligibility_on_file


@dataclass(frozen=True)
class Verification:
    """A verified credential, and the student's enrollments whose review it finished (now enrolled)."""

    credential: Credential
    approved: list[Enrollment] = field(default_factory=list)


def _lock_credential(credential_id: int) -> Credential:
    return Credential.objects.select_for_update().select_related("credential_type", "student").get(pk=credential_id)


def _decide(
    credential: Credential, status: str, *, actor: AbstractBaseUser, action: str, reason: str = ""
) -> Credential:
    """Write a staff decision on a locked credential, with its audit row. verified_by/verified_at record who decided
    and when, whichever way the decision went."""
    from_status = credential.status
    credential.status = status
    credential.verified_by = actor
    credential.verified_at = timezone.now()
    credential.save(update_fields=["status", "verified_by", "verified_at"])
    audit(
        action=action,
        enrollment=None,
        actor=actor,
        from_status=from_status,
        to_status=status,
        reason=reason,
        data={"credential": credential.pk},
    )
    return credential


def verify_credential(*, credential: Credential, actor: AbstractBaseUser) -> Verification:
    """Record that staff checked a credential against its evidence or the registry (who and when).

    When it was the last credential a pending enrollment of the student waited for, the review is finished in the
    same step: the enrollment is approved (services.approve, the one path to that change). An enrollment still
    waiting for another credential, or one the student no longer qualifies for, stays pending for staff.
    """
    with transaction.atomic():
        # Cohorts first, then the rows in them (the order every service locks in), so this never deadlocks with an
        # approval or a withdrawal running at the same time.
        pending = Enrollment.objects.filter(student_id=credential.student_id, status=EnrollmentStatus.PENDING_REVIEW)
        lock_cohorts(*pending.values_list("cohort_id", flat=True))
        credential = _lock_credential(credential.pk)
        if credential.status == CredentialStatus.VERIFIED:
            raise EnrollmentError(
                _("%(credential)s is already verified.") % {"credential": credential}, code="already_verified"
            )
        if credential.expires_on is not None and credential.expires_on < timezone.localdate():
            raise EnrollmentError(
                _("%(credential)s expired on %(day)s: ask the student for the renewed one.")
                % {"credential": credential, "day": day_text(credential.expires_on)},
                code="credential_expired",
            )
        credential = _decide(credential, CredentialStatus.VERIFIED, actor=actor, action="credential.verified")
        approved = []
        for enrollment in pending.select_related("cohort__course", "student").order_by("created_at", "pk"):
            eligibility = eligibility_on_file(enrollment.cohort, enrollment.student, enrollment=enrollment)
            if eligibility.refusal() is None and not eligibility.needs_review:
                approved.append(approve(enrollment=enrollment, actor=actor))
        return Verification(credential=credential, approved=approved)


def reject_credential(*, credential: Credential, actor: AbstractBaseUser, reason: str) -> Credential:
    """Record that a credential did not check out (who, when and why); it no longer meets any requirement."""
    if not reason.strip():
        raise EnrollmentError(_("Say why the credential is rejected."), code="reason_required")
    with transaction.atomic():
        credential = _lock_credential(credential.pk)
        if credential.status == CredentialStatus.REJECTED:
            raise EnrollmentError(
                _("%(credential)s is already rejected.") % {"credential": credential}, code="already_rejected"
            )
        return _decide(
            credential, CredentialStatus.REJECTED, actor=actor, action="credential.rejected", reason=reason.strip()
        )


def add_credential(*, enrollment: Enrollment, details: CredentialDetails) -> Credential:
    """A student adds a credential the course asks for (a renewed CPR card, a scan) from their private link.

    It is on file unverified, like one typed at signup: staff verify it where the course asks them to, and the
    eligibility check weighs it from now on (accepting an offer, approval). Audited against the enrollment.
    """
    with transaction.atomic():
        course_id = enrollment.cohort.course_id
        if not details.credential_type.requirements.filter(course_id=course_id).exists():
            raise EnrollmentError(
                _("%(course)s does not ask for a %(credential)s.")
                % {"course": enrollment.cohort.course.title, "credential": details.credential_type.name},
                code="not_required",
            )
        if details.expires_on is not None and details.expires_on < timezone.localdate():
            raise EnrollmentError(
                _("This %(credential)s expired on %(day)s: add the renewed one.")
                % {"credential": details.credential_type.name, "day": day_text(details.expires_on)},
                code="credential_expired",
            )
        credential = Credential.objects.create(
            student=enrollment.student,
            credential_type=details.credential_type,
            number=details.number,
            issued_on=details.issued_on,
            expires_on=details.expires_on,
            evidence=details.evidence or "",
        )
        audit(
            action="credential.added",
            enrollment=enrollment,
            actor=None,
            to_status=credential.status,
            data={"credential": credential.pk, "type": details.credential_type.code},
        )
        return credential
