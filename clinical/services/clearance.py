"""Clearance for shifts: the clearance documents a course requires, verified and valid on the day of a shift; the
staff's board."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from clinical.services.core import SEATED
from courses.dates import date_text
from courses.models import CredentialType, Requirement
from enrollment.models import Credential, CredentialStatus, Enrollment


@dataclass(frozen=True)
class ClearanceItem:
    """One clearance document a course requires, and where the student stands on it for a given day."""

    credential_type: CredentialType
    credential: Credential | None  # the best one on file
    cleared: bool
    message: str  # what is wrong and what to do; empty when cleared


@dataclass(frozen=True)
class Clearance:
    day: datetime.date
    items: tuple[ClearanceItem, ...]

    @property
    def cleared(self) -> bool:
        return all(item.cleared for item in self.items)

    @property
    def missing(self) -> tuple[ClearanceItem, ...]:
        return tuple(item for item in self.items if not item.cleared)


@dataclass(frozen=True)
class ClearanceFile:
    """A student's clearance documents as they are on file, loaded once, to be weighed against any day."""

    requirements: tuple[Requirement, ...]
    credentials: tuple[Credential, ...]

    def on(self, day: datetime.date) -> Clearance:
        """Is the student cleared for a shift on `day`: every clearance document the course requires verified by
        staff and valid on that day."""
        items = []
        for requirement in self.requirements:
            ctype = requirement.credential_type
            mine = [c for c in self.credentials if c.credential_type_id == ctype.pk]
            good = [c for c in mine if c.status == CredentialStatus.VERIFIED and c.is_valid_on(day)]
            best = max(good or mine, key=lambda c: (c.expires_on or datetime.date.max, c.pk), default=None)
            words = {"name": ctype.name}  # the day is formatted only for the sentence that names it
            if good:
                message = ""
            elif best is None:
                message = _("Upload your %(name)s on your clinicals page; staff verify it before you can book.")
            elif best.status == CredentialStatus.REJECTED:
                message = _("Staff could not accept your %(name)s. Upload a new one on your clinicals page.")
            elif not best.is_valid_on(day):
                words["expires"] = date_text(best.expires_on, "F j, Y")
                words["day"] = date_text(day, "F j, Y")
                message = _(
                    "Your %(name)s expires on %(expires)s, before the shift (%(day)s). Upload the renewed one on "
                    "your clinicals page."
                )
            else:
                message = _("Your %(name)s is waiting for staff to verify it. You can book once it is verified.")
            items.append(ClearanceItem(ctype, best, bool(good), message % words))
        return Clearance(day=day, items=tuple(items))


def clearance_on_file(enrollment: Enrollment) -> ClearanceFile:
    """The course's clearance requirements and the student's documents for them (clearance_files for one)."""
    return clearance_files([enrollment])[enrollment.pk]


def clearance(enrollment: Enrollment, *, on: datetime.date) -> Clearance:
    """Is the student cleared for a shift on `on` (see ClearanceFile.on)."""
    return clearance_on_file(enrollment).on(on)


def clearance_files(enrollments: list[Enrollment]) -> dict[int, ClearanceFile]:
    """clearance_on_file() for many enrollments (any courses): three queries whatever their number."""
    if not enrollments:
        return {}
    prefetch_related_objects(enrollments, "cohort")  # no query when the caller has them (readiness_of, the board)
    requirements: dict[int, list[Requirement]] = {}
    for requirement in (
        Requirement.objects.for_clinicals()
        .filter(course_id__in={e.cohort.course_id for e in enrollments})
        .select_related("credential_type")
        .order_by("credential_type__name")
    ):
        requirements.setdefault(requirement.course_id, []).append(requirement)
    credentials: dict[int, list[Credential]] = {}
    for credential in Credential.objects.on_file().filter(
        student_id__in={e.student_id for e in enrollments},
        credential_type__in={r.credential_type_id for found in requirements.values() for r in found},
    ):
        credentials.setdefault(credential.student_id, []).append(credential)
    return {
        e.pk: ClearanceFile(tuple(requirements.get(e.cohort.course_id, ())), tuple(credentials.get(e.student_id, ())))
        for e in enrollments
    }


def clearance_board(cohort_id: int) -> tuple[list[Requirement], list[tuple[Enrollment, ClearanceFile]]]:
    """Every seated student of a cohort with their clearance documents, for the staff's board. A fixed number of
    queries, whatever the size of the cohort."""
    enrollments = list(
        Enrollment.objects.filter(cohort_id=cohort_id, status=SEATED)
        .select_related("student", "cohort")
        .order_by("student__last_name", "student__first_name", "pk")
    )
    if not enrollments:
        return [], []
    files = clearance_files(enrollments)
    return list(files[enrollments[0].pk].requirements), [(e, files[e.pk]) for e in enrollments]
