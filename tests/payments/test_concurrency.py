"""Two staff recording payments at once, on PostgreSQL: each payment is its own appended entry under the
enrollment's lock, so none is lost and the balance is their sum. (No negative control: an append-only ledger with a
derived balance has no read-modify-write to lose; the test guards that it stays so.) Staff confirming the same refund
at once: the enrollment's lock lets one settle it, the others are told it is settled, and it is posted once."""

from decimal import Decimal

import pytest
from django.db import connection

from enrollment import services as enrollment_services
from enrollment.services import EnrollmentError
from payments import services
from payments.models import LedgerEntry, RefundProposal, RefundStatus
from tests.factories import make_cohort, make_course, make_refund_policy, student_details

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


def test_a_refund_confirmed_by_five_staff_at_once_is_posted_once(race):
    make_refund_policy()
    enrollment = enrollment_services.request_seat(
        cohort=make_cohort(course=make_course(tuition=Decimal("1050.00"))), student=student_details(), confirmed=True
    )
    services.record_payment(enrollment=enrollment, amount=Decimal("1050.00"), method="cash", actor=None)
    enrollment_services.withdraw(enrollment=enrollment)
    proposal = RefundProposal.objects.get(enrollment=enrollment)
    refused = []

    def confirm(i: int) -> None:
        try:
            services.confirm_refund(proposal=proposal, method="check", actor=None)
        except EnrollmentError as error:
            refused.append(error.code)

    assert race(5, confirm) == []
    assert refused == ["refund_settled"] * 4
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundStatus.CONFIRMED
    assert list(LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").values_list("amount", flat=True)) == [
        Decimal("1000.00")
    ]
    assert services.balance(enrollment).due == 0
