"""Every change to an enrollment, a seat or the waitlist: the one path the site, the admin, commands and tests use.

Each function that can take or free a seat runs inside one transaction that first locks the cohort row
(`select_for_update`; SQLite's IMMEDIATE transactions serialise writers the same way), then counts the seat-holding
enrollments, then writes. Every change writes an AuditEvent in the same transaction and e-mails the student after
commit, so a rolled-back change leaves no trace and sends nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from courses.models import ClassSession, Cohort, Course, CredentialType, Requirement
from enrollment import notifications
from enrollment.models import (
    ROSTER_STATUSES,
    TRANSITIONS,
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Credential,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
    Student,
)

S = EnrollmentStatus


class EnrollmentError(Exception):
    """A domain rule refused the change. `code` is for code and tests; `message` is a sentence for people."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class StudentDetails:
    first_name: str
    last_name: str
    email: str
    date_of_birth: datetime.date
    phone: str = ""


@dataclass(frozen=True)
class CredentialDetails:
    credential_type: CredentialType
    number: str
    expires_on: datetime.date | None
    issued_on: datetime.date | None = None
    evidence: UploadedFile | None = field(default=None, compare=False)


def _day(day: datetime.date) -> str:
    return date_format(day, "F j, Y")


# --- small shared steps ------------------------------------------------------------------------------------------


def _lock_cohort(cohort_id: int, *, course: Course | None = None) -> Cohort:
    """Lock a cohort's row for the rest of the transaction. `course`, when the caller has it, saves the join."""
    if course is None:
        return Cohort.objects.select_for_update().select_related("course").get(pk=cohort_id)
    cohort = Cohort.objects.select_for_update().get(pk=cohort_id)
    if cohort.course_id == course.pk:
        cohort.course = course
    return cohort


def _lock_enrollment(enrollment_id: int) -> tuple[Cohort, Enrollment]:
    """Lock the enrollment's cohort first (always the same order: cohort, then enrollment), then re-read the row."""
    cohort_id = Enrollment.objects.values_list("cohort_id", flat=True).get(pk=enrollment_id)
    cohort = _lock_cohort(cohort_id)
    enrollment = Enrollment.objects.select_for_update().select_related("student").get(pk=enrollment_id)
    enrollment.cohort = cohort
    return cohort, enrollment


