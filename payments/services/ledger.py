"""The ledger: every money change is one appended entry, written here, audited in the same transaction; balances
are sums of the entries, per enrollment and per payer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Enrollment
from enrollment.notifications import notify, notify_address
from enrollment.services import EnrollmentError, audit
from payments.models import CENT, EntryKind, LedgerEntry, PaymentMethod, Sponsor, SponsorShare
from payments.receipts import RECEIPT_EMAIL

# Most a single entry may be: a typing slip (an extra zero or three), not a tuition.
LARGEST_AMOUNT = Decimal("100000.00")


def cents(value: Decimal) -> Decimal:
    """`value` to the cent, halves away from zero (only when shown or when a share is worked out)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _checked_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError("Money is a Decimal, never a float.")
    if amount <= 0:
        raise EnrollmentError(_("Enter an amount above zero."), code="amount_invalid")
    if amount != cents(amount):
        raise EnrollmentError(_("Enter the amount in dollars and cents (e.g. 250.00)."), code="amount_invalid")
    if amount > LARGEST_AMOUNT:
        raise EnrollmentError(
            _("That is more than %(most)s in one entry: check the amount.") % {"most": f"${LARGEST_AMOUNT:,.2f}"},
            code="amount_invalid",
        )
    return amount


def append_entry(
    *,
    enrollment: Enrollment,
    kind: str,
    amount: Decimal,
    description: str,
    actor: AbstractBaseUser | None,
    payer: Sponsor | None = None,
    method: str = "",
    reference: str = "",
    reason: str = "",
    reverses: LedgerEntry | None = None,
    at: datetime.datetime | None = None,
) -> LedgerEntry:
    entry = LedgerEntry.objects.create(
        enrollment=enrollment,
        kind=kind,
        amount=amount,
        description=description[:160],
        payer=payer,
        method=method,
        reference=reference[:80],
        reason=reason[:300],
        reverses=reverses,
        at=at or timezone.now(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit(
        action=f"ledger.{'reversed' if reverses else kind}",
        enrollment=enrollment,
        actor=actor,
        reason=reason,
        data={
            "entry": entry.pk,
            "amount": str(amount),
            "payer": payer.name if payer else "student",
            **({"reverses": reverses.pk} if reverses else {}),
        },
    )
    return entry


def _lock(enrollment: Enrollment) -> Enrollment:
    """The enrollment's row, locked: entries about one enrollment are written one at a time."""
    return Enrollment.objects.select_for_update().get(pk=enrollment.pk)


@transaction.atomic
def post_charge(
    *, enrollment: Enrollment, amount: Decimal, description: str, actor: AbstractBaseUser | None = None
) -> LedgerEntry:
    return append_entry(
        enrollment=_lock(enrollment),
        kind=EntryKind.CHARGE,
        amount=_checked_amount(amount),
        description=description,
        actor=actor,
    )


@transaction.atomic
def record_payment(
    *,
    enrollment: Enrollment,
    amount: Decimal,
    method: str,
    actor: AbstractBaseUser | None,
    payer: Sponsor | None = None,
    reference: str = "",
    at: datetime.datetime | None = None,
) -> LedgerEntry:
    """Staff record money received (cash, check, card terminal; online payments come from verified webhooks)."""
    if method not in PaymentMethod.values:
        raise EnrollmentError(_("Choose how the payment was made."), code="method_invalid")
    amount = _checked_amount(amount)
    who = payer.name if payer else _("the student")
    entry = append_entry(
        enrollment=_lock(enrollment),
        kind=EntryKind.PAYMENT,
        amount=-amount,
        description=_("Payment from %(who)s") % {"who": who},
        actor=actor,
        payer=payer,
        method=method,
        reference=reference,
        at=at,
    )
    # The receipt goes to whoever paid, through the outbox (after commit): the student, or a sponsor on file with an
    # address.
    if payer is None:
        notify(enrollment, RECEIPT_EMAIL, about_id=entry.pk)
    elif payer.email:
        notify_address(payer.email, RECEIPT_EMAIL, about_id=entry.pk)
    return entry


@transaction.atomic
def record_refund(
    *,
    enrollment: Enrollment,
    amount: Decimal,
    method: str,
    reason: str,
    actor: AbstractBaseUser | None,
    payer: Sponsor | None = None,
    reference: str = "",
) -> LedgerEntry:
    if not reason.strip():
        raise EnrollmentError(_("Say why the money is refunded."), code="reason_required")
    return append_entry(
        enrollment=_lock(enrollment),
        kind=EntryKind.REFUND,
        amount=_checked_amount(amount),
        description=_("Refund to %(who)s") % {"who": payer.name if payer else _("the student")},
        actor=actor,
        payer=payer,
        method=method,
        reference=reference,
        reason=reason.strip(),
    )


@transaction.atomic
def reverse_entry(*, entry: LedgerEntry, reason: str, actor: AbstractBaseUser | None) -> LedgerEntry:
    """Correct a mistake: a new entry, the negative of `entry`, with the reason. An entry is reversed at most once,
    and a reversal is never reversed (post the right entry instead)."""
    if not reason.strip():
        raise EnrollmentError(_("Say why the entry is reversed."), code="reason_required")
    _lock(entry.enrollment)
    entry = LedgerEntry.objects.select_related("enrollment", "payer").get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise EnrollmentError(
            _("This entry is itself a reversal; post the correct entry instead."), code="already_reversed"
        )
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise EnrollmentError(_("This entry has already been reversed."), code="already_reversed")
    return append_entry(
        enrollment=entry.enrollment,
        kind=entry.kind,
        amount=-entry.amount,
        description=_("Reversal: %(what)s") % {"what": entry.description},
        actor=actor,
        payer=entry.payer,
        method=entry.method,
        reason=reason.strip(),
        reverses=entry,
    )


@dataclass
class PayerBalance:
    """What one payer (the student, or a sponsor) owes on an enrollment."""

    payer: Sponsor | None
    share: Decimal = Decimal(0)  # of the charges
    paid: Decimal = Decimal(0)  # payments (positive)
    refunded: Decimal = Decimal(0)
    adjusted: Decimal = Decimal(0)

    @property
    def due(self) -> Decimal:
        return self.share - self.paid + self.refunded + self.adjusted

    @property
    def name(self) -> str:
        return self.payer.name if self.payer else _("Student")


@dataclass
class Balance:
    enrollment_id: int
    charged: Decimal = Decimal(0)
    payers: list[PayerBalance] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return sum((p.due for p in self.payers), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((p.paid for p in self.payers), Decimal(0))

    @property
    def student(self) -> PayerBalance:
        """The student's own part (balances_of always lists it first)."""
        return next(p for p in self.payers if p.payer is None)


def balances_of(enrollment_ids: list[int]) -> dict[int, Balance]:
    """Each enrollment's balance, and each payer's part of it, from the ledger and the sponsors' shares. Two queries.

    The charges are split first to the sponsors (a fixed amount, or a percentage, never more than what is left), the
    rest to the student; payments, refunds and adjustments count for the payer they name."""
    sums: dict[int, dict[tuple[str, int | None], Decimal]] = {pk: {} for pk in enrollment_ids}
    for row in (
        LedgerEntry.objects.filter(enrollment_id__any_of=enrollment_ids)
        .values("enrollment_id", "kind", "payer_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        sums[row["enrollment_id"]][(row["kind"], row["payer_id"])] = row["total"]
    shares: dict[int, list[SponsorShare]] = {pk: [] for pk in enrollment_ids}
    shared = SponsorShare.objects.filter(enrollment_id__any_of=enrollment_ids).select_related("sponsor")
    for share in shared.order_by("pk"):
        shares[share.enrollment_id].append(share)
    result = {}
    for pk in enrollment_ids:
        entries = sums[pk]
        charged = sum((v for (kind, _payer), v in entries.items() if kind == EntryKind.CHARGE), Decimal(0))
        payers: dict[int | None, PayerBalance] = {None: PayerBalance(None)}
        left = charged
        for share in shares[pk]:
            part = share.amount if share.amount is not None else cents(charged * share.percent / 100)
            part = min(part, max(left, Decimal(0)))
            left -= part
            payers[share.sponsor_id] = PayerBalance(share.sponsor, share=part)
        payers[None].share = left
        for (kind, payer_id), total in entries.items():
            if kind == EntryKind.CHARGE:
                continue
            balance = payers.setdefault(payer_id, PayerBalance(_sponsor(shares[pk], payer_id)))
            if kind == EntryKind.PAYMENT:
                balance.paid += -total
            elif kind == EntryKind.REFUND:
                balance.refunded += total
            else:
                balance.adjusted += total
        result[pk] = Balance(pk, charged=charged, payers=list(payers.values()))
    return result


def _sponsor(shares: list[SponsorShare], sponsor_id: int | None) -> Sponsor | None:
    if sponsor_id is None:
        return None
    for share in shares:
        if share.sponsor_id == sponsor_id:
            return share.sponsor
    return Sponsor.objects.get(pk=sponsor_id)


def balance(enrollment: Enrollment) -> Balance:
    return balances_of([enrollment.pk])[enrollment.pk]
