"""The scale data set has clinical shifts, bookings and contacts in the demo school's proportions."""

import pytest
from django.core.management import call_command

from clinical.models import Booking, PatientContact, Shift

pytestmark = pytest.mark.django_db


def test_seed_scale_adds_shifts_bookings_and_contacts():
    call_command("seed_demo", verbosity=0)
    demo = (Shift.objects.count(), Booking.objects.count(), PatientContact.objects.count())
    call_command("seed_scale", students=1000, cohorts=60, attendance=2000, verbosity=0)
    shifts = Shift.objects.count() - demo[0]
    bookings = Booking.objects.count() - demo[1]
    contacts = PatientContact.objects.count() - demo[2]
    assert shifts > 100
    assert bookings == 3 * shifts  # every shift booked to its three places
    signed = Booking.objects.filter(signed_at__isnull=False, shift__site__name__startswith="Scale").count()
    assert contacts == 2 * signed  # two contacts on every finished shift
    assert 0 < signed < bookings  # some shifts are still ahead
