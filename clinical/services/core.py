"""What every clinical workflow shares: when booking and logging close, the outbox kinds, who may go on shifts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from clinical.models import (
    Shift,
)
from enrollment.models import EnrollmentStatus

# The outbox kind of the preceptor's e-mail (its sender: clinical/notifications.py).
PRECEPTOR_LINK_EMAIL = "preceptor_link"

# Enrollments that may go on shifts: seated in the cohort (not yet completed or withdrawn).
SEATED = EnrollmentStatus.ENROLLED


def booking_closes(shift: Shift) -> datetime.datetime:
    """The moment booking and dropping `shift` closes."""
    return shift.starts_at - datetime.timedelta(hours=settings.CLINICAL_BOOKING_CLOSES_HOURS)


def log_closes(shift: Shift) -> datetime.datetime:
    """The moment logging patient contacts for `shift` closes."""
    return shift.ends_at + datetime.timedelta(hours=settings.CLINICAL_LOG_HOURS)


def when_text(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "l, F j, Y, g:i A")
