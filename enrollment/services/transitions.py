"""The transition step every workflow uses: the TRANSITIONS table's action, its audit row, the student's e-mail,
and, when a seat-holder leaves, the waitlist settled in the same transaction."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from enrollment import notifications
from enrollment.models import Enrollment
from enrollment.services.core import record_transition
from enrollment.services.waitlist import settle


def transition(
    enrollment: Enrollment,
    action: str,
    *,
    actor: AbstractBaseUser | None,
    reason: str = "",
    data: dict | None = None,
    email: str | None = None,
    now: datetime.datetime | None = None,
) -> Enrollment:
    """Apply `action` to an enrollment whose cohort the caller has locked (lock_enrollment).

    `email` names the e-mail the student is sent after commit (None: none). A seat freed by the change is offered to
    the cohort's waitlist before the transaction ends, so no caller can forget to.
    """
    now = now or timezone.now()
    held_seat = enrollment.holds_seat
    record_transition(enrollment, action, actor=actor, reason=reason, data=data, now=now)
    if email:
        notifications.notify(enrollment, email)
    if held_seat and not enrollment.holds_seat:
        settle(enrollment.cohort, actor=actor, now=now)
    return enrollment
