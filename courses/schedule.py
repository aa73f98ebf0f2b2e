"""The schedule generator: "Tue and Thu, 6-10 pm, from date to date, skipping holidays" made into a cohort's class
sessions.

`plan_schedule` works out the sessions a request would make (the preview staff look at); `generate_schedule` makes
exactly those, in one transaction, and refuses if the plan changed since the preview. Times are wall-clock times in
the school's zone (America/Chicago): a 6 pm class stays at 6 pm across the November and March clock changes, so its
UTC time moves by an hour.

Its refusals are ScheduleError(message, code=...), the codes listed once in SCHEDULE_ERROR_CODES: the catalogue may not
import the enrollment app, where EnrollmentError lives (README, "Architecture").
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.models import ClassSession, Cohort, SessionKind

# More than a Paramedic course's three sessions a week for two years is a typing mistake, not a schedule.
MAX_SESSIONS = 400

# Every code a ScheduleError may carry, with what it means (code for programs and tests, message for people).
SCHEDULE_ERROR_CODES: dict[str, str] = {
    "no_weekday": "No day of the week was chosen.",
    "ends_before_start": "The class ends at or before the time it starts.",
    "dates_out_of_order": "The last day is before the first day.",
    "too_many_sessions": "The request would make more sessions than MAX_SESSIONS.",
    "no_sessions": "Every day in the range is skipped or not a chosen weekday: nothing to make.",
    "bad_topic_pattern": "The topic pattern has a placeholder other than {n}, {date} or {weekday}.",
    "time_not_on_clock": "The start or end time does not exist (or exists twice) on a day the clocks change.",
    "plan_changed": "The sessions to be made differ from the preview staff saw (someone changed the schedule).",
}


class ScheduleError(Exception):
    """The generator refused a request. `code` (one of SCHEDULE_ERROR_CODES) is for programs and tests, `field` the
    form field at fault (or None), `message` a sentence for people that says what to change."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        if code not in SCHEDULE_ERROR_CODES:
            raise ValueError(f"Unknown ScheduleError code {code!r}: add it to SCHEDULE_ERROR_CODES.")
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> datetime.date:
    """The n-th `weekday` (Monday 0) of a month; n = -1 is the last."""
    if n > 0:
        first = datetime.date(year, month, 1)
        return first + datetime.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last = following - datetime.timedelta(days=1)
    return last - datetime.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: datetime.date) -> datetime.date:
    """The weekday federal offices close for a fixed-date holiday: Friday for a Saturday, Monday for a Sunday."""
    if day.weekday() == 5:
        return day - datetime.timedelta(days=1)
    if day.weekday() == 6:
        return day + datetime.timedelta(days=1)
    return day


def federal_holidays(year: int) -> dict[datetime.date, str]:
    """The eleven US federal holidays of `year` (5 U.S.C. 6103), each on its own day and, for the fixed-date ones, on
    the weekday it is observed when it falls on a weekend (which may be in the year before: 1 January on a Saturday
    is observed on 31 December)."""
    fixed = {
        datetime.date(year, 1, 1): _("New Year's Day"),
        datetime.date(year, 6, 19): _("Juneteenth National Independence Day"),
        datetime.date(year, 7, 4): _("Independence Day"),
        datetime.date(year, 11, 11): _("Veterans Day"),
        datetime.date(year, 12, 25): _("Christmas Day"),
    }
    days: dict[datetime.date, str] = {}
    for day, name in fixed.items():
        days[day] = name
        observed = _observed(day)
        if observed != day:
            days[observed] = _("%(holiday)s (observed)") % {"holiday": name}
    days.update(
        {
            _nth_weekday(year, 1, 0, 3): _("Birthday of Martin Luther King, Jr."),
            _nth_weekday(year, 2, 0, 3): _("Washington's Birthday"),
            _nth_weekday(year, 5, 0, -1): _("Memorial Day"),
            _nth_weekday(year, 9, 0, 1): _("Labor Day"),
            _nth_weekday(year, 10, 0, 2): _("Columbus Day"),
            _nth_weekday(year, 11, 3, 4): _("Thanksgiving Day"),
        }
    )
    return days


