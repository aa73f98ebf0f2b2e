"""Tuition and payments: the only path to a ledger entry. Every entry is appended (a mistake is corrected by a
reversing entry), audited in the same transaction, and written with the enrollment's row locked; balances are
derived from the entries, never stored.

- ledger: post a charge, record a payment or a refund, reverse an entry; balances per enrollment and per payer;
- fees: what a seat costs (the course's tuition and fees, a cohort's overrides), charged once the seat is confirmed;
- online: paying with Stripe Checkout ("Pay now" makes the checkout; only the verified webhook posts the payment).
"""

from payments.services.fees import charge_when_seated, fees_for
from payments.services.ledger import (
    Balance,
    PayerBalance,
    balance,
    balances_of,
    cents,
    post_charge,
    record_payment,
    record_refund,
    reverse_entry,
)
from payments.services.online import handle_webhook, online_payment_enabled, start_checkout, student_due

__all__ = [
    "Balance",
    "PayerBalance",
    "balance",
    "balances_of",
    "cents",
    "charge_when_seated",
    "fees_for",
    "handle_webhook",
    "online_payment_enabled",
    "post_charge",
    "record_payment",
    "record_refund",
    "reverse_entry",
    "start_checkout",
    "student_due",
]
