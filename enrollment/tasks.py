"""The minute jobs, run by `manage.py work` every minute on the job runner (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from enrollment import services
from enrollment.notifications import send_due_emails

MINUTE_JOBS = ("enrollment.tasks.settle_waitlists", "enrollment.notifications.send_due_emails")


@task
def settle_waitlists() -> int:
    """Lapse every expired offer and pass each seat on in order. Returns how many lapsed."""
    return services.expire_offers()


__all__ = ["MINUTE_JOBS", "send_due_emails", "settle_waitlists"]
