"""Seats under contention, on a real PostgreSQL server: threads race behind a barrier, as a signup rush would."""

import time

import pytest
from django.db import connection, transaction

from courses.models import Cohort
from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus, Student
from tests.factories import make_cohort, student_details

S = EnrollmentStatus

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need a database server: run with DATABASE_URL=postgres://... (CI does)",
    ),
]


def test_fifty_signups_for_ten_seats_seat_exactly_ten_in_arrival_order(race):
    cohort = make_cohort(capacity=10)
    people = [student_details(email=f"rush{i}@example.com") for i in range(50)]

    errors = race(50, lambda i: services.request_seat(cohort=cohort, student=people[i]))

    assert errors == []
    enrollments = list(Enrollment.objects.filter(cohort=cohort).order_by("pk"))
    seated = [e for e in enrollments if e.status == S.ENROLLED]
    waiting = [e for e in enrollments if e.status == S.WAITLISTED]
    assert (len(seated), len(waiting)) == (10, 40)
    # Arrival order is the order in which the cohort lock was taken: the first ten got seats, the rest queue behind.
    assert max(e.created_at for e in seated) <= min(e.created_at for e in waiting)
    assert [e.pk for e in sorted(waiting, key=lambda e: e.waitlisted_at)] == [e.pk for e in waiting]
    assert sorted(services.waitlist_position(e) for e in waiting) == list(range(1, 41))


def test_two_withdrawals_at_once_make_two_offers_never_one_seat_twice(race):
    cohort = make_cohort(capacity=2)
    seated = [services.request_seat(cohort=cohort, student=student_details()) for _ in range(2)]
    waiting = [services.request_seat(cohort=cohort, student=student_details()) for _ in range(3)]

    errors = race(2, lambda i: services.withdraw(enrollment=seated[i]))

    assert errors == []
    statuses = dict(Enrollment.objects.filter(pk__in=[e.pk for e in waiting]).values_list("pk", "status"))
    assert [statuses[e.pk] for e in waiting] == [S.OFFERED, S.OFFERED, S.WAITLISTED]
    assert Enrollment.objects.seat_holding().filter(cohort=cohort).count() == 2


def test_negative_control_without_the_lock_overbooks(race):
    """The same count-then-write without select_for_update: proves the race is real, so the lock is what stops it."""
    cohort = make_cohort(capacity=10)
    people = [student_details(email=f"naive{i}@example.com") for i in range(40)]

    def naive_request_seat(i: int) -> None:
        with transaction.atomic():
            locked_not = Cohort.objects.get(pk=cohort.pk)  # no select_for_update: nothing serialises the writers
            taken = Enrollment.objects.seat_holding().filter(cohort=locked_not).count()
            time.sleep(0.05)  # the window between count and write that real traffic hits now and then
            details = people[i]
            student = Student.objects.create(
                first_name=details.first_name,
                last_name=details.last_name,
                email=details.email,
                date_of_birth=details.date_of_birth,
            )
            Enrollment.objects.create(
                student=student, cohort=locked_not, status=S.ENROLLED if taken < cohort.capacity else S.WAITLISTED
            )

    errors = race(40, naive_request_seat)

    assert errors == []
    assert Enrollment.objects.filter(cohort=cohort, status=S.ENROLLED).count() > cohort.capacity


def test_one_new_person_signing_up_twice_at_once_is_one_student(race):
    """Both requests find no student and write one; the loser of that race retries and finds the winner's."""
    one, two = make_cohort(capacity=5), make_cohort(capacity=5)
    person = student_details(email="twice@example.com")
    outcomes: list[str] = []

    def sign_up(i: int) -> None:
        try:
            services.request_seat(cohort=[one, one, two][i], student=person)
            outcomes.append("seated")
        except services.EnrollmentError as error:
            outcomes.append(error.code)

    errors = race(3, sign_up)

    assert errors == []
    assert sorted(outcomes) == ["already_enrolled", "seated", "seated"]
    assert Student.objects.filter(email="twice@example.com").count() == 1
    assert Enrollment.objects.filter(student__email="twice@example.com").count() == 2
