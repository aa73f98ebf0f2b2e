"""Signing up: a person asks for a seat in a cohort and is enrolled, held for review or waitlisted, or told why not.

The public signup form, staff adding someone in the back office and the new half of a move all come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Cohort, CohortStatus, Requirement
from enrollment import notifications
from enrollment.models import NEW, Credential, Enrollment, Student
from enrollment.services.core import EnrollmentError, lock_cohort, record_transition
from enrollment.services.eligibility import (
    CredentialDetails,
    Eligibility,
    StudentDetails,
    check_eligibility,
    eligibility_on_file,
    requirements_of,
)
from enrollment.services.waitlist import settle

# The e-mail a new enrollment's student is sent, by the action that made it.
SIGNUP_EMAILS = {"enroll": "enrolled", "hold_for_review": "pending_review", "join_waitlist": "waitlisted"}


@dataclass
class _Applicant:
    """What request_seat learns about a person before it takes the cohort's lock (none of it depends on seats)."""

    person: Student | None
    returning: bool
    eligibility: Eligibility
    checked_against: tuple


def _check_applicant(
    cohort: Cohort,
    *,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails],
    requirements: Sequence[Requirement],
) -> _Applicant:
    """Look the person up and check eligibility; when they pass, write the new person and the typed credentials.

    The writes belong to the caller's transaction: a refusal after them (the cohort closed, a seat already held)
    rolls them back, so nothing is stored when a signup fails.
    """
    email = student.email.strip().lower()
    person = Student.objects.with_email(email).first()
    on_file = list(person.credentials.select_related("credential_type")) if person else []
    eligibility = check_eligibility(
        cohort,
        date_of_birth=person.date_of_birth if person else student.date_of_birth,
        credentials=[*on_file, *(c.as_unsaved() for c in credentials)],
        requirements=requirements,
    )
    applicant = _Applicant(
        person=person,
        returning=person is not None,
        eligibility=eligibility,
        checked_against=(cohort.starts_on, cohort.ends_on, cohort.course_id),
    )
    if not eligibility.ok:
        return applicant
    if person is None:
        applicant.person = person = Student.objects.create(
            first_name=student.first_name.strip(),
            last_name=student.last_name.strip(),
            email=email,
            phone=student.phone,
            date_of_birth=student.date_of_birth,
        )
    for details in credentials:
        if any(
            c.credential_type_id == details.credential_type.pk
            and c.number.casefold() == details.number.casefold()
            and c.expires_on == details.expires_on
            and not details.evidence
            for c in on_file
        ):
            continue  # the same card typed again: keep the one on file (and its verification)
        Credential.objects.create(
            student=person,
            credential_type=details.credential_type,
            number=details.number,
            issued_on=details.issued_on,
            expires_on=details.expires_on,
            evidence=details.evidence or "",
        )
    return applicant


class AlreadyEnrolled(Exception):
    """Raised inside request_seat's transaction to roll back whatever was written, then reported outside it."""

    def __init__(self, enrollment: Enrollment) -> None:
        self.enrollment = enrollment


def seat_in_locked_cohort(
    cohort: Cohort,
    applicant: _Applicant,
    *,
    actor: AbstractBaseUser | None,
    enforce_window: bool,
    data: dict | None = None,
) -> Enrollment:
    """The seat decision, for a cohort the caller has locked: checks in the order people are told about them
    (not open, already enrolled, then eligibility), then the waitlist is settled and the newcomer is enrolled, held
    for review or waitlisted. `data` is added to the new enrollment's audit row."""
    now = timezone.now()
    if enforce_window and not cohort.is_taking_signups(now):
        raise EnrollmentError(
            f"{cohort.code} is not taking signups right now. See the other upcoming cohorts of {cohort.course.title}.",
            code="not_open",
        )
    if not enforce_window and cohort.status in {CohortStatus.CANCELLED, CohortStatus.COMPLETED}:
        raise EnrollmentError(f"{cohort.code} is {cohort.get_status_display().lower()}.", code="not_open")
    if applicant.returning:
        duplicate = applicant.person.enrollments.live().filter(cohort=cohort).first()
        if duplicate is not None:
            raise AlreadyEnrolled(duplicate)
    applicant.eligibility.raise_for_shortfall()

    summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if any(settle(cohort, actor=None, now=now, summary=summary)):
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if cohort.newcomer_waits(seats_taken=summary["seats_taken"], waiting=summary["waiting"]):
        action = "join_waitlist"
    elif applicant.eligibility.needs_review:
        action = "hold_for_review"
    else:
        action = "enroll"
    review = applicant.eligibility.awaiting_names
    enrollment = record_transition(
        Enrollment(student=applicant.person, cohort=cohort, status=NEW),
        action,
        actor=actor,
        data={**({"review": review} if review else {}), **(data or {})},
        now=now,
    )
    notifications.notify(enrollment, SIGNUP_EMAILS[action])
    return enrollment


