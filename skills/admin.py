"""The back office for skills: the sheets (staff extend them; a sheet with attempts is retired, not deleted), and the
attempts and affective evaluations, read-only (instructors record them in the portal; both are append-only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from courses.admin_input import InputCheckingAdmin
from courses.pagination import LargeTablePaginator
from skills.models import AffectiveEvaluation, Attempt, Skill


@admin.register(Skill)
class SkillAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "attempts_required", "criteria_count", "is_active", "position"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "code"]

    @admin.display(description=_("critical criteria"))
    def criteria_count(self, skill: Skill) -> int:
        return len(skill.criteria)

    def has_delete_permission(self, request: HttpRequest, obj: Skill | None = None) -> bool:
        # A sheet with attempts is history (PROTECT); untick "required of students" instead.
        if obj is not None and obj.attempts.exists():
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """Append-only history: nothing to add, change or delete here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    # A big table (a million attempts at scale): the planner's estimate instead of two COUNT(*)s, and no date
    # hierarchy, whose year links read every row (courses/pagination.py).
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["at", "student", "cohort", "skill", "result", "evaluator", "corrects"]
    list_filter = ["result", "skill__level", "skill"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "skill", "evaluator", "corrects"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "skill__name", "skill__code"]

    @admin.display(description=_("student"), ordering="enrollment__student__last_name")
    def student(self, attempt: Attempt) -> str:
        return str(attempt.enrollment.student)

    @admin.display(description=_("cohort"))
    def cohort(self, attempt: Attempt) -> str:
        return attempt.enrollment.cohort.code


@admin.register(AffectiveEvaluation)
class AffectiveEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["at", "student", "cohort", "rating", "evaluator", "note"]
    list_filter = ["rating"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "evaluator"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email"]
    date_hierarchy = "at"

    @admin.display(description=_("student"), ordering="enrollment__student__last_name")
    def student(self, evaluation: AffectiveEvaluation) -> str:
        return str(evaluation.enrollment.student)

    @admin.display(description=_("cohort"))
    def cohort(self, evaluation: AffectiveEvaluation) -> str:
        return evaluation.enrollment.cohort.code
