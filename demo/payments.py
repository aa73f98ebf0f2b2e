"""The demo school's money, made through the payments services as the office would: the running EMT cohort's
students pay part of their tuition, the Chicago Fire Department sponsors two of them, and one bounced check is
reversed. (The charges themselves were posted when each seat was confirmed.)"""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth.models import AbstractUser

from courses.models import Cohort
from enrollment.models import EnrollmentStatus
from payments import services
from payments.models import LedgerEntry, PaymentMethod, RefundProposal, Sponsor, SponsorKind, SponsorShare


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
    for enrollment in seated[2:]:
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


def delete(enrollments) -> None:
    """The demo reset: the ledger is append-only, so only this removes the demo enrollments' entries (a raw DELETE
    in the reset's transaction), then their refund proposals and sponsors' shares."""
    RefundProposal.objects.filter(enrollment__in=enrollments.values("pk")).delete()  # their lines go with them
    LedgerEntry.objects.filter(enrollment__in=enrollments.values("pk"))._raw_delete(LedgerEntry.objects.db)
    SponsorShare.objects.filter(enrollment__in=enrollments.values("pk")).delete()
