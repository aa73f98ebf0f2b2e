"""Eligibility, decided once: may this person hold a seat in this cohort, and what is missing or awaiting staff?

Every step that grants or keeps a seat asks `check_eligibility`: a signup (with what the person typed), staff adding
someone, accepting an offer, staff approving a pending seat and moving a student to another cohort (with what is on
file). Credential validity itself is `Credential.is_valid_on` (not rejected, not expired on the day).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Cohort, Course, CourseDate, CredentialType, Requirement, RequirementStage
from enrollment.models import Credential, CredentialStatus, Enrollment, Student
from enrollment.services.core import EnrollmentError, day_text


@dataclass(frozen=True)
class GuardianDetails:
    """A parent or guardian of an applicant under GUARDIAN_AGE on the course's first day."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class StudentDetails:
    first_name: str
    last_name: str
    email: str
    date_of_birth: datetime.date
    phone: str = ""
    # What the signup form adds about this signup (kept on the enrollment, not the person): the guardian of a minor
    # and when the privacy notice was accepted.
    guardian: GuardianDetails | None = field(default=None, compare=False)
    consented_at: datetime.datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CredentialDetails:
    credential_type: CredentialType
    number: str
    expires_on: datetime.date | None
    issued_on: datetime.date | None = None
    evidence: UploadedFile | None = field(default=None, compare=False)

    def as_unsaved(self, student: Student | None = None) -> Credential:
        """The typed credential as an unsaved, unverified Credential, so the check weighs it like one on file."""
        return Credential(
            student=student,
            credential_type=self.credential_type,
            number=self.number,
            issued_on=self.issued_on,
            expires_on=self.expires_on,
            status=CredentialStatus.UNVERIFIED,
        )


@dataclass(frozen=True)
class NextStep:
    """Where a refused person can go instead: a sentence and the page it links to."""

    text: str
    url: str


@dataclass(frozen=True)
class Shortfall:
    """Something that stops the seat, with a sentence that says what to do about it and, where the school offers
    one, a link to what the person *can* do (a course open at their age, the course that grants the credential)."""

    code: str  # an EnrollmentError code: too_young or missing_requirement
    message: str
    credential_type: CredentialType | None = None
    next_step: NextStep | None = None


@dataclass(frozen=True)
class Eligibility:
    """The answer for one person and one cohort.

    `shortfalls` stop the seat. `awaiting` are requirements met only by credentials staff have not verified yet:
    the seat is held pending review. `meeting` maps each requirement met or awaiting to the credential that meets it
    (the one staff verify when they approve).
    """

    shortfalls: tuple[Shortfall, ...]
    awaiting: tuple[Requirement, ...]
    meeting: dict[int, Credential]

    @property
    def ok(self) -> bool:
        return not self.shortfalls

    @property
    def needs_review(self) -> bool:
        return bool(self.awaiting)

    @property
    def awaiting_names(self) -> list[str]:
        return [r.credential_type.name for r in self.awaiting]

    def refusal(self) -> EnrollmentError | None:
        """The first shortfall as the error a service raises (people are told one thing to fix at a time)."""
        if not self.shortfalls:
            return None
        first = self.shortfalls[0]
        return EnrollmentError(first.message, code=first.code, next_step=first.next_step)

    def raise_for_shortfall(self) -> None:
        if (error := self.refusal()) is not None:
            raise error


def requirements_of(cohort: Cohort) -> list[Requirement]:
    """The requirements a seat needs (stage "to sign up"; clearance documents for clinical shifts are the clinical
    app's), with their credential types, in a stable order; a prefetch is reused."""
    cache = getattr(cohort.course, "_prefetched_objects_cache", {})
    if "requirements" in cache:
        return sorted((r for r in cache["requirements"] if r.needed_for == RequirementStage.SIGNUP), key=lambda r: r.pk)
    return list(cohort.course.requirements.for_signup().select_related("credential_type").order_by("pk"))


def _when(requirement: Requirement, cohort: Cohort) -> str:
    day = day_text(requirement.date_for(cohort))
    if requirement.valid_through == CourseDate.START:
        return _("the course starts (%(day)s)") % {"day": day}
    return _("the course ends (%(day)s)") % {"day": day}


# Below this age on the course's first day, an applicant gives a parent or guardian's name, phone and e-mail.
GUARDIAN_AGE = 18


def needs_guardian(cohort: Cohort, date_of_birth: datetime.date) -> bool:
    """Whether a person born on `date_of_birth` is a minor on the cohort's first day: the signup then asks for a
    parent or guardian (the form shows the fields, the public signup refuses without them)."""
    return Student(date_of_birth=date_of_birth).age_on(cohort.starts_on) < GUARDIAN_AGE


