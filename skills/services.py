"""Skills competency: the only path to a skill attempt or an affective evaluation, and what they mean for readiness
and the instructor's roster.

Built on the enrollment app's services: its one domain error (`EnrollmentError`, codes listed once in
`enrollment/services/core.py`) and its audit row, written in the same transaction as the attempt. Attempts and
evaluations are append-only; a correction is a new attempt naming the one it corrects, which then no longer counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.models import Cohort
from enrollment.models import Enrollment, EnrollmentStatus
from enrollment.portal import RosterLink, RosterNote
from enrollment.readiness import Readiness, ReadinessItem
from enrollment.services import EnrollmentError, audit
from enrollment.services.core import lock_cohort
from skills.models import AffectiveEvaluation, AffectiveRating, Attempt, AttemptResult, Skill

# Enrollments that may be evaluated: seated in the cohort (not yet completed or withdrawn).
SEATED = EnrollmentStatus.ENROLLED


@dataclass(frozen=True)
class AttemptEntry:
    """One result of a lab day: a student, a skill, pass or fail, and for a fail the criteria failed or a note."""

    enrollment: Enrollment
    skill: Skill
    result: str
    failed_criteria: tuple[str, ...] = ()
    note: str = ""
    corrects: Attempt | None = None


def teaches(evaluator: AbstractBaseUser, cohort: Cohort) -> bool:
    """Staff evaluate in every cohort; an instructor only in the cohorts they teach."""
    if not evaluator.is_authenticated:
        return False
    return evaluator.is_staff or cohort.instructors.filter(pk=evaluator.pk).exists()


def _refuse_evaluator(evaluator: AbstractBaseUser, cohort: Cohort) -> None:
    if not teaches(evaluator, cohort):
        raise EnrollmentError(
            _("Only the instructors of %(cohort)s (or staff) evaluate its students.") % {"cohort": cohort.code},
            code="not_your_cohort",
        )


def _refuse_entry(entry: AttemptEntry, *, cohort: Cohort, seated: dict[int, Enrollment]) -> None:
    """Every rule an attempt must meet, one place for record_attempt and record_lab_day."""
    enrollment, skill = entry.enrollment, entry.skill
    if enrollment.pk not in seated:
        raise EnrollmentError(
            _("%(student)s is not seated in %(cohort)s.") % {"student": enrollment.student, "cohort": cohort.code},
            code="not_seated_for_skills",
        )
    if skill.level != cohort.course.level:
        raise EnrollmentError(
            _("%(skill)s is a %(level)s skill; %(cohort)s is a %(course)s course.")
            % {"skill": skill.name, "level": skill.level, "cohort": cohort.code, "course": cohort.course.level},
            code="wrong_level",
        )
    if not skill.is_active and entry.corrects is None:
        raise EnrollmentError(_("%(skill)s is no longer required.") % {"skill": skill.name}, code="skill_inactive")
    if entry.result not in AttemptResult.values:
        raise EnrollmentError(_("Choose pass or fail."), code="invalid_result")
    unknown = [c for c in entry.failed_criteria if c not in skill.criteria]
    if unknown:
        raise EnrollmentError(
            _("“%(criterion)s” is not a critical criterion of %(skill)s.")
            % {"criterion": unknown[0], "skill": skill.name},
            code="unknown_criterion",
        )
    if entry.result == AttemptResult.PASS and entry.failed_criteria:
        raise EnrollmentError(
            _("A pass fails no critical criterion; choose fail, or clear the criteria."), code="criteria_on_pass"
        )
    if entry.result == AttemptResult.FAIL and not entry.failed_criteria and not entry.note.strip():
        raise EnrollmentError(
            _("%(student)s failed %(skill)s: choose the critical criterion failed, or say why in a note.")
            % {"student": enrollment.student, "skill": skill.short_name},
            code="fail_needs_reason",
        )
    corrected = entry.corrects
    if corrected is not None and (
        corrected.enrollment_id != enrollment.pk
        or corrected.skill_id != skill.pk
        or Attempt.objects.filter(corrects=corrected).exists()
    ):
        raise EnrollmentError(
            _("An attempt is corrected once, by an attempt of the same student at the same skill."),
            code="bad_correction",
        )


def _seated(cohort: Cohort) -> dict[int, Enrollment]:
    return {e.pk: e for e in cohort.enrollments.filter(status=SEATED).select_related("student")}


@transaction.atomic
def record_lab_day(
    *,
    cohort: Cohort,
    entries: Iterable[AttemptEntry],
    evaluator: AbstractBaseUser,
    now: datetime.datetime | None = None,
) -> list[Attempt]:
    """Record a lab day's attempts in one cohort, all or none, each with its audit row."""
    entries = list(entries)
    cohort = lock_cohort(cohort.pk)
    _refuse_evaluator(evaluator, cohort)
    if not entries:
        raise EnrollmentError(_("Enter at least one pass or fail."), code="nothing_to_record")
    seen: set[tuple[int, int]] = set()
    seated = _seated(cohort)
    for entry in entries:
        key = (entry.enrollment.pk, entry.skill.pk)
        if key in seen:
            raise EnrollmentError(
                _("%(student)s is listed twice for %(skill)s.")
                % {"student": entry.enrollment.student, "skill": entry.skill.short_name},
                code="duplicate_entry",
            )
        seen.add(key)
        _refuse_entry(entry, cohort=cohort, seated=seated)
    now = now or timezone.now()
    attempts = []
    for entry in entries:
        attempt = Attempt.objects.create(
            enrollment=seated[entry.enrollment.pk],
            skill=entry.skill,
            result=entry.result,
            failed_criteria=list(entry.failed_criteria),
            note=entry.note.strip(),
            evaluator=evaluator,
            at=now,
            corrects=entry.corrects,
        )
        audit(
            action="skills.attempt_recorded",
            enrollment=attempt.enrollment,
            actor=evaluator,
            reason=attempt.note,
            data={
                "attempt": attempt.pk,
                "skill": entry.skill.code,
                "result": entry.result,
                "failed_criteria": list(entry.failed_criteria),
                "corrects": entry.corrects.pk if entry.corrects else None,
            },
        )
        attempts.append(attempt)
    return attempts


