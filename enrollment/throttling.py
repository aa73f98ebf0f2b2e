"""Rate limits: fixed windows counted atomically where every worker and server sees the same numbers.

The counters live in Redis when REDIS_URL is set (INCR is atomic and keeps the key's expiry), and otherwise in the
database (RateCounter: an UPDATE ... SET count = count + 1 under the row's lock). A window is fixed: "20 an hour"
means 20 from 2:00 to 3:00, whatever happens in it; a hit never extends it.

Who a client is comes from `client_address`: behind ELITE_TRUSTED_PROXIES proxies, the address the nearest trusted
proxy saw (read with django-ipware from X-Forwarded-For); with none trusted, the connection's own address, whatever
headers say.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ipware import get_client_ip

from enrollment.models import RateCounter

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int] | None:
    """ "20/h" -> (20, 3600); "0" -> None (no limit)."""
    text = text.strip().lower()
    if text in {"0", "", "off"}:
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*([smhd])", text)
    if not match:
        raise ImproperlyConfigured(
            f"A rate limit looks like 20/h (count per s, m, h or d), or 0 for none; got {text!r}."
        )
    count, unit = int(match[1]), UNITS[match[2]]
    return (count, unit) if count > 0 else None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the address the N-th proxy from us saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the entries a client can
    forge are on the left; only the right-most N are ours. (Also the failed-login lock-out's: AXES_CLIENT_IP_CALLABLE.)
    """
    hops = settings.TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR") or None
    if hops <= 0:
        return remote
    # django-ipware counts the proxies listed in the header, which leaves out the one that connected to us.
    address, _ = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=hops - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote


def allow(request: HttpRequest, *, scope: str, rate: str) -> bool:
    """Count one attempt of this client in `scope`; False once the rate is exceeded in the current window."""
    return allow_key(scope=scope, key=client_address(request) or "unknown", rate=rate)


def allow_key(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt for `key` (a client address, an e-mail address) in `scope`; False past the rate."""
    limit = parse_rate(rate)
    if limit is None:
        return True
    count, period = limit
    window = int(time.time() // period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # fixed length, and no address in the counters' keys
    name = f"rate:{scope}:{digest}:{window}"
    ends = datetime.datetime.fromtimestamp((window + 1) * period, tz=datetime.UTC)
    return _hit(name, ends) <= count


def _hit(name: str, ends: datetime.datetime) -> int:
    """One more attempt on the counter `name`, which lasts until `ends`; returns the count including this one."""
    if settings.REDIS_URL:
        # INCR is atomic and does not touch the expiry that ADD set when the window's first attempt made the key.
        cache.add(name, 0, timeout=max(int((ends - timezone.now()).total_seconds()) + 5, 1))
        try:
            return cache.incr(name)
        except ValueError:  # expired between add and incr: a new window has begun
            cache.add(name, 0, timeout=5)
            return cache.incr(name)
    with transaction.atomic():
        if not RateCounter.objects.filter(key=name).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=name, count=1, expires_at=ends)
            except IntegrityError:  # another request made it first
                RateCounter.objects.filter(key=name).update(count=F("count") + 1)
        # The row stays locked by our UPDATE until this transaction ends: the count read is ours.
        return RateCounter.objects.values_list("count", flat=True).get(key=name)


def forget_expired_counters() -> int:
    """Delete the counters of windows that are over (the minute job)."""
    return RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()[0]
