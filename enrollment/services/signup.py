"""Signing up: a person asks for a seat in a cohort and is enrolled, held for review or waitlisted, or told why not.

The public signup form, staff adding someone in the back office and the new half of a move all come here.

An e-mail address counts once its owner has opened our e-mail. A public signup is decided on what the person typed
(age, credentials), holds its seat or waitlist place for confirm_window(), and is confirmed when the e-mailed link is
opened (confirm_signup); unconfirmed, it lapses and its place passes on. Nothing on file is shown to, or changed by,
someone who has not proven the address, and the answer is the same whether or not the address was known.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy  # gettext by name where `_` is a throwaway
from django.utils.translation import gettext as _

from courses.models import Cohort, CohortStatus, Requirement
from enrollment import notifications
from enrollment.models import (
    LIVE_STATUSES,
    NEW,
    Credential,
    Enrollment,
    EnrollmentStatus,
    Student,
    confirm_window,
    normalise_email,
)
from enrollment.services.core import (
    EnrollmentError,
    audit,
    lock_cohort,
    lock_enrollment,
    record_transition,
    tell_listeners,
)
from enrollment.services.eligibility import (
    GUARDIAN_AGE,
    CredentialDetails,
    Eligibility,
    StudentDetails,
    check_eligibility,
    eligibility_on_file,
    needs_guardian,
    requirements_of,
)
from enrollment.services.transitions import transition
from enrollment.services.waitlist import settle

S = EnrollmentStatus

# The e-mail a new enrollment's student is sent, by the action that made it.
SIGNUP_EMAILS = {"enroll": "enrolled", "hold_for_review": "pending_review", "join_waitlist": "waitlisted"}
# The person's details a signup types, kept on the enrollment (Enrollment.details) and compared at confirmation.
DETAIL_FIELDS = ("first_name", "last_name", "phone", "date_of_birth")
DETAIL_WORDS = {
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "phone": gettext_lazy("phone"),
    "date_of_birth": gettext_lazy("date of birth"),
}


@dataclass
class _Applicant:
    """What request_seat learns about a person before it takes the cohort's lock (none of it depends on seats)."""

    person: Student | None
    returning: bool
    eligibility: Eligibility
    checked_against: tuple
    details: dict
    # The typed credentials to store, with the enrollment once it exists (Credential.submitted_with).
    new_credentials: tuple[Credential, ...] = ()
    # What the signup form adds to the enrollment itself: the consent time and a minor's guardian.
    on_enrollment: dict = field(default_factory=dict)


def _typed_details(student: StudentDetails) -> dict:
    return {
        "first_name": student.first_name.strip(),
        "last_name": student.last_name.strip(),
        "phone": student.phone,
        "date_of_birth": student.date_of_birth.isoformat(),
    }


def _on_enrollment(student: StudentDetails) -> dict:
    fields = {"privacy_consent_at": student.consented_at}
    if student.guardian is not None:
        fields.update(
            guardian_name=student.guardian.name.strip(),
            guardian_phone=student.guardian.phone,
            guardian_email=student.guardian.email,
        )
    return fields


def _check_applicant(
    cohort: Cohort,
    *,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails],
    requirements: Sequence[Requirement],
    confirmed: bool,
    by_staff: bool,
) -> _Applicant:
    """Check eligibility on what this signup typed; when it passes, write a new person (the typed credentials are
    written with the enrollment, which they belong to).

    On the public site nothing on file decides the answer (a stranger could otherwise learn what is on file by
    typing an address); staff, who may see the record, sign people up with their credentials on file counted too.
    A known person's record is never changed here. The writes belong to the caller's transaction: a refusal after
    them (the cohort closed) rolls them back, so nothing is stored when a signup fails.
    """
    email = normalise_email(student.email)
    person = Student.objects.with_email(email).first()
    counted = list(person.credentials.on_file()) if person is not None and by_staff else []
    eligibility = check_eligibility(
        cohort,
        date_of_birth=student.date_of_birth,
        credentials=[*counted, *(c.as_unsaved() for c in credentials)],
        requirements=requirements,
    )
    applicant = _Applicant(
        person=person,
        returning=person is not None,
        eligibility=eligibility,
        checked_against=(cohort.starts_on, cohort.ends_on, cohort.course_id),
        details=_typed_details(student),
        on_enrollment=_on_enrollment(student),
    )
    if not eligibility.ok:
        return applicant
    now = timezone.now()
    if person is None:
        typed = applicant.details
        applicant.person = person = Student.objects.create(
            first_name=typed["first_name"],
            last_name=typed["last_name"],
            email=email,
            phone=student.phone,
            date_of_birth=student.date_of_birth,
            email_confirmed_at=now if confirmed else None,
        )
    on_file = list(person.credentials.on_file()) if applicant.returning else []
    to_add = []
    for details in credentials:
        if any(
            c.credential_type_id == details.credential_type.pk
            and c.number.casefold() == details.number.casefold()
            and c.expires_on == details.expires_on
            and not details.evidence
            for c in on_file
        ):
            continue  # the same card typed again: keep the one on file (and its verification)
        to_add.append(
            Credential(
                student=person,
                credential_type=details.credential_type,
                number=details.number,
                issued_on=details.issued_on,
                expires_on=details.expires_on,
                evidence=details.evidence or "",
            )
        )
    applicant.new_credentials = tuple(to_add)
    return applicant


