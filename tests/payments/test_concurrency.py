"""Two staff recording payments at once, on PostgreSQL: each payment is its own appended entry under the
enrollment's lock, so none is lost and the balance is their sum. (No negative control: an append-only ledger with a
derived balance has no read-modify-write to lose; the test guards that it stays so.)"""

from decimal import Decimal

import pytest
from django.db import connection

from enrollment import services as enrollment_services
from payments import services
from payments.models import LedgerEntry
from tests.factories import make_cohort, make_course, student_details

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need a database server (CI runs it)"),
]


def test_twenty_payments_recorded_at_once_are_all_kept(race):
    enrollment = enrollment_services.request_seat(
        cohort=make_cohort(course=make_course(tuition=Decimal("2000.00"))), student=student_details(), confirmed=True
    )

    def pay(i: int) -> None:
        services.record_payment(enrollment=enrollment, amount=Decimal("50.00"), method="cash", actor=None)

    assert race(20, pay) == []
    assert LedgerEntry.objects.filter(enrollment=enrollment, kind="payment").count() == 20
    assert services.balance(enrollment).due == Decimal("1000.00")
