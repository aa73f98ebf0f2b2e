"""The demo school's skills lab days and affective evaluations, recorded through the skills services as the running
cohort's instructor would: a lab day a week since the course began, most students passing most sheets, a few fails
with the critical criterion failed, and one student needing remediation, so the portal's lab day, the roster's flag
and the readiness checklist all have something to show."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from courses.models import Cohort
from enrollment.models import Enrollment, EnrollmentStatus
from skills import services as skills
from skills.models import AffectiveEvaluation, AffectiveRating, Attempt, Skill

# A lab day covers this many sheets; a student passes an attempt with this chance.
SHEETS_PER_LAB_DAY = 3
PASS_RATE = 0.8


def build(cohort: Cohort, *, instructor: AbstractUser, rng: random.Random, today: datetime.date) -> None:
    seated = list(cohort.enrollments.filter(status=EnrollmentStatus.ENROLLED).select_related("student"))
    sheets = list(Skill.objects.active().of_level(cohort.course.level))
    if not seated or not sheets:
        return
    day = cohort.starts_on + datetime.timedelta(days=7)
    index = 0
    while day < today:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(19, 30)))
        chosen = [sheets[(index + k) % len(sheets)] for k in range(SHEETS_PER_LAB_DAY)]
        entries = [_entry(enrollment, sheet, rng) for enrollment in seated for sheet in chosen]
        skills.record_lab_day(cohort=cohort, entries=entries, evaluator=instructor, now=moment)
        index += SHEETS_PER_LAB_DAY
        day += datetime.timedelta(days=7)
    evaluated_at = timezone.now() - datetime.timedelta(days=2)
    for n, enrollment in enumerate(seated):
        if n == 1:
            rating, note = AffectiveRating.NEEDS_REMEDIATION, "Late to two labs; talked through time management."
        else:
            rating, note = AffectiveRating.MEETS, ""
        skills.record_affective(enrollment=enrollment, rating=rating, note=note, evaluator=instructor, now=evaluated_at)


def pass_every_sheet(
    cohort: Cohort, enrollments: list[Enrollment], *, instructor: AbstractUser, on: datetime.date
) -> None:
    """A finished cohort's lab days, as they ended: every sheet of the level passed as often as it asks, and the
    affective evaluation met, for `enrollments` (recorded on the cohort's last day)."""
    sheets = list(Skill.objects.active().of_level(cohort.course.level))
    if not enrollments or not sheets:
        return
    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(17)))
    for round_ in range(max(sheet.attempts_required for sheet in sheets)):
        entries = [
            skills.AttemptEntry(enrollment, sheet, "pass")
            for enrollment in enrollments
            for sheet in sheets
            if round_ < sheet.attempts_required
        ]
        skills.record_lab_day(cohort=cohort, entries=entries, evaluator=instructor, now=moment)
    for enrollment in enrollments:
        skills.record_affective(
            enrollment=enrollment, rating=AffectiveRating.MEETS, note="", evaluator=instructor, now=moment
        )


def _entry(enrollment: Enrollment, sheet: Skill, rng: random.Random) -> skills.AttemptEntry:
    if rng.random() < PASS_RATE:
        return skills.AttemptEntry(enrollment, sheet, "pass")
    return skills.AttemptEntry(enrollment, sheet, "fail", (rng.choice(sheet.criteria),))


def delete(enrollments) -> None:
    """The demo reset: attempts and evaluations are append-only and their querysets refuse delete(); only this reset
    removes them, with a raw DELETE of the demo enrollments' rows, in the reset's transaction."""
    AffectiveEvaluation.objects.filter(enrollment__in=enrollments.values("pk"))._raw_delete(
        AffectiveEvaluation.objects.db
    )
    Attempt.objects.filter(enrollment__in=enrollments.values("pk"))._raw_delete(Attempt.objects.db)