def request_seat(
    *,
    cohort: Cohort,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails] = (),
    actor: AbstractBaseUser | None = None,
    enforce_window: bool = True,
) -> Enrollment:
    """Sign a person up for a cohort: enrolled, pending review or waitlisted, or an EnrollmentError saying why not.

    Staff adding someone by hand pass `enforce_window=False` to sign up outside the enrollment window.

    One transaction: the person is looked up, checked and (when new) written first; then the cohort's row is locked,
    seats are counted and the enrollment is written. Everything that does not depend on seats happens before the
    lock, so that a rush of signups for one cohort holds it as briefly as possible.
    """
    known = cohort
    course = cohort.course if Cohort.course.is_cached(cohort) else None
    requirements = requirements_of(known)  # read before the lock: course data does not take seats
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                applicant = _check_applicant(known, student=student, credentials=credentials, requirements=requirements)
                cohort = lock_cohort(known.pk, course=course)
                if applicant.checked_against != (cohort.starts_on, cohort.ends_on, cohort.course_id):
                    # The cohort's dates or course changed since it was read: check again against the locked row.
                    # (What the first check wrote is on file now; what it refused to write is checked again.)
                    applicant = _check_applicant(
                        cohort,
                        student=student,
                        credentials=credentials if not applicant.eligibility.ok else (),
                        requirements=requirements_of(cohort),
                    )
                return seat_in_locked_cohort(cohort, applicant, actor=actor, enforce_window=enforce_window)
        except IntegrityError:
            # Two signups by one new person at the same moment: the second's insert of the person (or of a second
            # live enrollment) lost the race. Once more, now that the first has committed, it finds them.
            if attempt == 2:
                raise
        except AlreadyEnrolled as already:
            duplicate = already.enrollment
            break

    # A live enrollment exists; everything written was rolled back.
    if actor is not None:
        raise EnrollmentError(
            f"{duplicate.student} already has a place in {cohort.code} ({duplicate.get_status_display().lower()}).",
            code="already_enrolled",
        )
    # On the public site, re-send the private link to the address on file rather than showing it to whoever typed
    # the address.
    notifications.notify(duplicate, "link_reminder")
    raise EnrollmentError(
        f"This e-mail address already has a place in {cohort.code}. We have e-mailed the private link to your "
        "enrollment to that address again.",
        code="already_enrolled",
    )


def applicant_on_file(cohort: Cohort, person: Student) -> _Applicant:
    """A person already on file, checked for `cohort` with what is on file (staff moves): nothing is written."""
    return _Applicant(
        person=person,
        returning=True,
        eligibility=eligibility_on_file(cohort, person),
        checked_against=(cohort.starts_on, cohort.ends_on, cohort.course_id),
    )


def seat_on_file(cohort: Cohort, person: Student, *, actor: AbstractBaseUser, data: dict | None = None) -> Enrollment:
    """The seat decision for a person on file in a cohort the caller has locked, for staff (adding someone, the new
    half of a move): what is on file is checked, the enrollment window is not."""
    try:
        return seat_in_locked_cohort(
            cohort, applicant_on_file(cohort, person), actor=actor, enforce_window=False, data=data
        )
    except AlreadyEnrolled as already:
        raise EnrollmentError(
            f"{person} already has a place in {cohort.code} ({already.enrollment.get_status_display().lower()}).",
            code="already_enrolled",
        ) from None


def add_to_cohort(*, student: Student, cohort: Cohort, actor: AbstractBaseUser) -> Enrollment:
    """Staff sign a student on file up for a cohort: the signup's rules with what is on file, outside the cohort's
    enrollment window (staff vouch for the person)."""
    with transaction.atomic():
        return seat_on_file(lock_cohort(cohort.pk), student, actor=actor)
