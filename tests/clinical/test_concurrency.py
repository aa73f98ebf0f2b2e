"""Shift places under contention on PostgreSQL: twenty students booking a three-place shift at once."""

import pytest
from django.db import connection, transaction

from clinical import services
from clinical.models import Booking, Shift
from enrollment.services import EnrollmentError

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need a database server: run with DATABASE_URL=postgres://... (CI does)",
    ),
]


def test_twenty_students_booking_three_places_get_exactly_three(clinic, race):
    shift = clinic.shift(capacity=3)
    students = [clinic.student() for _ in range(20)]
    refusals: list[str] = []

    def book(i: int) -> None:
        try:
            services.book_shift(shift=shift, enrollment=students[i])
        except EnrollmentError as error:
            refusals.append(error.code)

    assert race(20, book) == []
    assert Booking.objects.live().filter(shift=shift).count() == 3
    assert refusals == ["shift_full"] * 17


def test_negative_control_counting_without_the_lock_overbooks(clinic, race):
    """The same count-then-write without locking the shift: the race is real, so the lock is what stops it."""
    shift = clinic.shift(capacity=3)
    students = [clinic.student() for _ in range(20)]

    def naive_book(i: int) -> None:
        with transaction.atomic():
            Shift.objects.get(pk=shift.pk)  # read, not locked
            if Booking.objects.live().filter(shift=shift).count() < shift.capacity:
                Booking.objects.create(shift=shift, enrollment=students[i])

    for _attempt in range(5):
        Booking.objects.filter(shift=shift).delete()
        assert race(20, naive_book) == []
        if Booking.objects.filter(shift=shift).count() > 3:
            return
    pytest.fail("20 unlocked bookers never overbooked a 3-place shift in 5 tries: the race is not being exercised")