class AlreadyEnrolled(Exception):
    """Raised inside request_seat's transaction to roll back whatever was written, then reported outside it."""

    def __init__(self, enrollment: Enrollment) -> None:
        self.enrollment = enrollment


def _refuse_closed(cohort: Cohort, *, enforce_window: bool, now: datetime.datetime) -> None:
    if enforce_window and not cohort.is_taking_signups(now):
        raise EnrollmentError(
            _("%(code)s is not taking signups right now. See the other upcoming cohorts of %(course)s.")
            % {"code": cohort.code, "course": cohort.course.title},
            code="not_open",
        )
    if not enforce_window and cohort.status in {CohortStatus.CANCELLED, CohortStatus.COMPLETED}:
        raise EnrollmentError(
            _("%(code)s is %(status)s.") % {"code": cohort.code, "status": cohort.get_status_display().lower()},
            code="not_open",
        )


def _decide(cohort: Cohort, eligibility: Eligibility, *, now: datetime.datetime) -> tuple[str, dict[str, int]]:
    """The action a newcomer's signup takes in a locked cohort, after the waitlist is settled (no queue-jumping)."""
    summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if any(settle(cohort, actor=None, now=now, summary=summary)):
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if cohort.newcomer_waits(seats_taken=summary["seats_taken"], waiting=summary["waiting"]):
        return "join_waitlist", summary
    return ("hold_for_review" if eligibility.needs_review else "enroll"), summary


def seat_in_locked_cohort(
    cohort: Cohort,
    applicant: _Applicant,
    *,
    actor: AbstractBaseUser | None,
    enforce_window: bool,
    confirmed: bool,
    data: dict | None = None,
    moved_from: Enrollment | None = None,
) -> Enrollment:
    """The seat decision, for a cohort the caller has locked: checks in the order people are told about them
    (not open, eligibility, already enrolled), then the waitlist is settled and the newcomer is enrolled, held
    for review or waitlisted. `data` is added to the new enrollment's audit row. `moved_from`, the enrollment a
    staff move replaces, is recorded on the new one, and the student gets the "moved" e-mail naming both cohorts."""
    now = timezone.now()
    _refuse_closed(cohort, enforce_window=enforce_window, now=now)
    applicant.eligibility.raise_for_shortfall()
    if applicant.returning:
        duplicate = applicant.person.enrollments.live().filter(cohort=cohort).first()
        if duplicate is not None:
            raise AlreadyEnrolled(duplicate)

    action, summary = _decide(cohort, applicant.eligibility, now=now)
    review = applicant.eligibility.awaiting_names
    enrollment = record_transition(
        Enrollment(
            student=applicant.person,
            cohort=cohort,
            status=NEW,
            details=applicant.details,
            confirmed_at=now if confirmed else None,
            moved_from=moved_from,
            **applicant.on_enrollment,
        ),
        action,
        actor=actor,
        data={**({"review": review} if review else {}), **(data or {})},
        now=now,
    )
    # For the page after a public signup (SignupReceipt): read under the lock, so no query afterwards. A newcomer is
    # last in the queue (WAITLIST_ORDER), behind everyone waiting before them.
    enrollment.awaiting_names = review
    enrollment.place_in_queue = summary["waiting"] + 1 if action == "join_waitlist" else None
    if applicant.new_credentials:
        for credential in applicant.new_credentials:
            credential.submitted_with = enrollment
        Credential.objects.bulk_create(applicant.new_credentials)  # one statement; scans are stored as it runs
    notifications.notify(enrollment, "moved" if moved_from is not None else SIGNUP_EMAILS[action])
    return enrollment


