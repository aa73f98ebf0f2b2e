"""Money for people: `{{ amount|money }}` gives "$1,495.00", and "−$250.00" for a negative amount (a payment)."""

from decimal import Decimal

from django import template

from payments.services.ledger import cents

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    amount = cents(Decimal(value))
    text = f"${abs(amount):,.2f}"
    return f"\u2212{text}" if amount < 0 else text
