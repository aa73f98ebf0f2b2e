"""Configuration mistakes worth stopping for, in words an operator can act on."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

MISSING_SECRET_KEY = (
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. Generate one with "
    '`python -c "import secrets; print(secrets.token_urlsafe(50))"` and export it, '
    "or set DJANGO_DEBUG=1 for local development."
)


def secret_key_problem() -> str | None:
    """The sentence to stop with when the site has no secret key, or None."""
    return MISSING_SECRET_KEY if settings.SECRET_KEY_MISSING else None


def check_secret_key(app_configs, **kwargs) -> list[Error]:
    problem = secret_key_problem()
    return [Error(problem, id="elite.E001")] if problem else []
