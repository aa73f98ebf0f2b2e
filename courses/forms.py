"""The back office's schedule generator form: it parses what staff type; the rules are courses.schedule's."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort, SessionKind
from courses.schedule import ScheduleError, SchedulePlan, ScheduleRequest, plan_schedule

WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]

# Days off as people type them: 2027-11-25, 11/25/2027, separated by commas, semicolons, spaces or new lines.
_SEPARATORS = re.compile(r"[\s,;]+")
_DAY_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
MAX_HOLIDAYS = 200


def parse_days(text: str) -> list[datetime.date]:
    days = []
    for word in _SEPARATORS.split(text.strip()):
        if not word:
            continue
        for pattern in _DAY_FORMATS:
            try:
                days.append(datetime.datetime.strptime(word, pattern).date())  # noqa: DTZ007 (a calendar day)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(
                _("%(word)s is not a date: write days off as 2027-11-25 or 11/25/2027, separated by commas."),
                code="invalid_day",
                params={"word": word[:40]},
            )
    if len(days) > MAX_HOLIDAYS:
        raise ValidationError(_("List at most %(max)d days off."), code="too_many_days", params={"max": MAX_HOLIDAYS})
    return sorted(set(days))


class CalendarSeriesForm(forms.Form):
    """What staff type to walk the calendar (courses.schedule.chosen_days): days of the week, wall-clock times in
    Chicago, a range of days and the days left out. Class sessions (ScheduleForm) and clinical shift series share it."""

    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one day of the week.")},
    )
    starts_at = forms.TimeField(
        label=gettext_lazy("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Chicago time, e.g. 18:00."),
    )
    ends_at = forms.TimeField(
        label=gettext_lazy("Ends at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Chicago time, e.g. 22:00."),
    )
    first_day = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    holidays = forms.CharField(
        label=gettext_lazy("Days off"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=gettext_lazy("Dates with no class, e.g. 2027-03-16, 2027-03-18 (spring break)."),
    )
    skip_federal_holidays = forms.BooleanField(
        label=gettext_lazy("Skip US federal holidays"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Thanksgiving, Labor Day and the rest, on the day they are observed."),
    )

    def clean_holidays(self) -> list[datetime.date]:
        return parse_days(self.cleaned_data.get("holidays", ""))


class ScheduleForm(CalendarSeriesForm):
    skip_clashes = forms.BooleanField(
        label=gettext_lazy("Leave out days that clash with this cohort's sessions"),
        required=False,
        initial=False,
    )
    topic_pattern = forms.CharField(
        label=gettext_lazy("Topic"),
        max_length=200,
        initial="Session {n}",
        help_text=gettext_lazy("{n} is the session's number, {date} its date, {weekday} its day."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SessionKind.choices, initial=SessionKind.LECTURE)
    location = forms.CharField(
        label=gettext_lazy("Location"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Leave empty to use the cohort's location."),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.plan: SchedulePlan | None = None
        self.schedule_request: ScheduleRequest | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        self.schedule_request = ScheduleRequest(
            weekdays=frozenset(data["weekdays"]),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            topic_pattern=data["topic_pattern"],
            kind=data["kind"],
            location=data["location"],
            holidays=frozenset(data["holidays"]),
            skip_federal_holidays=data["skip_federal_holidays"],
            skip_clashes=data["skip_clashes"],
        )
        try:
            self.plan = plan_schedule(cohort=self.cohort, request=self.schedule_request)
        except ScheduleError as error:
            self.add_error(error.field, ValidationError(error.message, code=error.code))
        return data
