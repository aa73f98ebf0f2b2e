"""The instructor portal's skills pages: the lab day (one row per student, one column per skill of the day) and the
affective evaluation. Instructors see only the cohorts they teach, staff every cohort; any other is a 404
(`Cohort.objects.visible_to`, the portal's one rule). Views parse input, call skills/services.py and turn an
EnrollmentError into a form error; every successful POST redirects.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.models import Cohort
from courses.widgets import escaped, option_tags
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from skills import services
from skills.forms import AffectiveForm, CorrectionForm, LabDayForm
from skills.models import Attempt, Skill

# At most this many skills on one lab day: columns beyond it do not fit a tablet.
MAX_SKILLS = 6
# The lab day lists this many of the latest results of the skills shown, each with its way to a correction.
RECENT_RESULTS = 20


def _cohort_or_404(request: HttpRequest, pk: int) -> Cohort:
    return get_object_or_404(Cohort.objects.visible_to(request.user).select_related("course"), pk=pk)


def _seated(cohort: Cohort) -> list[Enrollment]:
    return list(
        cohort.enrollments.filter(status=services.SEATED)
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "pk")
    )


def _chosen(request: HttpRequest, skills: list[Skill]) -> list[Skill]:
    """The skills of the day from the query string (`?skill=3&skill=5`); anything else is ignored."""
    wanted = {value for value in request.GET.getlist("skill") if value.isascii() and value.isdigit()}
    return [skill for skill in skills if str(skill.pk) in wanted][:MAX_SKILLS]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lab_day(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    skills = list(Skill.objects.active().of_level(cohort.course.level))
    chosen = _chosen(request, skills)
    enrollments = _seated(cohort)
    form = LabDayForm(request.POST if request.method == "POST" else None, enrollments=enrollments, skills=chosen)
    if request.method == "POST" and chosen and form.is_valid():
        try:
            attempts = services.record_lab_day(cohort=cohort, entries=form.entries(), evaluator=request.user)
        except EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext("%(n)d result saved.", "%(n)d results saved.", len(attempts)) % {"n": len(attempts)},
            )
            return redirect(_lab_day_url(cohort, chosen))
    progress = services.progress_of(enrollments, skills) if chosen else {}
    options: dict[tuple[int, str], str] = {}
    rows = []
    for enrollment in enrollments:
        by_skill = {item.skill.pk: item for item in progress.get(enrollment.pk, [])}
        cells = [
            (
                by_skill[skill.pk],
                result,
                criterion,
                note,
                _criterion_options(options, skill, criterion),
                _result_buttons(result),
            )
            for skill, result, criterion, note in form.cells(enrollment)
        ]
        complete = sum(1 for item in by_skill.values() if item.met)
        rows.append((enrollment, cells, complete))
    recent = (
        Attempt.objects.filter(enrollment__cohort=cohort, skill__in=chosen)
        .select_related("enrollment__student", "skill", "evaluator", "correction")
        .order_by("-at", "-pk")[:RECENT_RESULTS]
        if chosen
        else []
    )
    context = {
        "cohort": cohort,
        "recent": recent,
        "skills": skills,
        "chosen": chosen,
        "chosen_ids": {skill.pk for skill in chosen},
        "max_skills": MAX_SKILLS,
        "form": form,
        "rows": rows,
        "action": _lab_day_url(cohort, chosen),
    }
    return render(request, "skills/lab_day.html", context, status=400 if form.errors else 200)


def _criterion_options(made: dict[tuple[int, str], str], skill: Skill, criterion: BoundField) -> str:
    """The <option>s of a cell's criterion list. Every student's list of one skill is the same but for the one
    chosen, so each (skill, choice) is rendered once per page rather than once per cell (40 students x 4 skills x
    every criterion was most of the page's time)."""
    chosen = str(criterion.value())
    key = (skill.pk, chosen)
    if key not in made:
        made[key] = option_tags(criterion.field.choices, chosen)
    return made[key]


# Each result's button colour by its value ("" is "not tested").
RESULT_BUTTON_CLASSES = {"pass": "btn-outline-success", "fail": "btn-outline-danger"}


def _result_buttons(result: BoundField) -> SafeString:
    """A cell's "–", pass and fail buttons (radio inputs styled as a button group), written here rather than by the
    template's loop over the field's radios: 160 cells of three radios each, every radio a widget and a dozen template
    lookups, were most of what was left of the page's time. The markup is the template's, which a test compares."""
    value = result.value()
    chosen = "" if value is None else str(value)
    name, label = escaped(result.html_name), escaped(result.label)
    buttons = []
    checked_one = False
    for index, (choice, text) in enumerate(result.field.choices):
        checked = not checked_one and str(choice) == chosen
        checked_one = checked_one or checked
        input_id = escaped(f"{result.auto_id}_{index}")
        text, value_text = escaped(text), escaped(choice)
        shown, spoken = (text, "") if choice else ('<span aria-hidden="true">–</span>', text)
        buttons.append(
            f'<input class="btn-check lab-result" type="radio" name="{name}" id="{input_id}" value="{value_text}" '
            f'data-fail-details="details-{name}"{" checked" if checked else ""}>'
            f'<label class="btn {RESULT_BUTTON_CLASSES.get(choice, "btn-outline-secondary")}" for="{input_id}">{shown}'
            f'<span class="visually-hidden">{spoken} ({label})</span></label>'
        )
    return mark_safe("".join(buttons))  # every value above is escaped


def _lab_day_url(cohort: Cohort, skills: list[Skill]) -> str:
    query = urlencode([("skill", skill.pk) for skill in skills])
    return reverse("skills:lab_day", kwargs={"pk": cohort.pk}) + (f"?{query}" if query else "")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def affective(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_or_404(request, pk)
    enrollments = _seated(cohort)
    posted = AffectiveForm(request.POST) if request.method == "POST" else None
    if posted is not None and posted.is_valid():
        chosen = next((e for e in enrollments if e.pk == posted.cleaned_data["enrollment"]), None)
        if chosen is None:
            posted.add_error(None, _("That student is not seated in this cohort."))
        else:
            try:
                services.record_affective(
                    enrollment=chosen,
                    rating=posted.cleaned_data["rating"],
                    note=posted.cleaned_data["note"],
                    evaluator=request.user,
                )
            except EnrollmentError as error:
                posted.add_error(None, error.message)
            else:
                messages.success(request, _("Evaluation saved for %(name)s.") % {"name": chosen.student.full_name})
                return redirect("skills:affective", pk=cohort.pk)
    latest = services.latest_evaluations(enrollments)
    failed_pk = posted.data.get("enrollment") if posted is not None else None
    rows = []
    for enrollment in enrollments:
        if posted is not None and failed_pk == str(enrollment.pk):
            form = posted
        else:
            form = AffectiveForm(initial={"enrollment": enrollment.pk}, auto_id=f"id_{enrollment.pk}_%s")
        if form is posted:
            form.auto_id = f"id_{enrollment.pk}_%s"
        rows.append((enrollment, latest.get(enrollment.pk), form))
    context = {"cohort": cohort, "rows": rows, "posted": posted}
    return render(request, "skills/affective.html", context, status=400 if posted is not None else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def correct_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded attempt with a new one (the recorded one is never changed, and no longer counts)."""
    visible = Cohort.objects.visible_to(request.user).values("pk")
    attempt = get_object_or_404(
        Attempt.objects.filter(enrollment__cohort__in=visible).select_related(
            "enrollment__student", "enrollment__cohort__course", "skill", "evaluator"
        ),
        pk=pk,
    )
    cohort = attempt.enrollment.cohort
    form = CorrectionForm(request.POST or None, attempt=attempt)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attempt(
                enrollment=attempt.enrollment,
                skill=attempt.skill,
                result=form.cleaned_data["result"],
                failed_criteria=form.failed_criteria(),
                note=form.cleaned_data["note"],
                corrects=attempt,
                evaluator=request.user,
            )
        except EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Correction saved for %(name)s, %(skill)s.")
                % {"name": attempt.enrollment.student.full_name, "skill": attempt.skill.short_name},
            )
            return redirect(_lab_day_url(cohort, [attempt.skill]))
    context = {"attempt": attempt, "cohort": cohort, "form": form, "back": _lab_day_url(cohort, [attempt.skill])}
    return render(request, "skills/correct.html", context, status=400 if form.errors else 200)
