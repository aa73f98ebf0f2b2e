"""Locked-out logins, as staff see and lift them: django-axes counts failed logins per username and address
(settings.AXES_LOCKOUT_PARAMETERS); five within the cool-off period lock that pair out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Lockout:
    username: str | None
    ip_address: str | None
    failures: int
    last_attempt: datetime.datetime
    unlocks_at: datetime.datetime | None  # None: locked until someone unlocks it (no cool-off configured)


def locked_out(request: HttpRequest) -> list[Lockout]:
    """Every username and address locked out now, the most recent first (one query, however many there are)."""
    limit = get_failure_limit(request, None)
    cool_off = get_cool_off(request)
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    # One row per user agent in axes' table: a lock-out is the pair's total.
    pairs = (
        attempts.order_by()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last_attempt", "username")
    )
    return [
        Lockout(
            username=pair["username"],
            ip_address=pair["ip_address"],
            failures=pair["failures"],
            last_attempt=pair["last_attempt"],
            unlocks_at=None if cool_off is None else pair["last_attempt"] + cool_off,
        )
        for pair in pairs
    ]


def is_address(text: str) -> bool:
    try:
        validate_ipv46_address(text)
    except ValidationError:
        return False
    return True


def attempts_of(*, username: str | None, ip_address: str | None):
    """The failed-login rows of one username and address (what `unlock` removes)."""
    return AccessAttempt.objects.filter(username=username, ip_address=ip_address)


def unlock(*, username: str | None, ip_address: str | None) -> int:
    """Lift a lock-out: forget the failed logins of that username from that address; returns the rows removed."""
    if not username and not ip_address:
        return 0  # axes' reset() with neither would forget every failed login of everyone
    return reset(ip=ip_address or None, username=username or None)
