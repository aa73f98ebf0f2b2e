"""The minute jobs, run by `manage.py work` every minute on the job runner (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from enrollment import services, throttling
from enrollment.notifications import send_due_emails

MINUTE_JOBS = (
    "enrollment.tasks.settle_waitlists",
    "enrollment.notifications.send_due_emails",
    "enrollment.tasks.forget_expired_counters",
)


@task
def settle_waitlists() -> int:
    """Lapse every expired offer and pass each seat on in order. Returns how many lapsed."""
    return services.expire_offers()


@task
def forget_expired_counters() -> int:
    """Delete the rate-limit counters of windows that are over."""
    return throttling.forget_expired_counters()


__all__ = ["MINUTE_JOBS", "forget_expired_counters", "send_due_emails", "settle_waitlists"]
