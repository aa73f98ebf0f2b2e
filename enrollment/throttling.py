"""Per-client rate limits, counted in the shared cache so every worker and server sees the same numbers."""

from __future__ import annotations

import hashlib
import re
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

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


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(request: HttpRequest, *, scope: str, rate: str) -> bool:
    """Count one attempt of this client in `scope`; False once the rate is exceeded in the current window."""
    return allow_key(scope=scope, key=client_address(request), rate=rate)


def allow_key(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt for `key` (a client address, an e-mail address) in `scope`; False past the rate."""
    limit = parse_rate(rate)
    if limit is None:
        return True
    count, period = limit
    window = int(time.time() // period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # fixed length, and no address in the cache's keys
    key = f"rate:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        attempts = 1
    return attempts <= count
