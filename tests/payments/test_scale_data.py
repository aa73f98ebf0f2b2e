"""The scale data set has books: the seated enrollments' charges, payments and some sponsors' shares."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from enrollment.models import Enrollment, EnrollmentStatus
from payments.models import EntryKind, LedgerEntry, SponsorShare
from payments.services import balances_of

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
    # Nobody else has books: no charge for a withdrawn or waitlisted seat.
    assert not LedgerEntry.objects.filter(enrollment__in=scale.exclude(pk__in=seated.values("pk"))).exists()
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
    LedgerEntry.objects.filter(enrollment__student__email__endswith=SCALE)._raw_delete(LedgerEntry.objects.db)
    SponsorShare.objects.filter(enrollment__student__email__endswith=SCALE).delete()
    assert charges.count() < before[0]
    call_command("seed_scale", verbosity=0)
    assert (charges.count(), SponsorShare.objects.count()) == before
    entries = LedgerEntry.objects.count()
    call_command("seed_scale", verbosity=0)  # built: a second run adds nothing
    assert LedgerEntry.objects.count() == entries
