"""Refunds by policy: when an enrollment ends, what the school keeps and what each payer gets back, proposed from the
refund policy (payments.models.RefundPolicy) and the ledger; staff confirm the proposal or adjust it with a reason,
and settling posts the refunds and the write-off through the ledger so that the balance nets to what stays due.

When a proposal is made (a listener on the enrollment app's transitions):

- "withdraw", "did_not_complete" and "lapse_unpaid" (a seat lost for an unpaid deposit): by the policy. Before the
  first day (the cohort's `starts_on`, in Chicago) by the days left; from the first day on (the first day counts as
  started, class or not) by the share of the course's nominal hours attended, the enrollment app's one hours rule
  (`EnrollmentQuerySet.with_hours`: present and late minutes count, absences and excused absences do not). The
  registration fee is kept in every case, the rule's percentage of the rest is given back.
- "complete": the graduate keeps no credit: a payer who paid more than their share is proposed the difference; a
  payer who paid less still owes it (nothing is written off; the balance stays due on the ledger and the status page).
- "reject", "lapse_offer", "decline_offer" and "lapse_unconfirmed" end an enrollment that never held a seat: anything
  paid in advance (staff may record a payment at any time) is proposed back in full, no fee kept.
- "move_out" is not a leaving: a staff move carries the books to the new enrollment (fees.carry_over).

The figures, per payer (the student, each sponsor): `share` is their part of the charges (balances_of's split, plus
any adjustment naming them), `paid` what they paid net of refunds. The school's keep `retained` is split between the
payers in proportion to their shares (the sponsors' parts to the cent, the student the remainder, so the parts add up
exactly). A payer is proposed `paid - retained` back when positive; otherwise `retained - paid` stays due. Amounts are
exact Decimals; cents only at the end (`cents`, half away from zero).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrollment.models import Enrollment, Hours, OutgoingEmail
from enrollment.notifications import EmailNotNeeded, notify, school_context, send_message
from enrollment.services import EnrollmentError, audit
from payments.models import (
    EntryKind,
    PaymentMethod,
    RefundEvent,
    RefundLine,
    RefundPolicy,
    RefundProposal,
    RefundRuleBasis,
    RefundStatus,
)
from payments.services.ledger import LARGEST_AMOUNT, Balance, _lock, append_entry, balance, cents

# The transitions settled by the policy, and the one settled by the graduate's credit.
E = RefundEvent
POLICY_EVENTS = frozenset({E.WITHDRAW, E.DID_NOT_COMPLETE, E.LAPSE_UNPAID})
COMPLETION_EVENTS = frozenset({E.COMPLETE})
# Ended without ever holding a seat (refused, or an offer or a signup that lapsed or was declined): whatever was paid
# in advance comes back in full; the policy's fee is for a seat held.
NO_SEAT_EVENTS = frozenset({E.REJECT, E.LAPSE_OFFER, E.DECLINE_OFFER, E.LAPSE_UNCONFIRMED})
ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PolicyAnswer:
    """What the policy gives an enrollment leaving now: the rule in words, the share refunded and the fee kept."""

    rule: str
    refund_percent: Decimal
    registration_fee: Decimal


@dataclass(frozen=True)
class PayerFigures:
    payer_id: int | None
    share: Decimal
    paid: Decimal
    retained: Decimal

    @property
    def proposed(self) -> Decimal:
        return max(self.paid - self.retained, ZERO)

    @property
    def still_due(self) -> Decimal:
        return max(self.retained - self.paid, ZERO)


@dataclass(frozen=True)
class Figures:
    charged: Decimal
    retained: Decimal
    payers: tuple[PayerFigures, ...]


def policy_answer(enrollment: Enrollment, *, now: datetime.datetime) -> PolicyAnswer:
    """The refund policy's answer for `enrollment` leaving at `now` (three queries: the policy with its rules, the
    hours attended)."""
    cohort = enrollment.cohort
    course = cohort.course
    policy = RefundPolicy.objects.for_course(course.pk)
    if policy is None:
        return PolicyAnswer(_("No refund policy on file: nothing is refunded unless staff adjust it."), ZERO, ZERO)
    days_before = (cohort.starts_on - timezone.localdate(now)).days
    attended = Enrollment.objects.filter(pk=enrollment.pk).with_hours().values_list("attended_minutes", flat=True).get()
    nominal_minutes = int(course.nominal_hours * 60)
    rule = policy.rule_for(days_before=days_before, attended_minutes=attended, nominal_minutes=nominal_minutes)
    if days_before > 0:
        where = ngettext(
            "Left %(days)s day before the first day.", "Left %(days)s days before the first day.", days_before
        ) % {"days": days_before}
    else:
        where = _("Left having attended %(done)s h of the course's %(hours)s h.") % {
            "done": Hours.text(attended),
            "hours": Hours.text(nominal_minutes),
        }
    if rule is None:
        return PolicyAnswer(f"{_('No rule applies: nothing is refunded.')} {where}", ZERO, policy.registration_fee)
    if rule.basis == RefundRuleBasis.BEFORE_START and days_before <= 0:  # a rule of 0 days: the first day
        where = _("Left on the first day.")
    return PolicyAnswer(f"{rule.sentence()} {where}", rule.refund_percent, policy.registration_fee)


def figures(books: Balance, *, refund_percent: Decimal, registration_fee: Decimal) -> Figures:
    """Who keeps and gets back what, from an enrollment's balance and the policy's answer (no query)."""
    owed = {p.payer.pk if p.payer else None: p.share + p.adjusted for p in books.payers}
    paid = {p.payer.pk if p.payer else None: p.paid - p.refunded for p in books.payers}
    charged = sum(owed.values(), ZERO)
    if charged <= 0:
        retained = ZERO
    else:
        fee = min(registration_fee, charged)
        retained = cents(fee + (charged - fee) * (HUNDRED - refund_percent) / HUNDRED)
    parts: dict[int | None, Decimal] = {}
    for payer_id, share in owed.items():
        if payer_id is not None:
            parts[payer_id] = cents(retained * share / charged) if charged > 0 else ZERO
    parts[None] = retained - sum(parts.values(), ZERO)
    payers = tuple(
        PayerFigures(payer_id, owed[payer_id], paid[payer_id], parts[payer_id])
        for payer_id in [None, *sorted(pk for pk in owed if pk is not None)]
        if owed[payer_id] or paid[payer_id] or parts[payer_id]
    )
    return Figures(charged, retained, payers)


def _write_lines(proposal: RefundProposal, found: Figures) -> None:
    proposal.charged, proposal.retained = found.charged, found.retained
    proposal.lines.all().delete()
    RefundLine.objects.bulk_create(
        RefundLine(
            proposal=proposal,
            payer_id=p.payer_id,
            share=p.share,
            paid=p.paid,
            retained=p.retained,
            proposed=p.proposed,
            still_due=p.still_due,
        )
        for p in found.payers
    )


def propose_refund(
    enrollment: Enrollment, event: str, actor: AbstractBaseUser | None, now: datetime.datetime
) -> RefundProposal | None:
    """The enrollment app's listener: when an enrollment with books leaves or completes, propose its settlement."""
    if event not in POLICY_EVENTS | COMPLETION_EVENTS | NO_SEAT_EVENTS:
        return None
    books = balance(enrollment)
    if not books.charged and not any(p.paid or p.refunded or p.adjusted for p in books.payers):
        return None
    if RefundProposal.objects.open().filter(enrollment=enrollment).exists():
        return None
    if event in COMPLETION_EVENTS:
        answer = PolicyAnswer(_("Completed the course: what was paid beyond the charges is given back."), ZERO, ZERO)
        # Nothing kept beyond the charges, nothing written off: only a credit is worth a proposal.
        found = figures(books, refund_percent=ZERO, registration_fee=ZERO)
        if not any(p.proposed for p in found.payers):
            return None
    elif event in NO_SEAT_EVENTS:
        answer = PolicyAnswer(_("Ended without a seat: everything paid comes back."), HUNDRED, ZERO)
        found = figures(books, refund_percent=HUNDRED, registration_fee=ZERO)
    else:
        answer = policy_answer(enrollment, now=now)
        found = figures(books, refund_percent=answer.refund_percent, registration_fee=answer.registration_fee)
    proposal = RefundProposal(
        enrollment=enrollment,
        event=event,
        rule=answer.rule[:300],
        refund_percent=answer.refund_percent,
        registration_fee=answer.registration_fee,
        proposed_at=now,
    )
    proposal.charged, proposal.retained = found.charged, found.retained
    proposal.save()
    _write_lines(proposal, found)
    audit(
        action="refund.proposed",
        enrollment=enrollment,
        actor=actor,
        data={
            "proposal": proposal.pk,
            "retained": str(found.retained),
            "refund": str(sum((p.proposed for p in found.payers), ZERO)),
        },
    )
    return proposal