def request_seat(
    *,
    cohort: Cohort,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails] = (),
    actor: AbstractBaseUser | None = None,
    enforce_window: bool = True,
    confirmed: bool | None = None,
) -> Enrollment:
    """Sign a person up for a cohort: enrolled, pending review or waitlisted, or an EnrollmentError saying why not.

    The decision uses what was typed. `confirmed` (default: when staff sign someone up) marks the address as
    proven; otherwise the signup must be confirmed from the e-mailed link within confirm_window(). Staff pass
    `enforce_window=False` to sign up outside the enrollment window. A live enrollment of the same person in the
    cohort raises already_enrolled (the public site answers through sign_up instead, which reveals nothing).

    One transaction: the person is looked up, checked and (when new) written first; then the cohort's row is locked,
    seats are counted and the enrollment is written. Everything that does not depend on seats happens before the
    lock, so that a rush of signups for one cohort holds it as briefly as possible.
    """
    confirmed = actor is not None if confirmed is None else confirmed
    try:
        return _request_seat(
            cohort=cohort,
            student=student,
            credentials=credentials,
            actor=actor,
            enforce_window=enforce_window,
            confirmed=confirmed,
        )
    except AlreadyEnrolled as already:
        duplicate = already.enrollment
        raise EnrollmentError(
            _("%(student)s already has a place in %(cohort)s (%(status)s).")
            % {
                "student": duplicate.student,
                "cohort": duplicate.cohort.code,
                "status": duplicate.get_status_display().lower(),
            },
            code="already_enrolled",
        ) from None


def _request_seat(
    *,
    cohort: Cohort,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails],
    actor: AbstractBaseUser | None,
    enforce_window: bool,
    confirmed: bool,
) -> Enrollment:
    known = cohort
    course = cohort.course if Cohort.course.is_cached(cohort) else None
    requirements = requirements_of(known)  # read before the lock: course data does not take seats
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                applicant = _check_applicant(
                    known,
                    student=student,
                    credentials=credentials,
                    requirements=requirements,
                    confirmed=confirmed,
                    by_staff=actor is not None,
                )
                cohort = lock_cohort(known.pk, course=course)
                if applicant.checked_against != (cohort.starts_on, cohort.ends_on, cohort.course_id):
                    # The cohort's dates or course changed since it was read: check again against the locked row.
                    # (What the first check wrote is on file now; what it refused to write is checked again.)
                    applicant = _check_applicant(
                        cohort,
                        student=student,
                        credentials=credentials if not applicant.eligibility.ok else (),
                        requirements=requirements_of(cohort),
                        confirmed=confirmed,
                        by_staff=actor is not None,
                    )
                return seat_in_locked_cohort(
                    cohort, applicant, actor=actor, enforce_window=enforce_window, confirmed=confirmed
                )
        except IntegrityError:
            # Two signups by one new person at the same moment: the second's insert of the person (or of a second
            # live enrollment) lost the race. Once more, now that the first has committed, it finds them.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- the public signup: the same answer whoever the address belongs to ------------------------------------------


@dataclass(frozen=True)
class SignupReceipt:
    """What the page after a public signup says: the outcome in words and until when it is held unconfirmed.

    Built from what was typed and the cohort's seats, never from what is on file, so it is the same page whether the
    address was unknown, known, or already has a place (then the owner is e-mailed their link instead).
    """

    email: str
    cohort_id: int
    status: str  # ENROLLED, PENDING_REVIEW or WAITLISTED
    position: int | None
    awaiting: tuple[str, ...]
    confirm_by: datetime.datetime

    def as_dict(self) -> dict:
        return {**asdict(self), "awaiting": list(self.awaiting), "confirm_by": self.confirm_by.isoformat()}

    @classmethod
    def from_dict(cls, data: dict) -> SignupReceipt:
        return cls(
            email=str(data["email"]),
            cohort_id=int(data["cohort_id"]),
            status=str(data["status"]),
            position=None if data["position"] is None else int(data["position"]),
            awaiting=tuple(str(name) for name in data["awaiting"]),
            confirm_by=datetime.datetime.fromisoformat(data["confirm_by"]),
        )