def _younger_course(course: Course, age: int) -> NextStep | None:
    """A published course open at `age` to point a too-young applicant at ("EMR is open from 16"): the one with the
    highest minimum age that is at most `age`. One query, made only on this refusal."""
    other = (
        Course.objects.published()
        .filter(min_age__lte=age, min_age__lt=course.min_age)
        .exclude(pk=course.pk)
        .order_by("-min_age", "display_order")
        .first()
    )
    if other is None:
        return None
    return NextStep(
        text=_("%(level)s is open from age %(age)s: see its upcoming cohorts.")
        % {"level": other.get_level_display(), "age": other.min_age},
        url=other.get_absolute_url() + "#cohorts",
    )


def _granting_course(ctype: CredentialType) -> NextStep | None:
    """The published course that grants `ctype` ("no EMT license yet? the upcoming EMT cohorts"). One query, made
    only on this refusal."""
    course = Course.objects.published().filter(grants=ctype).first()
    if course is None:
        return None
    return NextStep(
        text=_("No %(name)s yet? The %(level)s course leads to one: see its upcoming cohorts.")
        % {"name": ctype.name, "level": course.get_level_display()},
        url=course.get_absolute_url() + "#cohorts",
    )


def _credential_shortfall(cohort: Cohort, requirement: Requirement, candidates: list[Credential]) -> Shortfall:
    """Why none of `candidates` meets the requirement, and what to do, in the student's words."""
    ctype = requirement.credential_type
    course = cohort.course
    latest = max(candidates, key=lambda c: (c.expires_on or datetime.date.max, c.pk or 0), default=None)
    words = {"course": course.title, "name": ctype.name, "when": _when(requirement, cohort)}
    if latest is None:
        message = _(
            "%(course)s requires a current %(name)s, valid until %(when)s. "
            "Add your %(name)s: its number and expiration date."
        )
    elif latest.status == CredentialStatus.REJECTED:
        message = _(
            "Our staff could not accept the %(name)s we have on file. %(course)s requires a current %(name)s, "
            "valid until %(when)s: add a current one, with a scan or photo."
        )
    else:
        words["expires"] = day_text(latest.expires_on)
        message = _(
            "%(course)s requires a %(name)s that is valid until %(when)s. The one you gave us expires on "
            "%(expires)s: renew it, then add the new card with its expiration date."
        )
    return Shortfall(
        code="missing_requirement",
        message=message % words,
        credential_type=ctype,
        next_step=_granting_course(ctype) if latest is None else None,
    )


def check_eligibility(
    cohort: Cohort,
    *,
    date_of_birth: datetime.date,
    credentials: Iterable[Credential],
    requirements: Sequence[Requirement] | None = None,
    today: datetime.date | None = None,
) -> Eligibility:
    """May a person born on `date_of_birth`, holding `credentials`, hold a seat in `cohort`?

    `credentials` are the person's credentials on file plus, at signup, the ones just typed (unsaved, unverified).
    A credential counts when it is valid on the cohort's day the requirement names (its start or its end) and is
    current today (an offer taken up after the course began needs a card that has not run out since). Age is
    checked on the day the course names. No query is made when `requirements` is given and `cohort.course` is loaded.
    """
    course = cohort.course
    shortfalls: list[Shortfall] = []
    awaiting: list[Requirement] = []
    meeting: dict[int, Credential] = {}

    age_day = cohort.date_for(course.age_checked_on)
    age = Student(date_of_birth=date_of_birth).age_on(age_day)
    if age < course.min_age:
        shortfalls.append(
            Shortfall(
                code="too_young",
                message=_(
                    "%(course)s is open to people aged %(min_age)s or older on %(day)s. With the date of birth "
                    "given you would be %(age)s then."
                )
                % {"course": course.title, "min_age": course.min_age, "day": day_text(age_day), "age": age},
                next_step=_younger_course(course, age),
            )
        )

    held = list(credentials)
    for requirement in requirements if requirements is not None else requirements_of(cohort):
        day = max(requirement.date_for(cohort), today or timezone.localdate())
        candidates = [c for c in held if c.credential_type_id == requirement.credential_type_id]
        valid = sorted(
            (c for c in candidates if c.is_valid_on(day)),
            # Verified first, then the one valid longest: the credential staff would check.
            key=lambda c: (c.status != CredentialStatus.VERIFIED, -(c.expires_on or datetime.date.max).toordinal()),
        )
        if not valid:
            shortfalls.append(_credential_shortfall(cohort, requirement, candidates))
            continue
        meeting[requirement.pk] = valid[0]
        if requirement.needs_verification and valid[0].status != CredentialStatus.VERIFIED:
            awaiting.append(requirement)
    return Eligibility(shortfalls=tuple(shortfalls), awaiting=tuple(awaiting), meeting=meeting)


def eligibility_on_file(cohort: Cohort, student: Student, *, enrollment: Enrollment | None = None) -> Eligibility:
    """check_eligibility with what is on file for the student (accepting an offer, approval, a move, the status
    page): the credentials that count (not typed by another signup still unconfirmed), with `enrollment`'s own.
    Two queries: the requirements and the student's credentials."""
    credentials = list(student.credentials.on_file(enrollment=enrollment).select_related("credential_type"))
    return check_eligibility(cohort, date_of_birth=student.date_of_birth, credentials=credentials)
