"""What a seat costs: the course's tuition and fees, a cohort's overrides, posted as charges once the seat is
confirmed (an enrolled student who has opened the e-mailed link, or whom staff added)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import gettext as _

from courses.models import Cohort
from enrollment.models import Enrollment, EnrollmentStatus
from payments.models import EntryKind, Fee, FeeKind, LedgerEntry, SponsorShare
from payments.services.deposits import deposit_when_seated
from payments.services.ledger import append_entry
from payments.services.plans import plan_when_seated


def fees_for(cohort: Cohort) -> list[tuple[str, Decimal]]:
    """(description, amount) for a seat in `cohort`: tuition first (the course's, or the cohort's override), then the
    course's other fees, a cohort's fee of the same name replacing the course's. Free items are left out."""
    course = cohort.course
    fees = list(Fee.objects.filter(Q(course_id=course.pk, cohort__isnull=True) | Q(cohort_id=cohort.pk)))
    tuition = course.tuition
    others: dict[str, Decimal] = {}
    for fee in sorted(fees, key=lambda f: f.cohort_id is not None):  # the cohort's overrides last, so they win
        if fee.kind == FeeKind.TUITION:
            tuition = fee.amount
        else:
            others[fee.name] = fee.amount
    items = [(_("Tuition: %(course)s") % {"course": course.title}, tuition)]
    items += sorted(others.items())
    return [(name, amount) for name, amount in items if amount > 0]


def charge_when_seated(
    enrollment: Enrollment, event: str, actor: AbstractBaseUser | None, now: datetime.datetime
) -> None:
    """The enrollment app's listener: post the seat's charges once it is enrolled and confirmed, once; then its payment
    plan's instalments and its deposit's last day, if its cohort or course has them."""
    if enrollment.status != EnrollmentStatus.ENROLLED or enrollment.confirmed_at is None:
        return
    if LedgerEntry.objects.filter(enrollment=enrollment).exists():
        return
    if enrollment.moved_from_id and LedgerEntry.objects.filter(enrollment_id=enrollment.moved_from_id).exists():
        carry_over(source_id=enrollment.moved_from_id, to=enrollment, actor=actor, now=now)
    else:
        for description, amount in fees_for(enrollment.cohort):
            append_entry(
                enrollment=enrollment,
                kind=EntryKind.CHARGE,
                amount=amount,
                description=description,
                actor=actor,
                at=now,
            )
    plan_when_seated(enrollment, actor=actor, now=now)
    deposit_when_seated(enrollment, now=now)


def carry_over(*, source_id: int, to: Enrollment, actor: AbstractBaseUser | None, now: datetime.datetime) -> None:
    """A staff move carries the books to the new enrollment: every entry of the old one that stands (neither a
    reversal nor reversed) is reversed there and posted again on the new one, and the sponsors' shares follow. The old
    enrollment nets to zero; the new cohort's own fees are not charged again (staff post a difference by hand)."""
    source = Enrollment.objects.select_related("cohort").get(pk=source_id)
    standing = (
        LedgerEntry.objects.filter(enrollment_id=source_id, reverses__isnull=True, reversed_by__isnull=True)
        .select_related("payer")
        .order_by("at", "pk")
    )
    for entry in standing:
        append_entry(
            enrollment=source,
            kind=entry.kind,
            amount=-entry.amount,
            description=_("Moved to %(cohort)s: %(what)s") % {"cohort": to.cohort.code, "what": entry.description},
            actor=actor,
            payer=entry.payer,
            method=entry.method,
            reason=_("Moved to %(cohort)s") % {"cohort": to.cohort.code},
            reverses=entry,
            at=now,
        )
        append_entry(
            enrollment=to,
            kind=entry.kind,
            amount=entry.amount,
            description=_("%(what)s (moved from %(cohort)s)")
            % {"what": entry.description, "cohort": source.cohort.code},
            actor=actor,
            payer=entry.payer,
            method=entry.method,
            reference=entry.reference,
            at=now,
        )
    for share in SponsorShare.objects.filter(enrollment_id=source_id):
        SponsorShare.objects.get_or_create(
            enrollment=to, sponsor_id=share.sponsor_id, defaults={"amount": share.amount, "percent": share.percent}
        )