def record_attempt(
    *,
    enrollment: Enrollment,
    skill: Skill,
    result: str,
    evaluator: AbstractBaseUser,
    failed_criteria: Iterable[str] = (),
    note: str = "",
    corrects: Attempt | None = None,
    now: datetime.datetime | None = None,
) -> Attempt:
    """Record one attempt (a lab day of one result)."""
    entry = AttemptEntry(enrollment, skill, result, tuple(failed_criteria), note, corrects)
    return record_lab_day(cohort=enrollment.cohort, entries=[entry], evaluator=evaluator, now=now)[0]


@transaction.atomic
def record_affective(
    *,
    enrollment: Enrollment,
    rating: str,
    note: str,
    evaluator: AbstractBaseUser,
    now: datetime.datetime | None = None,
) -> AffectiveEvaluation:
    """Record an affective evaluation; the latest one counts. Needs remediation says what to work on."""
    cohort = lock_cohort(enrollment.cohort_id)
    _refuse_evaluator(evaluator, cohort)
    if enrollment.pk not in _seated(cohort):
        raise EnrollmentError(
            _("%(student)s is not seated in %(cohort)s.") % {"student": enrollment.student, "cohort": cohort.code},
            code="not_seated_for_skills",
        )
    if rating not in AffectiveRating.values:
        raise EnrollmentError(_("Choose meets expectations or needs remediation."), code="invalid_result")
    if rating == AffectiveRating.NEEDS_REMEDIATION and not note.strip():
        raise EnrollmentError(
            _("Say in the note what %(student)s needs to work on.") % {"student": enrollment.student},
            code="note_required",
        )
    evaluation = AffectiveEvaluation.objects.create(
        enrollment=enrollment, rating=rating, note=note.strip(), evaluator=evaluator, at=now or timezone.now()
    )
    audit(
        action="skills.affective_recorded",
        enrollment=enrollment,
        actor=evaluator,
        reason=evaluation.note,
        data={"evaluation": evaluation.pk, "rating": rating},
    )
    return evaluation


# --- progress, readiness and the roster -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillProgress:
    skill: Skill
    passed: int

    @property
    def met(self) -> bool:
        return self.passed >= self.skill.attempts_required

    @property
    def sentence(self) -> str:
        return self.sentence_in(_(PASSED_SENTENCE))

    def sentence_in(self, text: str) -> str:
        """The sentence in `text`, PASSED_SENTENCE already translated (a list translates it once for every row)."""
        return text % {"skill": self.skill.short_name, "passed": self.passed, "required": self.skill.attempts_required}


PASSED_SENTENCE = gettext_noop("%(skill)s: %(passed)s of %(required)s passed")


