"""The scale data set has books: the seated enrollments' charges, payments and some sponsors' shares; and the money's
papers: plans with instalments (some overdue), deposits, refunds of withdrawn seats (settled, and some in the queue),
sponsors' invoices and the online payments' checkouts, each consistent with the books."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from enrollment.models import Enrollment, EnrollmentStatus
from payments.models import (
    CheckoutAttempt,
    CheckoutStatus,
    Deposit,
    EntryKind,
    Instalment,
    LedgerEntry,
    PaymentMethod,
    RefundLine,
    RefundProposal,
    RefundStatus,
    SponsorInvoice,
    SponsorShare,
)
from payments.services import balances_of
from payments.services.plans import payment_status_of

pytestmark = pytest.mark.django_db

SCALE = "@scale.example.org"


def build() -> None:
    call_command("seed_demo", verbosity=0)
    call_command("seed_scale", students=1000, cohorts=60, attendance=2000, attempts=2000, verbosity=0)


def test_seed_scale_charges_every_seated_enrollment_and_records_payments():
    build()
    scale = Enrollment.objects.filter(student__email__endswith=SCALE)
    seated = scale.filter(
        status__in=[EnrollmentStatus.COMPLETED, EnrollmentStatus.DID_NOT_COMPLETE, EnrollmentStatus.ENROLLED]
    )
    charged = set(LedgerEntry.objects.filter(kind=EntryKind.CHARGE).values_list("enrollment_id", flat=True))
    assert set(seated.values_list("pk", flat=True)) <= charged
    # Nobody else has books but a withdrawn seat settled by a refund: no charge for a waitlisted or rejected seat.
    refunded = RefundProposal.objects.values("enrollment")
    others = scale.exclude(pk__in=seated.values("pk")).exclude(pk__in=refunded)
    assert not LedgerEntry.objects.filter(enrollment__in=others).exists()
    assert SponsorShare.objects.filter(enrollment__in=seated).count() >= seated.count() // 10
    graduates = list(seated.filter(status=EnrollmentStatus.COMPLETED).values_list("pk", flat=True))
    balances = balances_of(graduates)
    assert graduates
    assert all(balances[pk].charged > 0 and balances[pk].due == Decimal(0) for pk in graduates)
    current = list(seated.filter(status=EnrollmentStatus.ENROLLED).values_list("pk", flat=True))
    assert any(balances_of(current)[pk].due > 0 for pk in current)


def test_seed_scale_adds_the_books_to_a_data_set_built_without_them():
    build()
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE)
    before = (charges.count(), SponsorShare.objects.count())
    papers = (Instalment.objects.count(), RefundProposal.objects.count(), SponsorInvoice.objects.count())
    remove_the_books()
    assert charges.count() < before[0]
    call_command("seed_scale", verbosity=0)
    assert (charges.count(), SponsorShare.objects.count()) == before
    # The same papers (the sponsors' shares fall on other seats, so the invoices' count may differ by a few).
    assert (Instalment.objects.count(), RefundProposal.objects.count()) == papers[:2]
    assert SponsorInvoice.objects.count() >= papers[2] * 9 // 10
    entries = LedgerEntry.objects.count()
    call_command("seed_scale", verbosity=0)  # built: a second run adds nothing
    assert LedgerEntry.objects.count() == entries


def remove_the_books() -> None:
    """Take the books and the money's papers out of the scale data, as a data set built before them would be (the
    append-only tables are emptied the way only a test may)."""
    scale = {"enrollment__student__email__endswith": SCALE}
    CheckoutAttempt.objects.filter(**scale)._raw_delete(CheckoutAttempt.objects.db)
    RefundLine.objects.filter(proposal__enrollment__student__email__endswith=SCALE).delete()
    RefundProposal.objects.filter(**scale).delete()
    SponsorInvoice.objects.filter(sponsor__name__startswith="Scale sponsor")._raw_delete(SponsorInvoice.objects.db)
    Instalment.objects.filter(**scale).delete()
    Deposit.objects.filter(**scale).delete()
    LedgerEntry.objects.filter(**scale)._raw_delete(LedgerEntry.objects.db)
    SponsorShare.objects.filter(**scale).delete()


def test_seed_scale_adds_the_papers_to_a_data_set_with_books_but_none():
    build()
    scale = {"enrollment__student__email__endswith": SCALE}
    counts = (Instalment.objects.count(), Deposit.objects.count(), RefundProposal.objects.count())
    invoices, checkouts = SponsorInvoice.objects.count(), CheckoutAttempt.objects.count()
    CheckoutAttempt.objects.filter(**scale)._raw_delete(CheckoutAttempt.objects.db)
    RefundLine.objects.filter(proposal__enrollment__student__email__endswith=SCALE).delete()
    withdrawn = RefundProposal.objects.filter(**scale).values("enrollment")
    LedgerEntry.objects.filter(enrollment__in=withdrawn)._raw_delete(LedgerEntry.objects.db)
    RefundProposal.objects.filter(**scale).delete()
    SponsorInvoice.objects.filter(sponsor__name__startswith="Scale sponsor")._raw_delete(SponsorInvoice.objects.db)
    Instalment.objects.filter(**scale).delete()
    Deposit.objects.filter(**scale).delete()
    call_command("seed_scale", verbosity=0)
    assert (Instalment.objects.count(), Deposit.objects.count(), RefundProposal.objects.count()) == counts
    assert (SponsorInvoice.objects.count(), CheckoutAttempt.objects.count()) == (invoices, checkouts)


def test_seed_scale_puts_a_third_of_the_seats_on_a_plan_some_behind_and_deposits_that_are_paid():
    build()
    today = timezone.localdate()
    on_plan = list(
        Instalment.objects.filter(enrollment__student__email__endswith=SCALE)
        .order_by()
        .values_list("enrollment_id", flat=True)
        .distinct()
    )
    seated = Enrollment.objects.filter(
        student__email__endswith=SCALE,
        status__in=[EnrollmentStatus.COMPLETED, EnrollmentStatus.DID_NOT_COMPLETE, EnrollmentStatus.ENROLLED],
    )
    assert seated.count() // 4 <= len(on_plan) <= seated.count() // 2
    statuses = payment_status_of(on_plan)
    # Every plan adds up to the student's share of the charges.
    for pk in on_plan[:50]:
        owed = LedgerEntry.objects.filter(enrollment_id=pk, kind=EntryKind.CHARGE).aggregate(t=Sum("amount"))["t"]
        planned = Instalment.objects.filter(enrollment_id=pk).aggregate(t=Sum("amount"))["t"]
        assert planned in {owed, owed - (owed / 2).quantize(Decimal("0.01"))}
    assert any(status.overdue for status in statuses.values()), "some current students are behind"
    graduates = set(seated.filter(status=EnrollmentStatus.COMPLETED).values_list("pk", flat=True))
    assert not any(statuses[pk].is_overdue for pk in graduates & set(on_plan)), "graduates paid in full"
    deposits = list(
        Deposit.objects.filter(enrollment__student__email__endswith=SCALE).select_related("enrollment__cohort")
    )
    assert deposits
    depositors = payment_status_of([d.enrollment_id for d in deposits])
    assert all(depositors[d.enrollment_id].deposit_paid for d in deposits), "a deposit job run here lapses nobody"
    assert all(
        d.enrollment.status == EnrollmentStatus.ENROLLED and d.enrollment.cohort.starts_on > today for d in deposits
    )


def test_seed_scale_settles_withdrawn_seats_by_the_policy_and_leaves_some_in_the_queue():
    build()
    proposals = RefundProposal.objects.filter(enrollment__student__email__endswith=SCALE)
    assert proposals.filter(status=RefundStatus.CONFIRMED).exists()
    assert proposals.filter(status=RefundStatus.PROPOSED).exists()
    assert not proposals.exclude(enrollment__status=EnrollmentStatus.WITHDRAWN).exists()
    settled = list(proposals.filter(status=RefundStatus.CONFIRMED).values_list("enrollment_id", flat=True))
    # Settled books net to what the school keeps beyond what was paid: nothing is due but a kept share unpaid.
    balances = balances_of(settled)
    for proposal in proposals.filter(status=RefundStatus.CONFIRMED).prefetch_related("lines")[:100]:
        line = proposal.lines.get()
        assert line.refund == line.proposed
        assert balances[proposal.enrollment_id].due == line.still_due
        assert line.paid - line.refund + line.still_due == proposal.retained


def test_seed_scale_issues_sponsor_invoices_from_the_shares_and_checkouts_for_online_payments():
    build()
    invoices = SponsorInvoice.objects.filter(sponsor__name__startswith="Scale sponsor")
    assert invoices.exists()
    for invoice in invoices[:50]:
        shares = SponsorShare.objects.filter(
            sponsor=invoice.sponsor, enrollment__cohort=invoice.cohort, enrollment__student__email__endswith=SCALE
        )
        assert {row["enrollment"] for row in invoice.rows()} <= set(shares.values_list("enrollment_id", flat=True))
        assert invoice.total_due == invoice.totals()["due"]
    online = LedgerEntry.objects.filter(method=PaymentMethod.ONLINE, enrollment__student__email__endswith=SCALE)
    assert online.exists()
    checkouts = CheckoutAttempt.objects.filter(status=CheckoutStatus.PAID, enrollment__student__email__endswith=SCALE)
    assert checkouts.count() == online.count()
    assert all(c.amount == -c.entry.amount for c in checkouts.select_related("entry")[:50])