def confirm_refund(
    *, proposal: RefundProposal, method: str, actor: AbstractBaseUser | None, reference: str = ""
) -> RefundProposal:
    """Settle a proposal as proposed: each payer's refund and the write-off of what the school does not keep."""
    return _settle(proposal=proposal, refunds=None, reason="", method=method, reference=reference, actor=actor)


def adjust_refund(
    *,
    proposal: RefundProposal,
    refunds: dict[int | None, Decimal],
    reason: str,
    method: str,
    actor: AbstractBaseUser | None,
    reference: str = "",
) -> RefundProposal:
    """Settle a proposal with other refunds than proposed (`refunds` by payer: a sponsor's pk, None for the student),
    with the reason. An adjusted payer's account is settled in full: what they are not given back is written off."""
    if not reason.strip():
        raise EnrollmentError(_("Say why the refund differs from the policy's."), code="reason_required")
    for amount in refunds.values():
        if not isinstance(amount, Decimal):
            raise TypeError("Money is a Decimal, never a float.")
        if amount < 0 or amount != cents(amount) or amount > LARGEST_AMOUNT:
            raise EnrollmentError(
                _("Enter each refund in dollars and cents, zero or more (e.g. 250.00)."), code="amount_invalid"
            )
    return _settle(
        proposal=proposal, refunds=refunds, reason=reason.strip(), method=method, reference=reference, actor=actor
    )


