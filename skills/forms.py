"""The lab-day sheet and the affective evaluation: input checks only; the rules live in skills/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import Enrollment
from skills.models import AffectiveRating, Attempt, AttemptResult, Skill
from skills.services import AttemptEntry


class LabDayForm(forms.Form):
    """Per student and chosen skill: pass, fail or nothing; for a fail, the critical criterion failed and a note."""

    def __init__(self, *args, enrollments: list[Enrollment], skills: list[Skill], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enrollments = enrollments
        self.skills = skills
        for enrollment in enrollments:
            name = enrollment.student.full_name
            for skill in skills:
                key = f"{enrollment.pk}_{skill.pk}"
                words = {"name": name, "skill": skill.short_name}
                self.fields[f"result_{key}"] = forms.ChoiceField(
                    label=_("%(skill)s, %(name)s") % words,
                    choices=[("", _("Not tested")), *AttemptResult.choices],
                    required=False,
                    widget=forms.RadioSelect,
                )
                self.fields[f"criterion_{key}"] = forms.TypedChoiceField(
                    label=_("Critical criterion failed (%(skill)s, %(name)s)") % words,
                    choices=[("", _("Choose the criterion failed")), *enumerate(skill.criteria)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
                self.fields[f"note_{key}"] = forms.CharField(
                    label=_("Note (%(skill)s, %(name)s)") % words, max_length=500, required=False
                )

    def cells(self, enrollment: Enrollment):
        for skill in self.skills:
            key = f"{enrollment.pk}_{skill.pk}"
            yield skill, self[f"result_{key}"], self[f"criterion_{key}"], self[f"note_{key}"]

    def entries(self) -> list[AttemptEntry]:
        entries = []
        for enrollment in self.enrollments:
            for skill in self.skills:
                key = f"{enrollment.pk}_{skill.pk}"
                result = self.cleaned_data[f"result_{key}"]
                if not result:
                    continue
                criterion = self.cleaned_data[f"criterion_{key}"]
                failed = (skill.criteria[criterion],) if result == AttemptResult.FAIL and criterion is not None else ()
                entries.append(AttemptEntry(enrollment, skill, result, failed, self.cleaned_data[f"note_{key}"] or ""))
        return entries


class AffectiveForm(forms.Form):
    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.ChoiceField(
        label=gettext_lazy("Professional behaviour"), choices=AffectiveRating.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required for needs remediation: what the student is to work on."),
    )


class CorrectionForm(forms.Form):
    """A new attempt replacing a recorded one: its result, the criterion failed for a fail, and why."""

    result = forms.ChoiceField(
        label=gettext_lazy("Correct result"), choices=AttemptResult.choices, widget=forms.RadioSelect
    )
    criterion = forms.TypedChoiceField(
        label=gettext_lazy("Critical criterion failed"), coerce=int, empty_value=None, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Why the correction"),
        max_length=500,
        help_text=gettext_lazy("For example: “entered on the wrong student”."),
    )

    def __init__(self, *args, attempt: Attempt, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attempt = attempt
        self.fields["criterion"].choices = [("", _("None")), *enumerate(attempt.skill.criteria)]

    def failed_criteria(self) -> tuple[str, ...]:
        criterion = self.cleaned_data["criterion"]
        if self.cleaned_data["result"] != AttemptResult.FAIL or criterion is None:
            return ()
        return (self.attempt.skill.criteria[criterion],)
