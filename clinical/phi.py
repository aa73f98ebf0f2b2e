"""Protected health information in a free-text note: what looks like a name, a date or a record number.

Students log patient contacts; the note is for what they did and learned, never who the patient was. A heuristic, on
the side of refusing: the form says what to leave out, and this says which part of the note looked like it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# Title + capitalised word ("Mr Smith", "Mrs. O'Neil"), or two capitalised words in a row not starting a sentence.
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sr|Sra|Srta)\.?\s+[A-Z][\w'’-]+")
_TWO_NAMES = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'’-]+\s+[A-Z][a-z'’-]+\b")
_DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"\d[\d\s-]{4,}\d")
_WORDS_BEFORE_A_NAME = re.compile(r"\b(?i:named|name is|called|patient|pt)\s+[A-Z][a-z]+")
# Capitalised pairs that are places and teams, not people ("Stroger Hospital", "Engine 14").
_PLACE_WORDS = {
    "hospital",
    "medical",
    "center",
    "centre",
    "clinic",
    "station",
    "department",
    "fire",
    "engine",
    "medic",
    "ambulance",
    "street",
    "avenue",
    "road",
    "county",
    "health",
    "emergency",
    "room",
    "unit",
    "ward",
    "trauma",
}


def find_phi(text: str) -> str | None:
    """A sentence saying what in `text` looks like protected health information, or None when nothing does."""
    if match := _DATE.search(text):
        return _("“%(part)s” looks like a date. Leave dates out of the note.") % {"part": match.group(0)}
    if match := _LONG_NUMBER.search(text):
        return _("“%(part)s” looks like a record or phone number. Leave numbers like that out of the note.") % {
            "part": match.group(0).strip()
        }
    for pattern in (_TITLE, _WORDS_BEFORE_A_NAME, _TWO_NAMES):
        for match in pattern.finditer(text):
            if pattern is _TWO_NAMES and match.group(0).split()[-1].lower() in _PLACE_WORDS:
                continue
            return _("“%(part)s” looks like a name. Describe the patient without naming them.") % {
                "part": match.group(0)
            }
    return None