def _settle(
    *,
    proposal: RefundProposal,
    refunds: dict[int | None, Decimal] | None,
    reason: str,
    method: str,
    reference: str,
    actor: AbstractBaseUser | None,
) -> RefundProposal:
    if method not in PaymentMethod.values or method == PaymentMethod.ONLINE:
        raise EnrollmentError(_("Choose how the refund is paid."), code="method_invalid")
    stale = _settle_locked(
        proposal=proposal, refunds=refunds, reason=reason, method=method, reference=reference, actor=actor
    )
    if stale:
        # Raised after the commit that saved the figures worked out again, so staff read them before confirming.
        raise EnrollmentError(
            _(
                "A payment or a correction was recorded since this refund was proposed. The figures are worked out "
                "again: check them and confirm once more."
            ),
            code="refund_stale",
        )
    return RefundProposal.objects.get(pk=proposal.pk)


@transaction.atomic
def _settle_locked(
    *,
    proposal: RefundProposal,
    refunds: dict[int | None, Decimal] | None,
    reason: str,
    method: str,
    reference: str,
    actor: AbstractBaseUser | None,
) -> bool:
    """Post the settlement under the enrollment's lock, once; True (and nothing posted) when the ledger has changed
    since the proposal, whose figures are then written again."""
    enrollment = _lock(proposal.enrollment)
    proposal = RefundProposal.objects.get(pk=proposal.pk)
    if proposal.status != RefundStatus.PROPOSED:
        raise EnrollmentError(_("This refund has already been settled."), code="refund_settled")
    books = balance(enrollment)
    found = figures(books, refund_percent=proposal.refund_percent, registration_fee=proposal.registration_fee)
    lines = {line.payer_id: line for line in proposal.lines.select_related("payer")}
    stored = {pid: (line.share, line.paid, line.retained) for pid, line in lines.items()}
    if stored != {p.payer_id: (p.share, p.paid, p.retained) for p in found.payers}:
        _write_lines(proposal, found)
        proposal.save(update_fields=["charged", "retained"])
        return True
    if refunds is not None:
        unknown = set(refunds) - set(lines)
        if unknown:
            raise EnrollmentError(_("Refund only the payers of this enrollment."), code="amount_invalid")
        for payer_id, amount in refunds.items():
            if amount > lines[payer_id].paid:
                raise EnrollmentError(
                    _("%(payer)s paid %(paid)s: refund no more than that.")
                    % {"payer": lines[payer_id].payer_name, "paid": f"${lines[payer_id].paid:,.2f}"},
                    code="amount_invalid",
                )
    due_now = {p.payer.pk if p.payer else None: p.due for p in books.payers}
    now = timezone.now()
    for payer_id, line in lines.items():
        adjusted = refunds is not None and payer_id in refunds and refunds[payer_id] != line.proposed
        refund = refunds[payer_id] if adjusted else line.proposed
        still_due = ZERO if adjusted else line.still_due
        why = proposal.rule  # the student reads it on their payments page; an adjustment's reason stays internal
        if refund > 0:
            append_entry(
                enrollment=enrollment,
                kind=EntryKind.REFUND,
                amount=refund,
                description=_("Refund to %(who)s") % {"who": line.payer.name if line.payer else _("the student")},
                actor=actor,
                payer=line.payer,
                method=method,
                reference=reference,
                reason=why,
                at=now,
            )
        write_off = still_due - due_now.get(payer_id, ZERO) - refund
        if write_off:
            append_entry(
                enrollment=enrollment,
                kind=EntryKind.ADJUSTMENT,
                amount=write_off,
                description=_("Settled by the refund policy"),
                actor=actor,
                payer=line.payer,
                reason=why,
                at=now,
            )
        line.refund = refund
        line.save(update_fields=["refund"])
    changed = refunds is not None and any(refunds.get(pid, ln.proposed) != ln.proposed for pid, ln in lines.items())
    proposal.status = RefundStatus.ADJUSTED if changed else RefundStatus.CONFIRMED
    proposal.settled_at, proposal.settled_by = now, actor if actor is not None and actor.is_authenticated else None
    proposal.reason = reason[:300] if changed else ""
    proposal.save(update_fields=["status", "settled_at", "settled_by", "reason"])
    audit(
        action=f"refund.{proposal.status}",
        enrollment=enrollment,
        actor=actor,
        reason=proposal.reason,
        data={"proposal": proposal.pk, "refund": str(sum((line.refund for line in lines.values()), ZERO))},
    )
    if None in lines:  # the student had a part in the books: tell them how it was settled
        notify(enrollment, REFUND_SETTLED_EMAIL, about_id=proposal.pk)
    return False


