"""Psychomotor skills and the affective (professional behaviour) evaluation.

A `Skill` is one sheet of a course level (NREMT-style: "BVM Ventilation of an Apneic Adult Patient" with its critical
criteria), as data staff extend in the admin. An `Attempt` is one evaluated try of a student at a skill, and an
`AffectiveEvaluation` one instructor's judgement of a student's professional behaviour. Both are append-only, like the
audit trail: a mistake is corrected by a new row (an attempt may name the one it corrects), never by an edit. They are
written only by skills/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Level
from enrollment.models import Enrollment


class SkillQuerySet(models.QuerySet):
    def active(self) -> SkillQuerySet:
        return self.filter(is_active=True)

    def of_level(self, level: str) -> SkillQuerySet:
        return self.filter(level=level)


class Skill(models.Model):
    level = models.CharField(_("course level"), max_length=16, choices=Level.choices)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(
        _("short name"),
        max_length=40,
        help_text=_("Shown on the lab day and in checklists, e.g. “BVM ventilation”."),
    )
    code = models.SlugField(_("code"), max_length=32, unique=True, help_text=_("Stable identifier, e.g. EMT-BVM."))
    attempts_required = models.PositiveSmallIntegerField(
        _("successful attempts required"), default=1, validators=[MinValueValidator(1)]
    )
    critical_criteria = models.TextField(
        _("critical criteria"), help_text=_("One per line: any one of them failed fails the attempt.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("required of students"), default=True)

    objects = SkillQuerySet.as_manager()

    class Meta:
        ordering = ["level", "position", "name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.CheckConstraint(condition=Q(attempts_required__gte=1), name="skill_attempts_required_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"

    @property
    def criteria(self) -> list[str]:
        return [line.strip() for line in self.critical_criteria.splitlines() if line.strip()]


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that are history: a queryset can neither update nor delete them (as enrollment's AuditEvent)."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only; they cannot be updated.")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only; they cannot be deleted.")


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name_plural} are append-only; correct one with a new row.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name_plural} are append-only; they cannot be deleted.")


class AttemptResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class AttemptQuerySet(AppendOnlyQuerySet):
    def counted(self) -> AttemptQuerySet:
        """Attempts that stand: those no later attempt corrects."""
        return self.filter(correction__isnull=True)


class Attempt(AppendOnly):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="skill_attempts")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="attempts")
    result = models.CharField(_("result"), max_length=8, choices=AttemptResult.choices)
    failed_criteria = models.JSONField(_("critical criteria failed"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
        verbose_name=_("corrects"),
        help_text=_("The earlier attempt this one replaces; the earlier one no longer counts."),
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("skill attempt")
        verbose_name_plural = _("skill attempts")
        indexes = [
            models.Index(fields=["enrollment", "skill"], name="attempt_enrollment_skill_idx"),
            # The admin's list, in the model's order: without it a million attempts are sorted for each page.
            models.Index(fields=["at", "id"], name="attempt_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.student} · {self.skill.short_name} · {self.get_result_display()}"


class AffectiveRating(models.TextChoices):
    MEETS = "meets", _("Meets expectations")
    NEEDS_REMEDIATION = "remediation", _("Needs remediation")


class AffectiveEvaluation(AppendOnly):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="affective_evaluations")
    rating = models.CharField(_("rating"), max_length=16, choices=AffectiveRating.choices)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("affective evaluation")
        verbose_name_plural = _("affective evaluations")

    def __str__(self) -> str:
        return f"{self.enrollment.student} · {self.get_rating_display()}"
