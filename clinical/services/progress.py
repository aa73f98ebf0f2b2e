"""Progress against the course's clinical minimums (signed entries only), and the instructor's roster line."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinical.models import (
    Booking,
    ClinicalMinimum,
    MinimumKind,
    SiteKind,
)
from clinical.services.clearance import clearance_files
from clinical.services.core import minimums_of
from courses.models import Cohort, Course
from enrollment.models import Enrollment
from enrollment.portal import RosterNote
from enrollment.readiness import Readiness, ReadinessItem


@dataclass(frozen=True)
class MinimumProgress:
    minimum: ClinicalMinimum
    done: Decimal

    @property
    def met(self) -> bool:
        return self.done >= self.minimum.amount


def progress(enrollment: Enrollment) -> list[MinimumProgress]:
    """Each of the course's clinical minimums against what is signed: only a preceptor's sign-off counts."""
    return progress_of([enrollment], course=enrollment.cohort.course)[enrollment.pk]


def progress_of(enrollments: list[Enrollment], *, course: Course) -> dict[int, list[MinimumProgress]]:
    """progress() for many enrollments of one course, in two queries (the roster's; the minimums are read once per
    course object, see minimums_of)."""
    minimums = minimums_of([course])[course.pk]
    signed: dict[int, list[Booking]] = {e.pk: [] for e in enrollments}
    if minimums:
        for booking in (
            Booking.objects.filter(enrollment__in=[e.pk for e in enrollments], signed_at__isnull=False, attended=True)
            .select_related("shift__site")
            .prefetch_related("contacts")
        ):
            signed[booking.enrollment_id].append(booking)
    return {pk: [MinimumProgress(m, _done(m.kind, bookings)) for m in minimums] for pk, bookings in signed.items()}


# Behind on clinicals: some minimum is more than this far behind the share of the cohort's days gone by (a quarter of
# the way through with nothing signed is fine; half way through with less than a quarter of the ED hours is not).
BEHIND_MARGIN = Decimal("0.25")


def behind_on_clinicals(
    items: list[MinimumProgress], *, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date
) -> list[MinimumProgress]:
    """The minimums a student is behind on, for the instructor's at-risk flag."""
    length = max((ends_on - starts_on).days, 1)
    gone = Decimal(min(max((today - starts_on).days, 0), length)) / Decimal(length)
    return [item for item in items if not item.met and item.done / item.minimum.amount < gone - BEHIND_MARGIN]


def _done(kind: str, signed: Iterable[Booking]) -> Decimal:
    def hours(bookings: Iterable[Booking]) -> Decimal:
        return (Decimal(sum(b.signed_minutes or 0 for b in bookings)) / 60).quantize(Decimal("0.1"))

    confirmed = [c for b in signed for c in b.contacts.all() if c.confirmed]
    match kind:
        case MinimumKind.ED_HOURS:
            return hours(b for b in signed if b.shift.site.kind == SiteKind.EMERGENCY_DEPARTMENT)
        case MinimumKind.AMBULANCE_HOURS:
            return hours(b for b in signed if b.shift.site.kind == SiteKind.AMBULANCE)
        case MinimumKind.ANY_HOURS:
            return hours(signed)
        case MinimumKind.CONTACTS:
            return Decimal(len(confirmed))
        case MinimumKind.TEAM_LEADS:
            return Decimal(sum(1 for c in confirmed if c.team_lead))
    raise ValueError(f"unknown clinical minimum kind {kind!r}")


