"""What every clinical workflow shares: when booking and logging close, the outbox kinds, who may go on shifts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format

from clinical.models import (
    ClinicalMinimum,
    MinimumKind,
    Shift,
)
from courses.models import Course
from enrollment.models import EnrollmentStatus

# The outbox kind of the preceptor's e-mail (its sender: clinical/notifications.py).
PRECEPTOR_LINK_EMAIL = "preceptor_link"

# Enrollments that may go on shifts: seated in the cohort (not yet completed or withdrawn).
SEATED = EnrollmentStatus.ENROLLED


def minimums_of(courses: Iterable[Course]) -> dict[int, list[ClinicalMinimum]]:
    """Each course's clinical minimums, hours before contacts (as the kinds are listed). Read once per course object
    and kept on it (a prefetch): the status page's section and its readiness checklist, or the roster's line and its
    "ready" column, share one query."""
    courses = list(courses)
    prefetch_related_objects(courses, "clinical_minimums")
    order = list(MinimumKind.values)
    return {c.pk: sorted(c.clinical_minimums.all(), key=lambda m: order.index(m.kind)) for c in courses}


def booking_closes(shift: Shift) -> datetime.datetime:
    """The moment booking and dropping `shift` closes."""
    return shift.starts_at - datetime.timedelta(hours=settings.CLINICAL_BOOKING_CLOSES_HOURS)


def log_closes(shift: Shift) -> datetime.datetime:
    """The moment logging patient contacts for `shift` closes."""
    return shift.ends_at + datetime.timedelta(hours=settings.CLINICAL_LOG_HOURS)


def when_text(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "l, F j, Y, g:i A")
