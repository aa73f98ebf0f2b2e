"""The demo school's money, made through the payments services as the office would: the running EMT cohort's
students pay part of their tuition, the Chicago Fire Department sponsors two of them, and one bounced check is
reversed. A WIOA training account and the GI Bill pay for two more (whose attendance gives the clock-hour report its
figures). (The charges themselves were posted when each seat was confirmed.) The cohort has a three-payment plan and a
deposit; three of its students are on the plan (one of them behind), and one owes the deposit."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db.models import F
from django.utils import timezone

from courses.models import Cohort
from enrollment.models import EnrollmentStatus
from enrollment.services import EnrollmentError
from payments import services
from payments.models import (
    DepositRule,
    DueRule,
    Instalment,
    LedgerEntry,
    PaymentMethod,
    PaymentPlan,
    PlanStep,
    RefundProposal,
    Sponsor,
    SponsorInvoice,
    SponsorKind,
    SponsorShare,
)
from payments.services.deposits import deposit_when_seated


def build(cohort: Cohort, *, staff: AbstractUser, rng: random.Random) -> None:
    seated = list(cohort.enrollments.filter(status=EnrollmentStatus.ENROLLED).order_by("pk"))
    fire, _ = Sponsor.objects.get_or_create(
        name="Chicago Fire Department",
        defaults={"kind": SponsorKind.EMPLOYER, "contact_name": "Training Division", "phone": "(312) 555-0177"},
    )
    for enrollment in seated[:2]:
        SponsorShare.objects.get_or_create(enrollment=enrollment, sponsor=fire, defaults={"percent": Decimal(100)})
        services.record_payment(
            enrollment=enrollment, amount=Decimal("1495.00"), method=PaymentMethod.SPONSOR, payer=fire, actor=staff
        )
    wioa, _ = Sponsor.objects.get_or_create(
        name="Chicago Cook Workforce Partnership",
        defaults={
            "kind": SponsorKind.WIOA,
            "contact_name": "WIOA training accounts",
            "email": "wioa@workforce.example",
            "phone": "(312) 555-0188",
        },
    )
    gi_bill, _ = Sponsor.objects.get_or_create(
        name="U.S. Department of Veterans Affairs (GI Bill)",
        defaults={"kind": SponsorKind.GI_BILL, "contact_name": "School certifying official", "phone": "(888) 442-4551"},
    )
    clock_hour_students = seated[4:6]
    for enrollment, sponsor, share in zip(
        clock_hour_students, [wioa, gi_bill], [{"amount": Decimal("1000.00")}, {"percent": Decimal(100)}], strict=False
    ):
        SponsorShare.objects.get_or_create(enrollment=enrollment, sponsor=sponsor, defaults=share)
    if clock_hour_students:
        services.record_payment(
            enrollment=clock_hour_students[0],
            amount=Decimal("500.00"),
            method=PaymentMethod.CHECK,
            payer=wioa,
            reference="WIOA-2207",
            actor=staff,
        )
        # The Partnership's invoice for the cohort, as the office issues one a week into a cohort.
        services.issue_invoice(sponsor=wioa, cohort=cohort, actor=staff)
    for enrollment in seated[2:]:
        if enrollment in clock_hour_students:
            continue
        if rng.random() < 0.8:
            amount = Decimal(rng.choice([250, 500, 750, 1495]))
            payment = services.record_payment(
                enrollment=enrollment,
                amount=amount,
                method=rng.choice([PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.CARD_TERMINAL]),
                reference=f"{rng.randint(1000, 9999)}",
                actor=staff,
            )
            if enrollment is seated[3]:
                services.reverse_entry(entry=payment, reason="The check was returned unpaid.", actor=staff)
    build_plans(cohort, seated, staff=staff)


def build_plans(cohort: Cohort, seated: list, *, staff: AbstractUser) -> None:
    """The cohort's plan (a third at once, a third two weeks before the start, the rest 60 days in) and its deposit
    ($250 within 5 days of enrolling), both the cohort's own so a reset takes them away with it. Three students are
    put on the plan by staff (one of them behind), and one who has paid nothing owes the deposit, as if just seated."""
    plan = PaymentPlan.objects.create(name="Three payments", course=cohort.course, cohort=cohort)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.33"), due=DueRule.AFTER_ENROLLING, days=0)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.33"), due=DueRule.BEFORE_START, days=14)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.34"), due=DueRule.AFTER_ENROLLING, days=60)
    DepositRule.objects.create(course=cohort.course, cohort=cohort, amount=Decimal("250.00"), days=5)
    on_plan = seated[2:5]
    for enrollment in on_plan:
        try:
            services.apply_plan(enrollment=enrollment, plan=plan, actor=staff)
        except EnrollmentError:
            continue  # paid up or sponsored: nothing to pay in instalments
    # The running cohort started weeks ago: as if the first student not paid up had been put on the plan then, their
    # dates move back until the next instalment fell due three weeks ago (the order of the instalments kept).
    statuses = services.payment_status_of([e.pk for e in on_plan])
    behind = next((status for status in statuses.values() if status.next_due is not None), None)
    if behind is not None:
        shift = behind.next_due.instalment.due_on - (timezone.localdate() - datetime.timedelta(days=21))
        Instalment.objects.filter(enrollment_id=behind.enrollment_id).update(due_on=F("due_on") - shift)
    # The first of the students paying for themselves with nothing paid (a bounced check counts as nothing).
    balances = services.balances_of([e.pk for e in seated[2:]])
    unpaid = next((e for e in seated[2:] if not balances[e.pk].paid), None)
    if unpaid is not None:
        deposit_when_seated(unpaid, now=timezone.now())


def delete(enrollments) -> None:
    """The demo reset: the ledger is append-only, so only this removes the demo enrollments' entries (a raw DELETE
    in the reset's transaction), then their sponsors' shares, and the invoices issued for their cohorts (kept as
    issued, like the ledger), and their refund proposals. (Instalments and deposits go with the enrollments.)"""
    SponsorInvoice.objects.filter(cohort__in=enrollments.values("cohort"))._raw_delete(SponsorInvoice.objects.db)
    RefundProposal.objects.filter(enrollment__in=enrollments.values("pk")).delete()  # their lines go with them
    LedgerEntry.objects.filter(enrollment__in=enrollments.values("pk"))._raw_delete(LedgerEntry.objects.db)
    SponsorShare.objects.filter(enrollment__in=enrollments.values("pk")).delete()