def sign_up(*, cohort: Cohort, student: StudentDetails, credentials: Sequence[CredentialDetails] = ()) -> SignupReceipt:
    """The public signup. Refusals that depend only on what was typed (closed cohort, age, credentials) are raised
    as EnrollmentError; otherwise the answer is a SignupReceipt, and the private link goes only to the address.

    An applicant under 18 on the course's first day must name a parent or guardian (guardian_required)."""
    if student.guardian is None and needs_guardian(cohort, student.date_of_birth):
        # Told first what stops the seat whatever the guardian (too young even so, a missing credential).
        check_eligibility(
            cohort,
            date_of_birth=student.date_of_birth,
            credentials=[c.as_unsaved() for c in credentials],
            requirements=requirements_of(cohort),
        ).raise_for_shortfall()
        raise EnrollmentError(
            _(
                "You will be under %(age)s when the course starts, so we need a parent or guardian's name, phone "
                "number and e-mail address. Add them below and sign up again."
            )
            % {"age": GUARDIAN_AGE},
            code="guardian_required",
        )
    email = normalise_email(student.email)
    try:
        enrollment = _request_seat(
            cohort=cohort, student=student, credentials=credentials, actor=None, enforce_window=True, confirmed=False
        )
    except AlreadyEnrolled as already:
        return _receipt_for_a_known_place(
            cohort, already.enrollment, email=email, student=student, credentials=credentials
        )
    return SignupReceipt(
        email=email,
        cohort_id=cohort.pk,
        status=enrollment.status,
        position=enrollment.place_in_queue,
        awaiting=tuple(enrollment.awaiting_names),
        confirm_by=enrollment.created_at + confirm_window(),
    )


def _receipt_for_a_known_place(
    cohort: Cohort,
    place: Enrollment,
    *,
    email: str,
    student: StudentDetails,
    credentials: Sequence[CredentialDetails],
) -> SignupReceipt:
    """The address already has a place in the cohort: e-mail its owner the link, and answer as a newcomer with what
    was typed would be answered now, so the page does not tell the visitor that the address is on file."""
    with transaction.atomic():
        notifications.notify(place, "link_reminder")
    eligibility = check_eligibility(
        cohort,
        date_of_birth=student.date_of_birth,
        credentials=[c.as_unsaved() for c in credentials],
        requirements=requirements_of(cohort),
    )
    now = timezone.now()
    summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    waits = cohort.newcomer_waits(seats_taken=summary["seats_taken"], waiting=summary["waiting"])
    status = S.WAITLISTED if waits else S.PENDING_REVIEW if eligibility.needs_review else S.ENROLLED
    return SignupReceipt(
        email=email,
        cohort_id=cohort.pk,
        status=status,
        position=summary["waiting"] + 1 if waits else None,
        awaiting=tuple(eligibility.awaiting_names) if status == S.PENDING_REVIEW else (),
        confirm_by=now + confirm_window(),
    )


def resend_signup_email(*, email: str, cohort_id: int) -> None:
    """ "Send the e-mail again" from the page after a signup: the confirmation e-mail of an unconfirmed signup, or the
    private link of a confirmed one. Says nothing back: the page answers the same either way."""
    person = Student.objects.with_email(email).first()
    if person is None:
        return
    with transaction.atomic():
        place = person.enrollments.live().filter(cohort_id=cohort_id).select_related("cohort").first()
        if place is None:
            return
        if place.confirmed_at is None:
            notifications.notify(place, SIGNUP_EMAILS[_action_for_status(place.status)])
        else:
            notifications.notify(place, "link_reminder")


def _action_for_status(status: str) -> str:
    return {S.ENROLLED: "enroll", S.PENDING_REVIEW: "hold_for_review", S.WAITLISTED: "join_waitlist"}.get(
        status, "join_waitlist"
    )


# --- confirming the address --------------------------------------------------------------------------------------


def confirm_signup(*, enrollment: Enrollment) -> bool:
    """The e-mailed link was opened: the signup counts. Returns True when this call confirmed it.

    The first confirmed signup of a person whose record only an unconfirmed signup wrote makes that record its own
    details. Otherwise, details that differ from the record are kept on the enrollment for staff to decide
    (details_differ, the review queue); the record is never silently changed.
    """
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        if enrollment.confirmed_at is not None or enrollment.status not in LIVE_STATUSES:
            return False
        now = timezone.now()
        person = Student.objects.select_for_update().get(pk=enrollment.student_id)
        typed = {k: v for k, v in enrollment.details.items() if k in DETAIL_FIELDS}
        differences: list[str] = []
        if person.email_confirmed_at is None:
            for name, value in typed.items():
                setattr(person, name, datetime.date.fromisoformat(value) if name == "date_of_birth" else value)
            person.email_confirmed_at = now
            person.save(update_fields=[*typed, "email_confirmed_at"])
        else:
            differences = [name for name, value in typed.items() if _on_file(person, name) != value]
        enrollment.confirmed_at = now
        enrollment.details_differ = bool(differences)
        enrollment.save(update_fields=["confirmed_at", "details_differ"])
        audit(
            action="enrollment.confirmed",
            enrollment=enrollment,
            actor=None,
            data={"differences": differences} if differences else {},
        )
        tell_listeners(enrollment, "confirmed", actor=None, now=now)
        if enrollment.status == S.PENDING_REVIEW and not differences:
            # Now that the owner has proven the address, what staff already verified on their record counts: a
            # graduate's verified license does not wait for staff a second time.
            eligibility = eligibility_on_file(enrollment.cohort, person, enrollment=enrollment)
            if eligibility.ok and not eligibility.needs_review:
                enrollment.student = person
                transition(
                    enrollment,
                    "approve",
                    actor=None,
                    data={"verified_on_file": [c.pk for c in eligibility.meeting.values()]},
                    email="enrolled",
                    now=now,
                )
        return True


