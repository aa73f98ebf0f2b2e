"""The schedule generator's service (courses.schedule): DST, holidays, clashes, limits, all-or-nothing saving."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from courses.models import ClassSession
from courses.schedule import (
    MAX_SESSIONS,
    SCHEDULE_ERROR_CODES,
    ScheduleError,
    ScheduleRequest,
    federal_holidays,
    federal_holidays_between,
    generate_schedule,
    plan_schedule,
)
from tests.factories import make_cohort, make_course

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TUE, THU = 1, 3
SIX_PM, TEN_PM = datetime.time(18), datetime.time(22)


def request_for(first: datetime.date, last: datetime.date, **overrides) -> ScheduleRequest:
    fields = {
        "weekdays": frozenset({TUE, THU}),
        "starts_at": SIX_PM,
        "ends_at": TEN_PM,
        "first_day": first,
        "last_day": last,
        "skip_federal_holidays": False,
    }
    fields.update(overrides)
    return ScheduleRequest(**fields)


@pytest.fixture
def cohort():
    course = make_course(nominal_hours=Decimal("40"))
    return make_cohort(
        course, code="EMT-2026-FALL-EVE", starts_on=datetime.date(2026, 10, 27), ends_on=datetime.date(2026, 11, 26)
    )


def codes_of(call) -> str:
    with pytest.raises(ScheduleError) as raised:
        call()
    assert raised.value.code in SCHEDULE_ERROR_CODES
    return raised.value.code


def test_tuesdays_and_thursdays_six_to_ten_in_chicago_time(cohort):
    plan = plan_schedule(cohort=cohort, request=request_for(datetime.date(2026, 10, 27), datetime.date(2026, 11, 5)))
    days = [s.starts_at.date() for s in plan.sessions]
    assert days == [datetime.date(2026, 10, d) for d in (27, 29)] + [datetime.date(2026, 11, d) for d in (3, 5)]
    assert [s.topic for s in plan.sessions] == ["Session 1", "Session 2", "Session 3", "Session 4"]
    assert plan.hours == Decimal("16.0")
    assert plan.nominal_hours == Decimal("40")


def test_six_pm_stays_six_pm_across_the_november_clock_change(cohort):
    # Clocks go back on Sunday 1 November 2026: the UTC hour moves from 23:00 to 00:00, the wall clock does not.
    plan = plan_schedule(cohort=cohort, request=request_for(datetime.date(2026, 10, 27), datetime.date(2026, 11, 5)))
    local = [s.starts_at.astimezone(CHICAGO) for s in plan.sessions]
    assert {(t.hour, t.minute) for t in local} == {(18, 0)}
    utc = [s.starts_at.astimezone(datetime.UTC) for s in plan.sessions]
    assert utc[0].hour == 23  # CDT, UTC-5
    assert utc[-1].hour == 0  # CST, UTC-6 (the next UTC day)
    assert {s.hours for s in plan.sessions} == {Decimal("4.0")}


def test_six_pm_stays_six_pm_across_the_march_clock_change(cohort):
    # Clocks go forward on Sunday 8 March 2026.
    plan = plan_schedule(cohort=cohort, request=request_for(datetime.date(2026, 3, 3), datetime.date(2026, 3, 12)))
    local = [s.starts_at.astimezone(CHICAGO) for s in plan.sessions]
    assert [t.day for t in local] == [3, 5, 10, 12]
    assert {t.hour for t in local} == {18}
    made = generate_schedule(
        cohort=cohort,
        request=request_for(datetime.date(2026, 3, 3), datetime.date(2026, 3, 12)),
        fingerprint=plan.fingerprint,
    )
    stored = ClassSession.objects.filter(pk__in=[s.pk for s in made]).order_by("starts_at")
    assert [timezone_hour(s.starts_at) for s in stored] == [18, 18, 18, 18]
    assert [s.minutes for s in stored] == [240] * 4


def timezone_hour(moment: datetime.datetime) -> int:
    return moment.astimezone(CHICAGO).hour


def test_a_time_the_clocks_skip_is_refused(cohort):
    # 2:30 am on 8 March 2026 does not exist in Chicago.
    request = request_for(
        datetime.date(2026, 3, 8),
        datetime.date(2026, 3, 8),
        weekdays=frozenset({6}),
        starts_at=datetime.time(2, 30),
        ends_at=datetime.time(4),
    )
    assert codes_of(lambda: plan_schedule(cohort=cohort, request=request)) == "time_not_on_clock"


def test_federal_holidays_are_computed_with_their_observed_days():
    days = federal_holidays(2026)
    assert days[datetime.date(2026, 11, 26)] == "Thanksgiving Day"
    assert days[datetime.date(2026, 1, 19)] == "Birthday of Martin Luther King, Jr."
    assert days[datetime.date(2026, 5, 25)] == "Memorial Day"
    assert days[datetime.date(2026, 9, 7)] == "Labor Day"
    assert days[datetime.date(2026, 10, 12)] == "Columbus Day"
    # 4 July 2026 is a Saturday: observed on Friday 3 July.
    assert days[datetime.date(2026, 7, 3)] == "Independence Day (observed)"
    assert datetime.date(2026, 7, 4) in days
    # 1 January 2028 is a Saturday: observed on Friday 31 December 2027.
    assert federal_holidays_between(datetime.date(2027, 12, 30), datetime.date(2027, 12, 31)) == {
        datetime.date(2027, 12, 31): "New Year's Day (observed)"
    }
    assert len(federal_holidays(2025)) == 11  # every fixed-date holiday of 2025 falls on a weekday
    assert days[datetime.date(2026, 2, 16)] == "Washington's Birthday"


def test_federal_holidays_and_listed_days_are_skipped(cohort):
    request = request_for(
        datetime.date(2026, 11, 17),
        datetime.date(2026, 12, 3),
        holidays=frozenset({datetime.date(2026, 12, 1)}),
        skip_federal_holidays=True,
    )
    plan = plan_schedule(cohort=cohort, request=request)
    days = [s.starts_at.date().day for s in plan.sessions]
    assert days == [17, 19, 24, 3]  # Thanksgiving (26 Nov) and the listed 1 Dec are left out
    assert [day for day, _ in plan.skipped] == [datetime.date(2026, 11, 26), datetime.date(2026, 12, 1)]
    assert plan.skipped[0][1] == "Thanksgiving Day"


def test_clashes_with_existing_sessions_are_flagged_or_left_out(cohort):
    start = datetime.datetime(2026, 10, 29, 19, tzinfo=CHICAGO)
    two_hours = start + datetime.timedelta(hours=2)
    ClassSession.objects.create(cohort=cohort, starts_at=start, ends_at=two_hours, topic="CPR")
    other = make_cohort(code="OTHER")  # another cohort's session at the same time is not a clash
    ClassSession.objects.create(cohort=other, starts_at=start, ends_at=two_hours, topic="X")
    request = request_for(datetime.date(2026, 10, 27), datetime.date(2026, 11, 5))
    plan = plan_schedule(cohort=cohort, request=request)
    assert plan.clashes == 1
    flagged = [s for s in plan.sessions if s.clashes_with]
    assert flagged[0].starts_at.date() == datetime.date(2026, 10, 29)
    assert "CPR" in flagged[0].clashes_with[0]
    assert plan.existing_hours == Decimal("2.0")
    assert plan.total_hours == Decimal("18.0")

    skipping = plan_schedule(cohort=cohort, request=request_for(request.first_day, request.last_day, skip_clashes=True))
    assert len(skipping.sessions) == 3
    assert skipping.clashes == 0
    assert skipping.skipped == [(datetime.date(2026, 10, 29), "clashes with an existing session")]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"weekdays": frozenset()}, "no_weekday", "weekdays"),
        ({"ends_at": datetime.time(17)}, "ends_before_start", "ends_at"),
        ({"ends_at": SIX_PM}, "ends_before_start", "ends_at"),
        ({"last_day": datetime.date(2026, 10, 1)}, "dates_out_of_order", "last_day"),
        ({"last_day": datetime.date(2031, 1, 1), "weekdays": frozenset(range(7))}, "too_many_sessions", "last_day"),
        ({"last_day": datetime.date(9999, 12, 31)}, "too_many_sessions", "last_day"),
        ({"topic_pattern": "Session {n.__class__}"}, "bad_topic_pattern", "topic_pattern"),
        ({"topic_pattern": "Session {"}, "bad_topic_pattern", "topic_pattern"),
        ({"last_day": datetime.date(2026, 10, 27), "weekdays": frozenset({0})}, "no_sessions", None),
    ],
)
def test_bad_requests_are_refused_with_a_code_and_the_field_at_fault(cohort, overrides, code, field):
    fields = {"first": datetime.date(2026, 10, 27), "last": datetime.date(2026, 11, 26), **overrides}
    if "last_day" in fields:
        fields["last"] = fields.pop("last_day")
    with pytest.raises(ScheduleError) as raised:
        plan_schedule(cohort=cohort, request=request_for(**fields))
    assert raised.value.code == code
    assert raised.value.field == field
    assert raised.value.message


def test_exactly_max_sessions_is_allowed(cohort):
    first = datetime.date(2026, 1, 1)
    request = request_for(first, first + datetime.timedelta(days=MAX_SESSIONS - 1), weekdays=frozenset(range(7)))
    assert len(plan_schedule(cohort=cohort, request=request).sessions) == MAX_SESSIONS
    more = request_for(first, first + datetime.timedelta(days=MAX_SESSIONS), weekdays=frozenset(range(7)))
    assert codes_of(lambda: plan_schedule(cohort=cohort, request=more)) == "too_many_sessions"


def test_topic_pattern_numbers_dates_and_names_the_day(cohort):
    request = request_for(
        datetime.date(2026, 10, 27), datetime.date(2026, 10, 29), topic_pattern="Class {n}: {weekday} {date}"
    )
    plan = plan_schedule(cohort=cohort, request=request)
    assert [s.topic for s in plan.sessions] == ["Class 1: Tuesday Oct 27", "Class 2: Thursday Oct 29"]


def test_generate_makes_exactly_the_previewed_sessions_in_one_go(cohort):
    request = request_for(
        datetime.date(2026, 10, 27), datetime.date(2026, 11, 26), skip_federal_holidays=True, location="Lab B"
    )
    plan = plan_schedule(cohort=cohort, request=request)
    made = generate_schedule(cohort=cohort, request=request, fingerprint=plan.fingerprint)
    stored = list(ClassSession.objects.filter(cohort=cohort).order_by("starts_at"))
    assert [(s.starts_at, s.ends_at, s.topic) for s in stored] == [
        (p.starts_at, p.ends_at, p.topic) for p in plan.sessions
    ]
    assert len(made) == len(stored) == 9  # 10 Tuesdays and Thursdays, less Thanksgiving
    assert {s.location for s in stored} == {"Lab B"}


def test_generate_refuses_a_plan_that_changed_since_the_preview_and_makes_nothing(cohort):
    request = request_for(datetime.date(2026, 10, 27), datetime.date(2026, 11, 5), skip_clashes=True)
    plan = plan_schedule(cohort=cohort, request=request)
    start = datetime.datetime(2026, 11, 3, 18, tzinfo=CHICAGO)
    ClassSession.objects.create(cohort=cohort, starts_at=start, ends_at=start + datetime.timedelta(hours=4), topic="X")
    code = codes_of(lambda: generate_schedule(cohort=cohort, request=request, fingerprint=plan.fingerprint))
    assert code == "plan_changed"
    assert ClassSession.objects.filter(cohort=cohort).count() == 1
    assert codes_of(lambda: generate_schedule(cohort=cohort, request=request, fingerprint="")) == "plan_changed"