def passes_of(enrollment_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Counted passes by (enrollment pk, skill pk): one query."""
    rows = (
        Attempt.objects.counted()
        .filter(enrollment__in=list(enrollment_ids), result=AttemptResult.PASS)
        .values_list("enrollment_id", "skill_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(e, s): n for e, s, n in rows}


def progress_of(enrollments: list[Enrollment], skills: list[Skill]) -> dict[int, list[SkillProgress]]:
    """Each enrollment's progress on `skills` (all of one level), in one query."""
    passes = passes_of(e.pk for e in enrollments)
    return {e.pk: [SkillProgress(s, passes.get((e.pk, s.pk), 0)) for s in skills] for e in enrollments}


def latest_evaluations(enrollments: list[Enrollment], *, with_evaluator: bool = True) -> dict[int, AffectiveEvaluation]:
    """Each enrollment's latest affective evaluation (the one that counts), in one query; with who evaluated it for
    the instructors' page, without for the readiness checklist (the student's page reads no staff account)."""
    latest = {}
    evaluations = AffectiveEvaluation.objects.filter(enrollment__in=[e.pk for e in enrollments])
    if with_evaluator:
        evaluations = evaluations.select_related("evaluator")
    for evaluation in evaluations.order_by("at", "pk"):
        latest[evaluation.enrollment_id] = evaluation
    return latest


def readiness_items(enrollments: list[Enrollment]) -> dict[int, list[ReadinessItem]]:
    """One item per active skill of the course's level ("skill:<code>") and "affective", for a course whose level has
    skills (a level without any asks for neither); four queries for any number of enrollments. Registered with
    enrollment.readiness in SkillsConfig.ready()."""
    if not enrollments:
        return {}
    # readiness_of() hands over the enrollments with their cohorts and courses.
    levels = {e.cohort_id: e.cohort.course.level for e in enrollments}
    skills: dict[str, list[Skill]] = {}
    for skill in Skill.objects.active().filter(level__in=set(levels.values())):
        skills.setdefault(skill.level, []).append(skill)
    passes = passes_of(e.pk for e in enrollments)
    latest = latest_evaluations(enrollments, with_evaluator=False)
    # The words every student's items share, translated once for the list (a roster asks for forty students).
    passed_text = _(PASSED_SENTENCE)
    affective_label = _("Affective evaluation")
    not_evaluated_text = _("Affective evaluation: not yet evaluated.")
    meets_text = _("Affective evaluation: meets expectations.")
    result = {}
    for enrollment in enrollments:
        if not skills.get(levels[enrollment.cohort_id]):
            continue
        items = []
        for skill in skills[levels[enrollment.cohort_id]]:
            done = SkillProgress(skill, passes.get((enrollment.pk, skill.pk), 0))
            sentence = f"{done.sentence_in(passed_text)}."
            items.append(
                ReadinessItem(
                    f"skill:{skill.code}", skill.short_name, done.met, sentence, done.passed, skill.attempts_required
                )
            )
        evaluation = latest.get(enrollment.pk)
        remediation = evaluation is not None and evaluation.rating == AffectiveRating.NEEDS_REMEDIATION
        if evaluation is None:
            sentence, met = not_evaluated_text, False
        elif evaluation.rating == AffectiveRating.MEETS:
            sentence, met = meets_text, True
        else:
            sentence, met = _("Affective evaluation: needs remediation (%(note)s).") % {"note": evaluation.note}, False
        items.append(ReadinessItem("affective", affective_label, met, sentence, at_risk=remediation))
        result[enrollment.pk] = items
    return result


def roster_notes(
    cohort: Cohort, enrollments: list[Enrollment], now: datetime.datetime, readiness: dict[int, Readiness]
) -> dict[int, list[RosterNote]]:
    """The roster's skills line ("Skills: 4 of 11 complete") and a student needing remediation flagged at risk, both
    written from the roster's readiness pass (its "skill:<code>" items and its "affective" item): no query.
    Registered with the portal in SkillsConfig.ready()."""
    # The words every student's line shares, translated once for the roster rather than once per student.
    skills_text, remediation_text = _("Skills: %(done)s of %(total)s complete"), _("Affective: needs remediation")
    notes: dict[int, list[RosterNote]] = {}
    for enrollment in enrollments:
        lines = []
        skills = [item for item in readiness[enrollment.pk].items if item.key.startswith("skill:")]
        if skills:
            done = sum(1 for item in skills if item.met)
            lines.append(RosterNote(skills_text % {"done": done, "total": len(skills)}))
        if any(item.at_risk for item in readiness[enrollment.pk].items if item.key == "affective"):
            lines.append(RosterNote(remediation_text, at_risk=True))
        if lines:
            notes[enrollment.pk] = lines
    return notes


def roster_links(cohort: Cohort) -> list[RosterLink]:
    """The roster's ways to the lab day and the affective evaluation (no query)."""
    return [
        RosterLink(_("Skills lab day"), reverse("skills:lab_day", kwargs={"pk": cohort.pk})),
        RosterLink(_("Affective evaluation"), reverse("skills:affective", kwargs={"pk": cohort.pk})),
    ]
