"""Paying online half set up is worth a warning: with one Stripe secret and not the other, "Pay now" stays off."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning


def check_stripe_keys(app_configs, **kwargs) -> list[Warning]:
    key, webhook = bool(settings.STRIPE_SECRET_KEY), bool(settings.STRIPE_WEBHOOK_SECRET)
    if key == webhook:
        return []
    missing = "STRIPE_WEBHOOK_SECRET" if key else "STRIPE_SECRET_KEY"
    return [
        Warning(
            f"{missing} is not set, so paying online stays off: set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET "
            "(the signing secret of the webhook endpoint added in Stripe's dashboard), or neither.",
            id="payments.W001",
        )
    ]
