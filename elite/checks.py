"""Configuration mistakes worth stopping for, in words an operator can act on."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

GENERATE_A_KEY = 'Generate one with `python -c "import secrets; print(secrets.token_urlsafe(50))"` and export it'
MISSING_SECRET_KEY = (
    f"DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. {GENERATE_A_KEY}, "
    "or set DJANGO_DEBUG=1 for local development."
)
# Django's own rule for a key it will not warn about (its security.W009), made a refusal: sessions, password-reset
# links and CSRF tokens are only as hard to forge as this key is to guess.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
WEAK_SECRET_KEY = (
    f"DJANGO_SECRET_KEY is too easy to guess: it must be at least {SECRET_KEY_MIN_LENGTH} characters long, with at "
    f"least {SECRET_KEY_MIN_DISTINCT} different characters. {GENERATE_A_KEY} in place of the current one."
)


def secret_key_problem() -> str | None:
    """The sentence to stop with when the site has no secret key, or one too weak to serve with; None otherwise."""
    if settings.SECRET_KEY_MISSING:
        return MISSING_SECRET_KEY
    if settings.DEBUG:
        return None  # local development: the built-in key, or whatever the developer set
    key = settings.SECRET_KEY
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return WEAK_SECRET_KEY
    return None


def check_secret_key(app_configs, **kwargs) -> list[Error]:
    problem = secret_key_problem()
    return [Error(problem, id="elite.E001")] if problem else []
