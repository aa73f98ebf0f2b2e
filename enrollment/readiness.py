"""Readiness to complete a course: which of its requirements an enrollment has met and which not, with a sentence each.

One function answers it, `readiness_of(enrollments)` (and `readiness(enrollment)` for one), for every place that asks:
the student's status page, the instructor's roster ("ready" column), the staff's enrollment page and the `complete`
service, which refuses an enrollment that is not ready.

The items come from providers. The enrollment app provides the classroom hours; the apps built on it (clinical
minimums and clearance, skills and the affective evaluation) register theirs in their AppConfig.ready() with
`register_readiness`, so this module imports none of them. A provider takes a list of enrollments (all of one cohort,
or any mix), each with its cohort and course loaded, and returns their items by enrollment pk, in a fixed number of
queries whatever the list's length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from enrollment.models import Enrollment, Hours


@dataclass(frozen=True)
class ReadinessItem:
    """One requirement of completing the course: `key` is stable for code and tests ("hours", "skill:BVM",
    "clinical:ed_hours", "clearance", "affective"), `label` names it for people, `sentence` says where the student
    stands on it and, when not met, what is still to do. An item counted in numbers (a clinical minimum, a skill's
    passes) also gives them, `done` of `needed`, so the roster's lines are written from the same pass. `at_risk` marks
    an item whose state is a warning, not only unmet (an affective evaluation that asks for remediation), so the
    roster flags it from the same pass too."""

    key: str
    label: str
    met: bool
    sentence: str
    done: Decimal | int | None = None
    needed: Decimal | int | None = None
    at_risk: bool = False


@dataclass(frozen=True)
class Readiness:
    enrollment: Enrollment
    items: tuple[ReadinessItem, ...]

    @cached_property
    def ready(self) -> bool:
        return all(item.met for item in self.items)

    @cached_property
    def missing(self) -> tuple[ReadinessItem, ...]:
        return tuple(item for item in self.items if not item.met)


ReadinessProvider = Callable[[list[Enrollment]], dict[int, list[ReadinessItem]]]
READINESS_PROVIDERS: list[ReadinessProvider] = []


def register_readiness(provider: ReadinessProvider) -> None:
    """Add a provider of readiness items (called from an app's AppConfig.ready(); registering twice is harmless)."""
    if provider not in READINESS_PROVIDERS:
        READINESS_PROVIDERS.append(provider)


def readiness_of(enrollments: Iterable[Enrollment]) -> dict[int, Readiness]:
    """Each enrollment's readiness: the classroom hours first, then every registered provider's items."""
    enrollments = list(enrollments)
    # Every provider reads the enrollments' cohorts and courses: loaded here, once (no query when the caller has them).
    prefetch_related_objects(enrollments, "cohort__course")
    items: dict[int, list[ReadinessItem]] = {e.pk: [] for e in enrollments}
    for provider in [classroom_hours, *READINESS_PROVIDERS]:
        for pk, found in provider(enrollments).items():
            items[pk].extend(found)
    return {e.pk: Readiness(e, tuple(items[e.pk])) for e in enrollments}


def readiness(enrollment: Enrollment) -> Readiness:
    return readiness_of([enrollment])[enrollment.pk]


def classroom_hours(enrollments: list[Enrollment]) -> dict[int, list[ReadinessItem]]:
    """The classroom hours: met when the hours attended reach the course's attendance threshold (%) of its nominal
    hours (the course's required hours; late minutes count, absences and excused absences do not). Two queries."""
    if not enrollments:
        return {}
    attended = dict(
        Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).with_hours().values_list("pk", "attended_minutes")
    )
    # The words every student's item shares, translated once for the list (a roster asks for forty students).
    label = _("Classroom hours")
    met_text = _("%(done)s h attended of the %(needed)s h required.")
    short_text = _(
        "%(done)s h attended; %(needed)s h are required (%(hours)s h course). Make up the missing classes with your "
        "instructor."
    )
    result = {}
    for enrollment in enrollments:
        course = enrollment.cohort.course
        needed = int(course.nominal_hours * 60 * course.attendance_threshold / 100)
        done = attended.get(enrollment.pk) or 0
        words = {"done": Hours.text(done), "needed": Hours.text(needed), "hours": course.hours_display}
        sentence = (met_text if done >= needed else short_text) % words
        result[enrollment.pk] = [ReadinessItem("hours", label, done >= needed, sentence)]
    return result