def roster_notes(
    cohort: Cohort, enrollments: list[Enrollment], now: datetime.datetime, readiness: dict[int, Readiness]
) -> dict[int, list[RosterNote]]:
    """The roster's clinical line per student ("Clinicals: ED hours 12 of 24 · ..."), at risk when behind
    (behind_on_clinicals). Written from the roster's readiness pass (its "clinical:<kind>" items carry what is
    signed): no query of its own. Registered with the portal in ClinicalConfig.ready()."""
    minimums = minimums_of([cohort.course])[cohort.course_id]
    if not minimums:
        return {}
    today = timezone.localdate(now)
    # The words every student's line shares, translated once for the roster rather than once per student.
    # Each minimum's name looked up, not defaulted: get_kind_display() hashes every choice's label.
    names = {m.pk: str(SHORT_NAMES[m.kind]) if m.kind in SHORT_NAMES else str(m.get_kind_display()) for m in minimums}
    part_text, line_text, behind_text = _("%(what)s %(done)s of %(amount)s"), _("Clinicals: %(parts)s"), _("(behind)")
    notes = {}
    for enrollment in enrollments:
        signed = {item.key: item.done for item in readiness[enrollment.pk].items if item.key.startswith("clinical:")}
        items = [MinimumProgress(m, signed[f"clinical:{m.kind}"]) for m in minimums]
        behind = behind_on_clinicals(items, starts_on=cohort.starts_on, ends_on=cohort.ends_on, today=today)
        parts = [
            part_text
            % {
                "what": names[item.minimum.pk],
                "done": f"{item.done.normalize():f}",
                "amount": f"{item.minimum.amount.normalize():f}",
            }
            for item in items
        ]
        text = line_text % {"parts": " · ".join(parts)}
        if behind:
            text += " " + behind_text
        notes[enrollment.pk] = [RosterNote(text, at_risk=bool(behind))]
    return notes


SHORT_NAMES = {  # shown on the roster: gettext_lazy, translated when the page renders
    MinimumKind.ED_HOURS: gettext_lazy("ED h"),
    MinimumKind.AMBULANCE_HOURS: gettext_lazy("ambulance h"),
    MinimumKind.ANY_HOURS: gettext_lazy("clinical h"),
    MinimumKind.CONTACTS: gettext_lazy("contacts"),
    MinimumKind.TEAM_LEADS: gettext_lazy("team leads"),
}


# --- Readiness to complete the course (enrollment.readiness) ------------------------------------------------------


def readiness_items(enrollments: list[Enrollment]) -> dict[int, list[ReadinessItem]]:
    """The clinical part of completing a course: each minimum met with signed entries ("clinical:<kind>"), and the
    clearance documents ("clearance": each verified and valid on the day of the student's last signed shift, or today
    before any). Registered with enrollment.readiness; a fixed number of queries for any number of enrollments."""
    if not enrollments:
        return {}
    # readiness_of() hands over the enrollments with their cohorts and courses.
    course_of = {e.pk: e.cohort.course_id for e in enrollments}
    minimums = minimums_of({e.cohort.course_id: e.cohort.course for e in enrollments}.values())
    # Each minimum's name once, not per student (get_kind_display() translates and hashes every choice per call).
    names = {m.pk: str(m.get_kind_display()) for found in minimums.values() for m in found}
    signed: dict[int, list[Booking]] = {e.pk: [] for e in enrollments}
    for booking in (
        Booking.objects.filter(enrollment__in=list(signed), signed_at__isnull=False, attended=True)
        .select_related("shift__site")
        .prefetch_related("contacts")
    ):
        signed[booking.enrollment_id].append(booking)
    files = clearance_files(enrollments)
    today = timezone.localdate()
    # The words every student's items share, translated once for the list (a roster asks for forty students).
    signed_text = _("%(what)s: %(done)s of %(amount)s, signed by preceptors.")
    so_far_text = _("%(what)s: %(done)s of %(amount)s signed so far. Book and complete more clinical shifts.")
    cleared_text = _("Every clearance document is verified.")
    clearance_label = _("Clearance documents")
    result: dict[int, list[ReadinessItem]] = {}
    for enrollment in enrollments:
        items = []
        for minimum in minimums.get(course_of[enrollment.pk], []):
            done = _done(minimum.kind, signed[enrollment.pk])
            words = {
                "what": names[minimum.pk],
                "done": f"{done.normalize():f}",
                "amount": f"{minimum.amount.normalize():f}",
            }
            met = done >= minimum.amount
            sentence = (signed_text if met else so_far_text) % words
            items.append(
                ReadinessItem(f"clinical:{minimum.kind}", names[minimum.pk], met, sentence, done, minimum.amount)
            )
        on_file = files[enrollment.pk]
        if on_file.requirements:
            last = max((timezone.localdate(b.shift.starts_at) for b in signed[enrollment.pk]), default=today)
            clearance = on_file.on(last)
            sentence = cleared_text if clearance.cleared else " ".join(item.message for item in clearance.missing)
            items.append(ReadinessItem("clearance", clearance_label, clearance.cleared, sentence))
        result[enrollment.pk] = items
    return result
