"""Tuition and payments: the only path to a ledger entry. Every entry is appended (a mistake is corrected by a
reversing entry), audited in the same transaction, and written with the enrollment's row locked; balances are
derived from the entries, never stored.

- ledger: post a charge, record a payment or a refund, reverse an entry; balances per enrollment and per payer;
- fees: what a seat costs (the course's tuition and fees, a cohort's overrides), charged once the seat is confirmed;
- refunds: what the refund policy gives back when an enrollment ends (or a graduate's credit), proposed, then
  confirmed or adjusted with a reason by staff, and settled through the ledger.
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
from payments.services.refunds import adjust_refund, confirm_refund, policy_answer, propose_refund

__all__ = [
    "Balance",
    "adjust_refund",
    "confirm_refund",
    "policy_answer",
    "propose_refund",
    "PayerBalance",
    "balance",
    "balances_of",
    "cents",
    "charge_when_seated",
    "fees_for",
    "post_charge",
    "record_payment",
    "record_refund",
    "reverse_entry",
]
