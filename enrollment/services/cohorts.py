"""Changes to a cohort that touch its seats: its capacity."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from courses.models import Cohort
from enrollment.models import Enrollment
from enrollment.services.core import EnrollmentError, audit, lock_cohort
from enrollment.services.waitlist import settle


def check_capacity(*, cohort: Cohort, capacity: int) -> None:
    """Refuse a capacity below the seats already held.

    Call it inside the transaction that saves the new capacity (the admin's change view runs in one): the cohort row
    stays locked until that transaction commits, so no seat can be taken between the check and the save.
    """
    with transaction.atomic():
        locked = lock_cohort(cohort.pk)
        held = Enrollment.objects.seat_summary(locked.pk)["seats_taken"]
        if capacity < held:
            raise EnrollmentError(
                ngettext(
                    "%(code)s has %(held)s seat taken, so its capacity cannot be lowered to %(capacity)s. Withdraw or "
                    "move %(excess)s first, or keep the capacity at %(held)s or more.",
                    "%(code)s has %(held)s seats taken, so its capacity cannot be lowered to %(capacity)s. Withdraw "
                    "or move %(excess)s first, or keep the capacity at %(held)s or more.",
                    held,
                )
                % {"code": locked.code, "held": held, "capacity": capacity, "excess": held - capacity},
                code="capacity_below_seats",
            )


def record_capacity_change(*, cohort: Cohort, old: int, new: int, actor: AbstractBaseUser | None) -> list[Enrollment]:
    """Audit a saved capacity change; a raised capacity offers the new seats to the waitlist at once.

    Returns the new offers. Call it in the transaction that saved the capacity (the admin's change view runs in one).
    """
    if old == new:
        return []
    with transaction.atomic():
        cohort = lock_cohort(cohort.pk)
        audit(
            action="cohort.capacity_changed",
            enrollment=None,
            actor=actor,
            data={"cohort": cohort.code, "from": old, "to": new},
        )
        if new < old:
            return []
        return settle(cohort, actor=actor, now=timezone.now())[1]
