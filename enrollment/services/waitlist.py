"""The waitlist: one settling step, one definition of a place in the queue.

`settle` is the only code that lapses expired offers and offers free seats. It runs inside the transition whenever a
seat-holder leaves (services.transitions), before a newcomer's seat is decided (so nobody jumps the queue), when staff
raise a capacity or press "offer free seats", and every minute from `expire_offers`.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Cohort
from enrollment import notifications
from enrollment.models import Credential, CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services.core import lock_cohort, record_transition

S = EnrollmentStatus


def settle(
    cohort: Cohort,
    *,
    actor: AbstractBaseUser | None,
    now: datetime.datetime,
    summary: dict[str, int] | None = None,
) -> tuple[list[Enrollment], list[Enrollment]]:
    """Lapse the expired offers of a locked cohort, then offer every free seat to the waitlist in order.

    Returns (lapsed, offered). `summary` is the cohort's seat_summary() when the caller has just read it, which spares
    the signup path a query when there is nothing to do.
    """
    summary = summary or Enrollment.objects.seat_summary(cohort.pk, at=now)
    lapsed: list[Enrollment] = []
    if summary["unconfirmed_overdue"]:
        overdue = cohort.enrollments.select_for_update().select_related("student").unconfirmed_overdue(now)
        for enrollment in overdue.order_by("created_at", "pk"):
            enrollment.cohort = cohort
            record_transition(
                enrollment,
                "lapse_unconfirmed",
                actor=None,
                reason=_("Not confirmed: the e-mailed link was not opened in time."),
                now=now,
            )
            _forget_unconfirmed_credentials(enrollment)
            lapsed.append(enrollment)
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    if summary["expired_offers"]:
        expired = cohort.enrollments.select_for_update().select_related("student")
        for enrollment in expired.filter(status=S.OFFERED, offer_expires_at__lte=now):
            enrollment.cohort = cohort
            record_transition(
                enrollment, "lapse_offer", actor=None, reason=_("The offer was not accepted in time."), now=now
            )
            notifications.notify(enrollment, "offer_lapsed")
            lapsed.append(enrollment)
        summary = Enrollment.objects.seat_summary(cohort.pk, at=now)
    free = cohort.capacity - summary["seats_taken"]
    if free <= 0 or summary["waiting"] == 0:
        return lapsed, []
    offered = list(cohort.enrollments.waitlist().select_for_update().select_related("student")[:free])
    deadline = now + datetime.timedelta(hours=cohort.offer_hours)
    for enrollment in offered:
        enrollment.cohort = cohort
        enrollment.offer_expires_at = deadline
        record_transition(enrollment, "offer", actor=actor, data={"offer_expires_at": deadline.isoformat()}, now=now)
        notifications.notify(enrollment, "offered")
    return lapsed, offered


def _forget_unconfirmed_credentials(enrollment: Enrollment) -> None:
    """What an unconfirmed signup typed about credentials never counted; it goes with the signup (and its scans,
    once the lapse has committed)."""
    typed = list(Credential.objects.filter(submitted_with=enrollment, status=CredentialStatus.UNVERIFIED))
    files = [c.evidence for c in typed if c.evidence]
    Credential.objects.filter(pk__in=[c.pk for c in typed]).delete()
    for file in files:
        transaction.on_commit(lambda file=file: file.storage.delete(file.name))


def waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place in the cohort's waitlist, or None when not waitlisted (Enrollment.get_waitlist_position)."""
    return enrollment.get_waitlist_position()


def promote_waitlist(*, cohort: Cohort, actor: AbstractBaseUser | None = None) -> list[Enrollment]:
    """Staff's "offer free seats": settle the cohort's waitlist now. Returns the new offers."""
    with transaction.atomic():
        return settle(lock_cohort(cohort.pk), actor=actor, now=timezone.now())[1]


def expire_offers() -> int:
    """Lapse every expired offer and every signup not confirmed in time, and pass each seat or place on in order.
    Returns how many lapsed. Safe to run every minute (the minute job does)."""
    now = timezone.now()
    # Two key lookups, each on its own partial index, rather than one OR that reads both ways.
    expired = Enrollment.objects.filter(status=S.OFFERED, offer_expires_at__lte=now)
    unconfirmed = Enrollment.objects.unconfirmed_overdue(now)
    cohort_ids = {
        *expired.order_by().values_list("cohort_id", flat=True).distinct(),
        *unconfirmed.order_by().values_list("cohort_id", flat=True).distinct(),
    }
    lapsed = 0
    for cohort_id in sorted(cohort_ids):
        with transaction.atomic():
            lapsed += len(settle(lock_cohort(cohort_id), actor=None, now=now)[0])
    return lapsed