def _on_file(person: Student, name: str) -> str:
    value = getattr(person, name)
    return value.isoformat() if isinstance(value, datetime.date) else value


def differing_details(enrollment: Enrollment) -> list[tuple[str, str, str]]:
    """For staff: (what, typed at this signup, on file) for each detail that differs."""
    typed = enrollment.details
    return [
        (str(DETAIL_WORDS[name]), typed[name], _on_file(enrollment.student, name))
        for name in DETAIL_FIELDS
        if name in typed and _on_file(enrollment.student, name) != typed[name]
    ]


def resolve_details(*, enrollment: Enrollment, use_signup: bool, actor: AbstractBaseUser) -> Enrollment:
    """Staff decide which details are right when a confirmed signup's differ from the record: the signup's
    (the record is updated) or the record's (kept). Audited either way."""
    with transaction.atomic():
        _, enrollment = lock_enrollment(enrollment.pk)
        if not enrollment.details_differ:
            raise EnrollmentError(
                gettext("There is nothing to decide: the details match the record."), code="nothing_to_resolve"
            )
        person = Student.objects.select_for_update().get(pk=enrollment.student_id)
        enrollment.student = person
        before = {name: _on_file(person, name) for name in DETAIL_FIELDS}
        changed: list[str] = []
        if use_signup:
            for name in DETAIL_FIELDS:
                if name in enrollment.details:
                    value = enrollment.details[name]
                    setattr(person, name, datetime.date.fromisoformat(value) if name == "date_of_birth" else value)
            person.save(update_fields=list(DETAIL_FIELDS))
            changed = [name for name in DETAIL_FIELDS if _on_file(person, name) != before[name]]
        enrollment.details_differ = False
        enrollment.save(update_fields=["details_differ"])
        audit(
            action="student.details_resolved",
            enrollment=enrollment,
            actor=actor,
            data={"used": "signup" if use_signup else "record", "changed": changed, "before": before},
        )
        return enrollment


# --- staff: people on file, vouched for ---------------------------------------------------------------------------


def applicant_on_file(cohort: Cohort, person: Student, *, enrollment: Enrollment | None = None) -> _Applicant:
    """A person already on file, checked for `cohort` with what is on file (staff paths; `enrollment` is the one
    being moved, whose own credentials count): nothing is written."""
    return _Applicant(
        person=person,
        returning=True,
        eligibility=eligibility_on_file(cohort, person, enrollment=enrollment),
        checked_against=(cohort.starts_on, cohort.ends_on, cohort.course_id),
        details={},
    )


def seat_on_file(
    cohort: Cohort,
    person: Student,
    *,
    actor: AbstractBaseUser,
    data: dict | None = None,
    moving: Enrollment | None = None,
) -> Enrollment:
    """The seat decision for a person on file in a cohort the caller has locked, for staff (adding someone, the new
    half of a move): what is on file is checked, the enrollment window is not, and staff vouch for the person."""
    try:
        return seat_in_locked_cohort(
            cohort,
            applicant_on_file(cohort, person, enrollment=moving),
            actor=actor,
            enforce_window=False,
            confirmed=True,
            data=data,
            moved_from=moving,
        )
    except AlreadyEnrolled as already:
        raise EnrollmentError(
            _("%(student)s already has a place in %(cohort)s (%(status)s).")
            % {"student": person, "cohort": cohort.code, "status": already.enrollment.get_status_display().lower()},
            code="already_enrolled",
        ) from None


def add_to_cohort(*, student: Student, cohort: Cohort, actor: AbstractBaseUser) -> Enrollment:
    """Staff sign a student on file up for a cohort: the signup's rules with what is on file, outside the cohort's
    enrollment window (staff vouch for the person)."""
    with transaction.atomic():
        return seat_on_file(lock_cohort(cohort.pk), student, actor=actor)