def _audit(
    *,
    action: str,
    enrollment: Enrollment | None,
    actor: AbstractBaseUser | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        enrollment=enrollment,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _move(
    enrollment: Enrollment,
    to_status: str,
    *,
    actor: AbstractBaseUser | None,
    action: str,
    reason: str = "",
    data: dict | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """Apply one transition from the TRANSITIONS table, with its audit row; anything else is refused."""
    from_status = enrollment.status
    if to_status not in TRANSITIONS[from_status]:
        raise EnrollmentError(
            f"An enrollment that is {enrollment.get_status_display().lower()} cannot become "
            f"{S(to_status).label.lower()}.",
            code="invalid_transition",
        )
    now = now or timezone.now()
    enrollment.status = to_status
    enrollment.status_changed_at = now
    if to_status != S.OFFERED:
        enrollment.offer_expires_at = None
    if reason:
        enrollment.reason = reason
    enrollment.save(update_fields=["status", "status_changed_at", "offer_expires_at", "reason"])
    _audit(
        action=action,
        enrollment=enrollment,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


def _unverified_requirements(enrollment: Enrollment) -> list[Requirement]:
    """Requirements of the course that need staff verification and have no verified, valid credential yet."""
    cohort = enrollment.cohort
    credentials = list(enrollment.student.credentials.all())
    outstanding = []
    for requirement in cohort.course.requirements.filter(needs_verification=True).select_related("credential_type"):
        day = requirement.date_for(cohort)
        if not any(
            c.credential_type_id == requirement.credential_type_id
            and c.status == CredentialStatus.VERIFIED
            and c.is_valid_on(day)
            for c in credentials
        ):
            outstanding.append(requirement)
    return outstanding


def review_outstanding(enrollment: Enrollment) -> list[str]:
    """Names of the credentials staff still have to verify for this enrollment (e.g. ["EMT license"])."""
    return [r.credential_type.name for r in _unverified_requirements(enrollment)]


def _lapse_expired_offers(cohort: Cohort, *, now: datetime.datetime) -> list[Enrollment]:
    expired = list(
        cohort.enrollments.select_for_update()
        .select_related("student")
        .filter(status=S.OFFERED, offer_expires_at__lte=now)
    )
    for enrollment in expired:
        enrollment.cohort = cohort
        _move(
            enrollment, S.LAPSED, actor=None, action="enrollment.lapsed", reason="The offer was not accepted in time."
        )
        notifications.notify(enrollment, "offer_lapsed")
    return expired


def _offer_free_seats(
    cohort: Cohort, *, actor: AbstractBaseUser | None, now: datetime.datetime, summary: dict[str, int] | None = None
) -> list[Enrollment]:
    """Offer every free seat of a locked cohort to the waitlist, first come first served.

    `summary` is the cohort's seat_summary() when the caller has just read it (saves a query on the signup path).
    """
    summary = summary or Enrollment.objects.seat_summary(cohort.pk, at=now)
    free = cohort.capacity - summary["seats_taken"]
    if free <= 0 or summary["waiting"] == 0:
        return []
    offered = list(cohort.enrollments.waitlist().select_for_update().select_related("student")[:free])
    deadline = now + datetime.timedelta(hours=cohort.offer_hours)
    for enrollment in offered:
        enrollment.cohort = cohort
        enrollment.offer_expires_at = deadline
        _move(
            enrollment,
            S.OFFERED,
            actor=actor,
            action="enrollment.offered",
            data={"offer_expires_at": deadline.isoformat()},
            now=now,
        )
        notifications.notify(enrollment, "offered")
    return offered


# --- signing up --------------------------------------------------------------------------------------------------


def _prefetched_requirements(cohort: Cohort) -> list[Requirement] | None:
    """The course's requirements when the caller already loaded them (the signup view does), else None.

    Read before the cohort is locked, so the lock is held for less time; course data does not take seats.
    """
    if not Cohort.course.is_cached(cohort):
        return None
    cache = getattr(cohort.course, "_prefetched_objects_cache", {})
    if "requirements" not in cache:
        return None
    return sorted(cache["requirements"], key=lambda r: r.pk)


def _check_requirements(
    cohort: Cohort,
    *,
    existing: list[Credential],
    submitted: list[CredentialDetails],
    requirements: list[Requirement] | None = None,
) -> tuple[bool, list[str]]:
    """Raise missing_requirement unless every Requirement is met; say whether staff review is needed."""
    course = cohort.course
    needs_review = False
    review_names = []
    if requirements is None:
        requirements = list(course.requirements.select_related("credential_type").order_by("pk"))
    for requirement in requirements:
        ctype = requirement.credential_type
        day = requirement.date_for(cohort)
        on_file = [c for c in existing if c.credential_type_id == ctype.pk and c.is_valid_on(day)]
        typed = [c for c in submitted if c.credential_type.pk == ctype.pk]
        typed_valid = [c for c in typed if c.expires_on is None or c.expires_on >= day]
        if not on_file and not typed_valid:
            when = "the course starts" if day == cohort.starts_on else "the course ends"
            if typed and typed[0].expires_on is not None:
                message = (
                    f"{course.title} requires a {ctype.name} that is valid until {when} ({_day(day)}). "
                    f"The one you entered expires on {_day(typed[0].expires_on)}: renew it, then sign up "
                    "with the new expiration date."
                )
            else:
                message = (
                    f"{course.title} requires a current {ctype.code.replace('_', '/')} credential. "
                    f"Enter your {ctype.name} number and its expiration date."
                )
            raise EnrollmentError(message, code="missing_requirement")
        if requirement.needs_verification and not any(c.status == CredentialStatus.VERIFIED for c in on_file):
            needs_review = True
            review_names.append(ctype.name)
    return needs_review, review_names


@dataclass
class _Applicant:
    """What request_seat learns about a person before it takes the cohort's lock (none of it depends on seats)."""

    person: Student | None
    returning: bool
    needs_review: bool = False
    review_names: list[str] = field(default_factory=list)
    refusal: EnrollmentError | None = None  # too_young or missing_requirement, raised after the lock's own checks
    checked_against: tuple = ()


def _check_applicant(
    cohort: Cohort,
    *,
    student: StudentDetails,
    credentials: list[CredentialDetails] | tuple[CredentialDetails, ...],
    requirements: list[Requirement] | None = None,
) -> _Applicant:
    """Look the person up and check age and requirements; when they pass, write the new person and credentials.

    The writes belong to the caller's transaction: a refusal after them (the cohort closed, a seat already held)
    rolls them back, so nothing is stored when a signup fails.
    """
    email = student.email.strip().lower()
    person = Student.objects.with_email(email).first()
    applicant = _Applicant(person=person, returning=person is not None)
    applicant.checked_against = (cohort.starts_on, cohort.ends_on, cohort.course_id)
    course = cohort.course
    age_day = cohort.date_for(course.age_checked_on)
    age = (person or Student(date_of_birth=student.date_of_birth)).age_on(age_day)
    if age < course.min_age:
        applicant.refusal = EnrollmentError(
            f"{course.title} is open to people aged {course.min_age} or older on "
            f"{_day(age_day)}. With the date of birth given you would be {age} then.",
            code="too_young",
        )
        return applicant
    on_file = list(person.credentials.select_related("credential_type")) if person else []
    try:
        applicant.needs_review, applicant.review_names = _check_requirements(
            cohort, existing=on_file, submitted=list(credentials), requirements=requirements
        )
    except EnrollmentError as refusal:
        applicant.refusal = refusal
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


class _AlreadyEnrolled(Exception):
    """Raised inside request_seat's transaction to roll back whatever was written, then reported outside it."""

    def __init__(self, enrollment: Enrollment) -> None:
        self.enrollment = enrollment


def _seat_in_locked_cohort(
    cohort: Cohort,
    applicant: _Applicant,
    *,
    actor: AbstractBaseUser | None,
    enforce_window: bool,
    data: dict | None = None,
) -> Enrollment:
    """The seat decision, for a cohort the caller has locked: checks in the order people are told about them
    (not open, already enrolled, too young, missing requirement), then enrolled, pending review or waitlisted.
    `data` is added to the new enrollment's audit row."""
    now = timezone.now()
    if enforce_window and not cohort.is_taking_signups(now):
        raise EnrollmentError(
            f"{cohort.code} is not taking signups right now. See the other upcoming cohorts of {cohort.course.title}.",
            code="not_open",
        )
    if not enforce_window and cohort.status in {"cancelled", "completed"}:
        raise EnrollmentError(f"{cohort.code} is {cohort.get_status_display().lower()}.", code="not_open")
    if applicant.returning:
        duplicate = applicant.person.enrollments.live().filter(cohort=cohort).first()
        if duplicate is not None:
            raise _AlreadyEnrolled(duplicate)
    if applicant.refusal is not None:
        raise applicant.refusal

    summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if summary["expired_offers"]:
        _lapse_expired_offers(cohort, now=now)
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if _offer_free_seats(cohort, actor=None, now=now, summary=summary):
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if summary["seats_taken"] < cohort.capacity and not summary["waiting"]:
        status = S.PENDING_REVIEW if applicant.needs_review else S.ENROLLED
    else:
        status = S.WAITLISTED
    enrollment = Enrollment.objects.create(
        student=applicant.person,
        cohort=cohort,
        status=status,
        created_at=now,
        status_changed_at=now,
        waitlisted_at=now if status == S.WAITLISTED else None,
    )
    _audit(
        action=f"enrollment.{status.lower()}",
        enrollment=enrollment,
        actor=actor,
        to_status=status,
        data={**({"review": applicant.review_names} if applicant.review_names else {}), **(data or {})},
    )
    notifications.notify(enrollment, status.lower())
    return enrollment


def request_seat(
    *,
    cohort: Cohort,
    student: StudentDetails,
    credentials: list[CredentialDetails] | tuple[CredentialDetails, ...] = (),
    actor: AbstractBaseUser | None = None,
    enforce_window: bool = True,
) -> Enrollment:
    """Sign a person up for a cohort: enrolled, pending review or waitlisted, or an EnrollmentError saying why not.

    Staff adding someone by hand pass `enforce_window=False` to sign up outside the enrollment window.

    One transaction: the person is looked up, checked and (when new) written first; then the cohort's row is locked,
    seats are counted and the enrollment is written. Everything that does not depend on seats happens before the
    lock, so that a rush of signups for one cohort holds it as briefly as possible.
    """
    requirements = _prefetched_requirements(cohort)
    known = cohort
    course = cohort.course if Cohort.course.is_cached(cohort) else None
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                applicant = _check_applicant(known, student=student, credentials=credentials, requirements=requirements)
                cohort = _lock_cohort(known.pk, course=course)
                if applicant.checked_against != (cohort.starts_on, cohort.ends_on, cohort.course_id):
                    # The cohort's dates or course changed since it was read: check again against the locked row.
                    # (What the first check wrote is on file now; what it refused to write is checked again.)
                    applicant = _check_applicant(
                        cohort, student=student, credentials=credentials if applicant.refusal else ()
                    )
                return _seat_in_locked_cohort(cohort, applicant, actor=actor, enforce_window=enforce_window)
        except IntegrityError:
            # Two signups by one new person at the same moment: the second's insert of the person (or of a second
            # live enrollment) lost the race. Once more, now that the first has committed, it finds them.
            if attempt == 2:
                raise
        except _AlreadyEnrolled as already:
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


# --- waitlist ----------------------------------------------------------------------------------------------------


def waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place in the cohort's waitlist, or None when not waitlisted."""
    if enrollment.status != S.WAITLISTED:
        return None
    ahead = Enrollment.objects.filter(cohort_id=enrollment.cohort_id, status=S.WAITLISTED).filter(
        Q(waitlisted_at__lt=enrollment.waitlisted_at) | Q(waitlisted_at=enrollment.waitlisted_at, pk__lt=enrollment.pk)
    )
    return ahead.count() + 1


def promote_waitlist(*, cohort: Cohort, actor: AbstractBaseUser | None = None) -> list[Enrollment]:
    """Lapse expired offers and offer every free seat to the waitlist, in order. Returns the new offers."""
    with transaction.atomic():
        cohort = _lock_cohort(cohort.pk)
        now = timezone.now()
        _lapse_expired_offers(cohort, now=now)
        return _offer_free_seats(cohort, actor=actor, now=now)


def accept_offer(*, enrollment: Enrollment) -> Enrollment:
    """Take up an offered seat before its deadline: enrolled, or pending review while verification is outstanding."""
    with transaction.atomic():
        cohort, enrollment = _lock_enrollment(enrollment.pk)
        if enrollment.status != S.OFFERED:
            raise EnrollmentError("There is no open offer on this enrollment.", code="no_offer")
        now = timezone.now()
        if enrollment.offer_expires_at <= now:
            raise EnrollmentError(
                "Sorry, this offer expired on "
                f"{date_format(timezone.localtime(enrollment.offer_expires_at), 'F j, Y, P')} and the seat has "
                "gone to the next person on the waitlist.",
                code="offer_expired",
            )
        status = S.PENDING_REVIEW if _unverified_requirements(enrollment) else S.ENROLLED
        _move(enrollment, status, actor=None, action="enrollment.offer_accepted", now=now)
        notifications.notify(enrollment, status.lower())
        return enrollment


def expire_offers() -> int:
    """Lapse every expired offer and pass each seat to the next person. Safe to run every minute."""
    now = timezone.now()
    cohort_ids = (
        Enrollment.objects.filter(status=S.OFFERED, offer_expires_at__lte=now)
        .values_list("cohort_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for cohort_id in list(cohort_ids):
        with transaction.atomic():
            cohort = _lock_cohort(cohort_id)
            lapsed += len(_lapse_expired_offers(cohort, now=now))
            _offer_free_seats(cohort, actor=None, now=now)
    return lapsed


# --- leaving and staff decisions ---------------------------------------------------------------------------------


def withdraw(*, enrollment: Enrollment, actor: AbstractBaseUser | None = None, reason: str = "") -> Enrollment:
    """Withdraw from a cohort; a freed seat is offered to the first person waiting, in the same transaction."""
    with transaction.atomic():
        cohort, enrollment = _lock_enrollment(enrollment.pk)
        now = timezone.now()
        held_seat = enrollment.holds_seat
        _move(enrollment, S.WITHDRAWN, actor=actor, action="enrollment.withdrawn", reason=reason, now=now)
        notifications.notify(enrollment, "withdrawn")
        if held_seat:
            _offer_free_seats(cohort, actor=actor, now=now)
        return enrollment


def approve(*, enrollment: Enrollment, actor: AbstractBaseUser) -> Enrollment:
    """Confirm a pending seat after checking the student's credentials; verifies the ones that were checked."""
    with transaction.atomic():
        cohort, enrollment = _lock_enrollment(enrollment.pk)
        if enrollment.status != S.PENDING_REVIEW:
            raise EnrollmentError(
                f"Only enrollments pending review can be approved; this one is "
                f"{enrollment.get_status_display().lower()}.",
                code="invalid_transition",
            )
        now = timezone.now()
        verified = []
        for requirement in _unverified_requirements(enrollment):
            day = requirement.date_for(cohort)
            candidate = (
                enrollment.student.credentials.filter(
                    credential_type=requirement.credential_type, status=CredentialStatus.UNVERIFIED
                )
                .order_by("-expires_on")
                .first()
            )
            if candidate is None or not candidate.is_valid_on(day):
                raise EnrollmentError(
                    f"{enrollment.student} has no {requirement.credential_type.name} valid through "
                    f"{_day(day)}, so the seat cannot be confirmed.",
                    code="missing_requirement",
                )
            candidate.status = CredentialStatus.VERIFIED
            candidate.verified_by = actor
            candidate.verified_at = now
            candidate.save(update_fields=["status", "verified_by", "verified_at"])
            verified.append(candidate.pk)
        _move(
            enrollment,
            S.ENROLLED,
            actor=actor,
            action="enrollment.approved",
            data={"verified_credentials": verified},
            now=now,
        )
        notifications.notify(enrollment, "enrolled")
        return enrollment


def reject(*, enrollment: Enrollment, actor: AbstractBaseUser, reason: str) -> Enrollment:
    """Refuse a pending or waitlisted enrollment with a reason the student is told; a freed seat is offered on."""
    if not reason.strip():
        raise EnrollmentError("Give the student a reason for the rejection.", code="reason_required")
    with transaction.atomic():
        cohort, enrollment = _lock_enrollment(enrollment.pk)
        now = timezone.now()
        held_seat = enrollment.holds_seat
        _move(enrollment, S.REJECTED, actor=actor, action="enrollment.rejected", reason=reason.strip(), now=now)
        notifications.notify(enrollment, "rejected")
        if held_seat:
            _offer_free_seats(cohort, actor=actor, now=now)
        return enrollment


def move(*, enrollment: Enrollment, to_cohort: Cohort, actor: AbstractBaseUser, reason: str = "") -> Enrollment:
    """Move a student to another cohort, keeping the history; returns the new enrollment.

    The seat in `to_cohort` is requested under request_seat's rules (outside its enrollment window, with the
    credentials on file), so the student may end enrolled, pending review or waitlisted there. The old enrollment is
    then withdrawn and its seat offered to its waitlist. All in one transaction: a refusal from the target (too young,
    missing requirement, already enrolled) is raised before anything is written, so the old enrollment is untouched.
    """
    with transaction.atomic():
        source_id = Enrollment.objects.values_list("cohort_id", flat=True).get(pk=enrollment.pk)
        if source_id == to_cohort.pk:
            raise EnrollmentError(f"This enrollment is already in {to_cohort.code}.", code="same_cohort")
        # Both cohorts, the lower pk first: two moves in opposite directions queue instead of deadlocking.
        locked = {pk: _lock_cohort(pk) for pk in sorted((source_id, to_cohort.pk))}
        source, target = locked[source_id], locked[to_cohort.pk]
        enrollment = Enrollment.objects.select_for_update().select_related("student").get(pk=enrollment.pk)
        enrollment.cohort = source
        if not enrollment.can_become(S.WITHDRAWN):
            raise EnrollmentError(
                f"An enrollment that is {enrollment.get_status_display().lower()} cannot be moved.",
                code="invalid_transition",
            )
        person = enrollment.student
        details = StudentDetails(
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            date_of_birth=person.date_of_birth,
            phone=person.phone,
        )
        try:
            new = _seat_in_locked_cohort(
                target,
                _check_applicant(target, student=details, credentials=()),
                actor=actor,
                enforce_window=False,
                data={"moved_from": enrollment.pk, "from_cohort": source.code},
            )
        except _AlreadyEnrolled as already:
            raise EnrollmentError(
                f"{person} already has a place in {target.code} ({already.enrollment.get_status_display().lower()}).",
                code="already_enrolled",
            ) from None
        now = timezone.now()
        held_seat = enrollment.holds_seat
        why = f"Moved to {target.code}" + (f". {reason.strip()}" if reason.strip() else "")
        # No "withdrawn" e-mail: the student is told about the new cohort, which is what changed for them.
        _move(
            enrollment,
            S.WITHDRAWN,
            actor=actor,
            action="enrollment.moved",
            reason=why,
            data={"moved_to": new.pk, "to_cohort": target.code},
            now=now,
        )
        if held_seat:
            _offer_free_seats(source, actor=actor, now=now)
        return new


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (Jan 31 + 1 month = Feb 28/29)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def complete(*, enrollment: Enrollment, actor: AbstractBaseUser) -> Enrollment:
    """Mark an enrolled student as having completed the course and grant the credentials the course grants."""
    with transaction.atomic():
        cohort, enrollment = _lock_enrollment(enrollment.pk)
        now = timezone.now()
        today = timezone.localdate(now)
        granted = []
        # Refused transitions raise before anything is written: the credential follows the status change.
        _move(enrollment, S.COMPLETED, actor=actor, action="enrollment.completed", now=now)
        for ctype in CredentialType.objects.filter(granted_by_id=cohort.course_id).order_by("pk"):
            credential = Credential.objects.create(
                student=enrollment.student,
                credential_type=ctype,
                number=f"Completed {cohort.code}",
                issued_on=today,
                expires_on=add_months(today, ctype.validity_months) if ctype.validity_months else None,
                status=CredentialStatus.VERIFIED,
                verified_by=actor,
                verified_at=now,
            )
            granted.append(credential)
        if granted:
            _audit(
                action="credential.granted",
                enrollment=enrollment,
                actor=actor,
                data={"credentials": [c.pk for c in granted], "types": [c.credential_type.code for c in granted]},
            )
        return enrollment


def mark_did_not_complete(*, enrollment: Enrollment, actor: AbstractBaseUser, reason: str) -> Enrollment:
    """Record that an enrolled student did not complete the course, with the reason; no credential is granted."""
    if not reason.strip():
        raise EnrollmentError("Say why the student did not complete the course.", code="reason_required")
    with transaction.atomic():
        _, enrollment = _lock_enrollment(enrollment.pk)
        _move(enrollment, S.DID_NOT_COMPLETE, actor=actor, action="enrollment.did_not_complete", reason=reason.strip())
        return enrollment


def check_capacity(*, cohort: Cohort, capacity: int) -> None:
    """Refuse a capacity below the seats already held.

    Call it inside the transaction that saves the new capacity (the admin's change view runs in one): the cohort row
    stays locked until that transaction commits, so no seat can be taken between the check and the save.
    """
    with transaction.atomic():
        locked = _lock_cohort(cohort.pk)
        held = Enrollment.objects.seat_holding().filter(cohort=locked).count()
        if capacity < held:
            raise EnrollmentError(
                f"{locked.code} has {held} seat{'s' if held != 1 else ''} taken, so its capacity cannot be lowered "
                f"to {capacity}. Withdraw or move {held - capacity} first, or keep the capacity at {held} or more.",
                code="capacity_below_seats",
            )


def record_capacity_change(*, cohort: Cohort, old: int, new: int, actor: AbstractBaseUser | None) -> list[Enrollment]:
    """Audit a saved capacity change; a raised capacity offers the new seats to the waitlist at once.

    Returns the new offers. Call it in the transaction that saved the capacity (the admin's change view runs in one).
    """
    if old == new:
        return []
    with transaction.atomic():
        cohort = _lock_cohort(cohort.pk)
        _audit(
            action="cohort.capacity_changed",
            enrollment=None,
            actor=actor,
            data={"cohort": cohort.code, "from": old, "to": new},
        )
        if new < old:
            return []
        now = timezone.now()
        _lapse_expired_offers(cohort, now=now)
        return _offer_free_seats(cohort, actor=actor, now=now)


# --- credentials -------------------------------------------------------------------------------------------------


def _lock_credential(credential_id: int) -> Credential:
    return Credential.objects.select_for_update().select_related("credential_type", "student").get(pk=credential_id)


def _decide_credential(
    credential: Credential, status: str, *, actor: AbstractBaseUser, action: str, reason: str = ""
) -> Credential:
    """Write a staff decision on a locked credential, with its audit row. verified_by/verified_at record who decided
    and when, whichever way the decision went."""
    from_status = credential.status
    credential.status = status
    credential.verified_by = actor
    credential.verified_at = timezone.now()
    credential.save(update_fields=["status", "verified_by", "verified_at"])
    _audit(
        action=action,
        enrollment=None,
        actor=actor,
        from_status=from_status,
        to_status=status,
        reason=reason,
        data={"credential": credential.pk},
    )
    return credential


def verify_credential(*, credential: Credential, actor: AbstractBaseUser) -> Credential:
    """Record that staff checked a credential against its evidence or the registry (who and when)."""
    with transaction.atomic():
        credential = _lock_credential(credential.pk)
        if credential.status == CredentialStatus.VERIFIED:
            raise EnrollmentError(f"{credential} is already verified.", code="already_verified")
        if credential.expires_on is not None and credential.expires_on < timezone.localdate():
            raise EnrollmentError(
                f"{credential} expired on {_day(credential.expires_on)}: ask the student for the renewed one.",
                code="credential_expired",
            )
        return _decide_credential(credential, CredentialStatus.VERIFIED, actor=actor, action="credential.verified")


def reject_credential(*, credential: Credential, actor: AbstractBaseUser, reason: str) -> Credential:
    """Record that a credential did not check out (who, when and why); it no longer meets any requirement."""
    if not reason.strip():
        raise EnrollmentError("Say why the credential is rejected.", code="reason_required")
    with transaction.atomic():
        credential = _lock_credential(credential.pk)
        if credential.status == CredentialStatus.REJECTED:
            raise EnrollmentError(f"{credential} is already rejected.", code="already_rejected")
        return _decide_credential(
            credential, CredentialStatus.REJECTED, actor=actor, action="credential.rejected", reason=reason.strip()
        )


# --- attendance --------------------------------------------------------------------------------------------------

# Statuses that record no time in class, whatever minutes were typed next to them.
NO_TIME_STATUSES = frozenset({AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED})


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
                f"This session has not started yet: attendance can be recorded from {_day(local.date())} at "
                f"{date_format(local, 'g:i A')}.",
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
                    f"{entry.enrollment.student} is not on the roster of {session.cohort.code}.", code="not_seated"
                )
            if enrollment.pk in seen:
                raise EnrollmentError(f"{enrollment.student} is listed twice.", code="duplicate_entry")
            seen.add(enrollment.pk)
            if entry.status not in AttendanceStatus.values:
                raise EnrollmentError(
                    f"Choose present, late, absent or excused for {enrollment.student}.", code="invalid_status"
                )
            if not 0 <= entry.minutes <= session.minutes:
                raise EnrollmentError(
                    f"Minutes for {enrollment.student} must be between 0 and {session.minutes}, the length of the "
                    "session.",
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
            _audit(
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
