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
from payments.models import EntryKind, Fee, FeeKind, LedgerEntry
from payments.services.ledger import append_entry


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
    """The enrollment app's listener: post the seat's charges once it is enrolled and confirmed, once."""
    if enrollment.status != EnrollmentStatus.ENROLLED or enrollment.confirmed_at is None:
        return
    if LedgerEntry.objects.filter(enrollment=enrollment, kind=EntryKind.CHARGE).exists():
        return
    for description, amount in fees_for(enrollment.cohort):
        append_entry(
            enrollment=enrollment,
            kind=EntryKind.CHARGE,
            amount=amount,
            description=description,
            actor=actor,
            at=now,
        )