def federal_holidays_between(first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """Federal holidays (and observed days) from `first` to `last` inclusive."""
    days: dict[datetime.date, str] = {}
    for year in range(first.year, last.year + 2):  # next year's 1 January may be observed on 31 December
        days.update(federal_holidays(year))
    return {day: name for day, name in sorted(days.items()) if first <= day <= last}


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = ("n", "date", "weekday")


def check_topic_pattern(pattern: str) -> None:
    """Refuse a topic pattern with braces other than {n}, {date} and {weekday}."""
    unknown = [name for name in _PLACEHOLDER.findall(pattern) if name not in PLACEHOLDERS]
    stray = _PLACEHOLDER.sub("", pattern)
    if unknown or "{" in stray or "}" in stray:
        raise ScheduleError(
            _("The topic may use {n} (the session's number), {date} and {weekday}; remove the other braces."),
            code="bad_topic_pattern",
            field="topic_pattern",
        )


def topic_for(pattern: str, *, number: int, day: datetime.date) -> str:
    values = {"n": str(number), "date": date_format(day, "M j"), "weekday": date_format(day, "l")}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], pattern)


def school_time(day: datetime.date, time: datetime.time, zone: ZoneInfo, *, field: str) -> datetime.datetime:
    """`time` on `day` on the school's clock; a time the clocks skip or repeat that day is refused, not guessed."""
    moment = datetime.datetime.combine(day, time, tzinfo=zone)
    round_trip = moment.astimezone(datetime.UTC).astimezone(zone)
    folded = moment.replace(fold=1).astimezone(datetime.UTC)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None) or folded != moment.astimezone(datetime.UTC):
        raise ScheduleError(
            _(
                "%(time)s does not happen exactly once on %(day)s, when the clocks change: choose another time or "
                "leave that day out."
            )
            % {"time": time.strftime("%H:%M"), "day": date_format(day, "F j, Y")},
            code="time_not_on_clock",
            field=field,
        )
    return moment


@dataclass(frozen=True)
class ScheduleRequest:
    """What staff ask for: which weekdays (Monday 0), the class's wall-clock times, the days it spans, the days off."""

    weekdays: frozenset[int]
    starts_at: datetime.time
    ends_at: datetime.time
    first_day: datetime.date
    last_day: datetime.date
    topic_pattern: str = "Session {n}"
    kind: str = SessionKind.LECTURE
    location: str = ""
    holidays: frozenset[datetime.date] = frozenset()
    skip_federal_holidays: bool = True
    skip_clashes: bool = False


@dataclass(frozen=True)
class PlannedSession:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    topic: str
    clashes_with: tuple[str, ...] = ()

    @property
    def hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600).quantize(Decimal("0.1"))


@dataclass
class SchedulePlan:
    cohort: Cohort
    sessions: list[PlannedSession]
    skipped: list[tuple[datetime.date, str]] = field(default_factory=list)  # days off that were chosen weekdays
    existing_hours: Decimal = Decimal(0)

    @property
    def hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), Decimal(0))

    @property
    def total_hours(self) -> Decimal:
        """Hours scheduled once these are made: the cohort's existing sessions and the new ones."""
        return self.existing_hours + self.hours

    @property
    def nominal_hours(self) -> Decimal:
        return self.cohort.course.nominal_hours

    @property
    def nominal_hours_text(self) -> str:
        return f"{self.nominal_hours.normalize():f}"

    @property
    def clashes(self) -> int:
        return sum(1 for s in self.sessions if s.clashes_with)

    @property
    def fingerprint(self) -> str:
        """A digest of exactly what would be made, so that "Save" can refuse a plan that changed since the preview."""
        text = "\n".join(f"{s.starts_at.isoformat()}|{s.ends_at.isoformat()}|{s.topic}" for s in self.sessions)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def chosen_days(
    *,
    weekdays: frozenset[int],
    first_day: datetime.date,
    last_day: datetime.date,
    holidays: frozenset[datetime.date] = frozenset(),
    skip_federal_holidays: bool = True,
) -> tuple[list[datetime.date], list[tuple[datetime.date, str]]]:
    """The days from `first_day` to `last_day` that fall on `weekdays`, less the days off; and the days off that were
    chosen weekdays, each with why. Refused past MAX_SESSIONS days. Class sessions and clinical shift series both
    walk the calendar through here."""
    span = (last_day - first_day).days + 1
    if span > MAX_SESSIONS * 7:
        raise _too_many()
    federal = federal_holidays_between(first_day, last_day) if skip_federal_holidays else {}
    days, skipped = [], []
    for offset in range(span):
        day = first_day + datetime.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        if day in holidays:
            skipped.append((day, _("holiday you listed")))
        elif day in federal:
            skipped.append((day, federal[day]))
        else:
            days.append(day)
    if len(days) > MAX_SESSIONS:
        raise _too_many()
    return days, skipped


