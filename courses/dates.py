"""Days and clock times as text, exactly as Django's `date_format` writes them, remembered per language.

`date_format` parses its format and translates the month and AM/PM names on every call (about 12 µs). A list of 100
rows writes the same few days and times again and again: an admin list's "Signed up" and "Status since" columns
spent a fifth of the page there. What a day or a time of day looks like depends only on the language, the format and
the value, so the text is kept per (language, format, value), a few thousand at most per process.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


@lru_cache(maxsize=8192)
def _text(language: str | None, value: datetime.date | datetime.time, fmt: str) -> str:
    return date_format(value, fmt)


def date_text(day: datetime.date, fmt: str = "M j, Y") -> str:
    """A day ("Mar 4, 2027"): a date, or an aware datetime taken in Chicago. `fmt` uses date specifiers only."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return _text(get_language(), day, fmt)


def clock_text(moment: datetime.datetime | datetime.time, fmt: str = "g:i A") -> str:
    """A time of day to the minute ("6:00 PM"), an aware datetime taken in Chicago. `fmt` uses hour and minute
    specifiers only (no seconds: the text is kept per minute)."""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment)
    return _text(get_language(), datetime.time(moment.hour, moment.minute), fmt)
