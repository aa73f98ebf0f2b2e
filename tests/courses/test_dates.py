"""courses.dates writes what Django's date_format writes, in every language, however often it is asked."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from courses.dates import clock_text, date_text

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
DAYS = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(0, 800, 7)]
# Midnight, noon, the small hours of the spring-forward and fall-back nights, every minute of an evening hour.
MOMENTS = [
    datetime.datetime(2027, 3, 14, 1, 59, tzinfo=CHICAGO),
    datetime.datetime(2027, 3, 14, 3, 0, tzinfo=CHICAGO),
    datetime.datetime(2027, 11, 7, 1, 30, tzinfo=CHICAGO),
    datetime.datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=CHICAGO),
    datetime.datetime(2026, 12, 2, 0, 0, tzinfo=CHICAGO),
    datetime.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO),
    *(datetime.datetime(2026, 12, 2, 18, minute, 59, tzinfo=CHICAGO) for minute in range(60)),
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("fmt", ["M j, Y", "F j, Y", "D, M j, Y", "M j", "l"])
def test_a_day_reads_as_date_format_writes_it(language, fmt):
    with translation.override(language):
        for _ in range(2):  # the second time from what was kept
            assert [date_text(day, fmt) for day in DAYS] == [date_format(day, fmt) for day in DAYS]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("fmt", ["g:i A", "P", "H:i"])
def test_a_time_of_day_reads_as_date_format_writes_it_in_chicago(language, fmt):
    with translation.override(language):
        for _ in range(2):
            assert [clock_text(moment, fmt) for moment in MOMENTS] == [
                date_format(timezone.localtime(moment), fmt) for moment in MOMENTS
            ]
            utc = [moment.astimezone(datetime.UTC) for moment in MOMENTS]
            assert [clock_text(moment, fmt) for moment in utc] == [clock_text(moment, fmt) for moment in MOMENTS]


def test_a_moment_given_as_a_day_is_its_day_in_chicago():
    late = datetime.datetime(2027, 1, 1, 4, 30, tzinfo=datetime.UTC)  # Dec 31, 10:30 PM in Chicago
    assert date_text(late) == "Dec 31, 2026"


def test_the_language_is_part_of_what_is_kept():
    day = datetime.date(2027, 3, 4)
    with translation.override("en"):
        english = date_text(day, "F j, Y")
    with translation.override("es"):
        spanish = date_text(day, "F j, Y")
    assert (english, spanish) == ("March 4, 2027", "marzo 4, 2027")
    with translation.override("en"):
        assert date_text(day, "F j, Y") == english