def plan_schedule(*, cohort: Cohort, request: ScheduleRequest) -> SchedulePlan:
    """The sessions `request` would add to `cohort`, each flagged with the cohort's existing sessions it overlaps."""
    if not request.weekdays:
        raise ScheduleError(_("Choose at least one day of the week."), code="no_weekday", field="weekdays")
    if request.ends_at <= request.starts_at:
        raise ScheduleError(
            _("The class must end after it starts, on the same day: check the end time."),
            code="ends_before_start",
            field="ends_at",
        )
    if request.last_day < request.first_day:
        raise ScheduleError(
            _("The last day is before the first day: swap them or correct one."),
            code="dates_out_of_order",
            field="last_day",
        )
    check_topic_pattern(request.topic_pattern)

    zone = ZoneInfo(settings.TIME_ZONE)
    days, skipped = chosen_days(
        weekdays=request.weekdays,
        first_day=request.first_day,
        last_day=request.last_day,
        holidays=request.holidays,
        skip_federal_holidays=request.skip_federal_holidays,
    )

    window_start = datetime.datetime.combine(request.first_day, datetime.time.min, tzinfo=zone)
    day_after = request.last_day + datetime.timedelta(days=1)
    window_end = datetime.datetime.combine(day_after, datetime.time.min, tzinfo=zone)
    existing = list(
        ClassSession.objects.filter(cohort=cohort, starts_at__lt=window_end, ends_at__gt=window_start).order_by(
            "starts_at"
        )
    )
    sessions = []
    for day in days:
        starts = school_time(day, request.starts_at, zone, field="starts_at")
        ends = school_time(day, request.ends_at, zone, field="ends_at")
        clashes = tuple(
            f"{s.topic} ({date_format(s.starts_at.astimezone(zone), 'M j, g:i A')})"
            for s in existing
            if s.starts_at < ends and starts < s.ends_at
        )
        if clashes and request.skip_clashes:
            skipped.append((day, _("clashes with an existing session")))
            continue
        sessions.append(PlannedSession(starts_at=starts, ends_at=ends, topic="", clashes_with=clashes))
    sessions = [
        PlannedSession(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            topic=topic_for(request.topic_pattern, number=number, day=s.starts_at.date())[:200],
            clashes_with=s.clashes_with,
        )
        for number, s in enumerate(sessions, start=1)
    ]
    if not sessions:
        raise ScheduleError(
            _("No day in that range is left to teach on: check the days of the week, the dates and the holidays."),
            code="no_sessions",
        )
    scheduled = ClassSession.objects.filter(cohort=cohort).total_minutes()
    skipped.sort()
    return SchedulePlan(
        cohort=cohort,
        sessions=sessions,
        skipped=skipped,
        existing_hours=(Decimal(scheduled) / 60).quantize(Decimal("0.1")),
    )


def _too_many() -> ScheduleError:
    return ScheduleError(
        _("That makes more than %(max)d sessions: shorten the date range or choose fewer days.")
        % {"max": MAX_SESSIONS},
        code="too_many_sessions",
        field="last_day",
    )


def generate_schedule(*, cohort: Cohort, request: ScheduleRequest, fingerprint: str) -> list[ClassSession]:
    """Make the sessions the preview showed (its `fingerprint`), all or none, and return them.

    The cohort's row is locked while the plan is worked out again, so two people generating at once queue; if the plan
    differs from the preview (someone added sessions meanwhile), nothing is made."""
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().select_related("course").get(pk=cohort.pk)
        plan = plan_schedule(cohort=locked, request=request)
        if plan.fingerprint != fingerprint:
            raise ScheduleError(
                _("The cohort's sessions changed since the preview: look at the new preview, then save again."),
                code="plan_changed",
            )
        location = request.location.strip()
        made = ClassSession.objects.bulk_create(
            ClassSession(
                cohort=locked,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                kind=request.kind,
                topic=s.topic,
                location=location,
            )
            for s in plan.sessions
        )
    return made