REFUND_SETTLED_EMAIL = "refund_settled"


def send_refund_settled(email: OutgoingEmail) -> None:
    """The outbox's sender for a settled refund: what the student gets back, how, and what (if anything) stays due,
    from the ledger as it stands when the e-mail goes."""
    enrollment = email.enrollment
    proposal = RefundProposal.objects.filter(pk=email.about_id, enrollment=enrollment).first()
    line = proposal.lines.filter(payer=None).first() if proposal else None
    if line is None or line.refund is None:
        raise EmailNotNeeded("The refund has no settled part for the student.")
    entry = (
        enrollment.ledger.filter(kind=EntryKind.REFUND, payer=None, at=proposal.settled_at).order_by("pk").first()
        if line.refund
        else None
    )
    student = next(p for p in balance(enrollment).payers if p.payer is None)
    if not line.refund and student.due <= 0:
        raise EmailNotNeeded("Nothing comes back to the student and nothing stays due.")
    context = {
        "student": enrollment.student,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "refund": line.refund,
        "method": entry.get_method_display() if entry and entry.method else "",
        "due": max(student.due, ZERO),
        "payments_url": settings.SITE_URL + f"/my/{enrollment.token}/payments/",
        **school_context(),
    }
    subject = _("Your refund for %(code)s") % {"code": enrollment.cohort.code}
    send_message(email.recipient_email, subject, "payments/email/refund_settled", context)
