"""How the public pages (and the student's e-mails) write hours, days and times: one filter each, so a length or a
class time reads the same on the home page, a course page, a cohort page and the status page."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils.translation import gettext, ngettext

from courses.dates import clock_text, date_text

register = template.Library()

# One format each, Chicago time (the project's TIME_ZONE): "Tue, Mar 2, 2027", "6:00 PM".
DAY_FORMAT = "D, M j, Y"
CLOCK_FORMAT = "g:i A"


@register.filter
def hours(value: Decimal | int | float | None) -> str:
    """A length in hours: "120 hours", "1 hour", "7.5 hours"."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    return ngettext("%(n)s hour", "%(n)s hours", 1 if number == 1 else 2) % {"n": text}


@register.filter
def day(value: datetime.date | datetime.datetime | None) -> str:
    """A day, as every public page writes it: "Tue, Mar 2, 2027" (a time is taken in Chicago)."""
    if value is None:
        return ""
    return date_text(value, DAY_FORMAT)


@register.filter
def clock(value: datetime.datetime | None) -> str:
    """A time of day in Chicago: "6:00 PM"."""
    if value is None:
        return ""
    return clock_text(value, CLOCK_FORMAT)


@register.filter
def moment(value: datetime.datetime | None) -> str:
    """A day and a time in Chicago: "Tue, Mar 2, 2027, 6:00 PM (Chicago time)"."""
    if value is None:
        return ""
    return gettext("%(day)s, %(clock)s (Chicago time)") % {"day": day(value), "clock": clock(value)}


@register.filter
def span(start: datetime.datetime, end: datetime.datetime) -> str:
    """A class's times: "6:00 PM–10:00 PM"."""
    return f"{clock(start)}–{clock(end)}"


@register.filter
def sections(text: str) -> list[dict[str, object]]:
    """A policy text staff typed, as sections: blocks split by a blank line; a block whose first line is short and
    has no final period is that section's heading. [{"heading": str, "paragraphs": [str, ...]}]."""
    result: list[dict[str, object]] = []
    for block in str(text).replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) > 1 and len(lines[0]) <= 60 and not lines[0].endswith((".", ":", ";", ",")):
            result.append({"heading": lines[0], "paragraphs": lines[1:]})
        elif result:
            result[-1]["paragraphs"].extend(lines)
        else:
            result.append({"heading": "", "paragraphs": lines})
    return result
