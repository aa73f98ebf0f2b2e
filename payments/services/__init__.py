"""Tuition and payments: the only path to a ledger entry. Every entry is appended (a mistake is corrected by a
reversing entry), audited in the same transaction, and written with the enrollment's row locked; balances are
derived from the entries, never stored.

- ledger: post a charge, record a payment or a refund, reverse an entry; balances per enrollment and per payer;
- fees: what a seat costs (the course's tuition and fees, a cohort's overrides), charged once the seat is confirmed;
- plans: a seat's student share in instalments, and what is paid of each (derived from the ledger);
- deposits: the optional deposit that keeps a seat, and the lapse of a seat whose deposit is unpaid;
- reminders: e-mails before instalments and deposits fall due, and when an instalment is overdue;
- invoices: a sponsor's numbered invoice of its shares, kept as issued, e-mailed through the outbox on request;
- reports: staff's figures (balances per cohort, payments per month, WIOA / GI Bill clock hours per week);
- online: paying with Stripe Checkout ("Pay now" makes the checkout; only the verified webhook posts the payment).
- refunds: what the refund policy gives back when an enrollment ends (or a graduate's credit), proposed, then
  confirmed or adjusted with a reason by staff, and settled through the ledger.
"""

from payments.services.deposits import DEPOSIT_LAPSED_EMAIL, deposit_rule_for, lapse_unpaid_deposits
from payments.services.fees import charge_when_seated, fees_for
from payments.services.invoices import InvoiceLine, invoice_lines, issue_invoice
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
from payments.services.plans import (
    InstalmentLine,
    InstalmentState,
    PaymentStatus,
    apply_plan,
    overdue_report,
    payment_status_of,
    plan_for,
    with_overdue_people,
)
from payments.services.refunds import adjust_refund, confirm_refund, policy_answer, propose_refund
from payments.services.reminders import send_payment_reminders
from payments.services.reports import (
    CLOCK_HOUR_KINDS,
    ClockHours,
    MoneyRow,
    balances_by_cohort,
    balances_in_batches,
    balances_in_cohort,
    clock_hours,
    cohorts_with_books,
    payments_by_month,
)

__all__ = [
    "Balance",
    "CLOCK_HOUR_KINDS",
    "ClockHours",
    "DEPOSIT_LAPSED_EMAIL",
    "InstalmentLine",
    "InstalmentState",
    "InvoiceLine",
    "MoneyRow",
    "PayerBalance",
    "PaymentStatus",
    "adjust_refund",
    "apply_plan",
    "balance",
    "balances_by_cohort",
    "balances_in_batches",
    "cohorts_with_books",
    "balances_in_cohort",
    "balances_of",
    "cents",
    "charge_when_seated",
    "clock_hours",
    "confirm_refund",
    "deposit_rule_for",
    "fees_for",
    "handle_webhook",
    "invoice_lines",
    "issue_invoice",
    "lapse_unpaid_deposits",
    "online_payment_enabled",
    "overdue_report",
    "payment_status_of",
    "payments_by_month",
    "plan_for",
    "policy_answer",
    "post_charge",
    "propose_refund",
    "record_payment",
    "record_refund",
    "reverse_entry",
    "send_payment_reminders",
    "start_checkout",
    "student_due",
    "with_overdue_people",
]
