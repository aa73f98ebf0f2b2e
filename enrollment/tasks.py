"""The enrollment app's minute jobs, run by `manage.py work` every minute on the job runner (django.tasks); the
whole list, every app's, is settings.MINUTE_JOBS."""

from __future__ import annotations

from django.tasks import task

from enrollment import services, throttling
from enrollment.notifications import send_due_emails


@task
def settle_waitlists() -> int:
    """Lapse every expired offer and pass each seat on in order. Returns how many lapsed."""
    return services.expire_offers()


@task
def forget_expired_counters() -> int:
    """Delete the rate-limit counters of windows that are over."""
    return throttling.forget_expired_counters()


@task
def remind_exam_registration() -> int:
    """Day 60 of the 90-day Illinois window: e-mail graduates who have not registered for the Registry exam."""
    return services.remind_exam_registration()


__all__ = ["forget_expired_counters", "remind_exam_registration", "send_due_emails", "settle_waitlists"]
