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


def test_deposits_paid_while_two_lapse_jobs_run_are_never_lapsed_after_the_payment(race):
    """Two minute jobs and six students paying their deposits, all at once: each seat is decided again under the
    cohort's lock, so a seat lapses only if its deposit was unpaid when it lapsed (a payment that waited for the lapse
    comes after it), and no seat lapses twice."""
    import datetime

    import time_machine
    from django.utils import timezone

    from enrollment.models import AuditEvent, EnrollmentStatus
    from payments.models import DepositRule

    course = make_course(tuition=Decimal("1500.00"))
    DepositRule.objects.create(course=course, amount=Decimal("250.00"), days=3)
    cohort = make_cohort(course=course, capacity=20)
    seats = [
        enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True) for _ in range(6)
    ]
    later = timezone.now() + datetime.timedelta(days=5)

    def work(i: int) -> None:
        if i < 2:
            services.lapse_unpaid_deposits(now=later)
        else:
            services.record_payment(enrollment=seats[i - 2], amount=Decimal("250.00"), method="cash", actor=None)

    with time_machine.travel(later, tick=True):
        assert race(8, work) == []
    for enrollment in seats:
        enrollment.refresh_from_db()
        lapses = AuditEvent.objects.filter(enrollment=enrollment, action="enrollment.lapsed_unpaid")
        payment = LedgerEntry.objects.get(enrollment=enrollment, kind="payment")
        if enrollment.status == EnrollmentStatus.LAPSED:
            assert lapses.count() == 1
            assert payment.at > lapses.get().at
        else:
            assert enrollment.status == EnrollmentStatus.ENROLLED and not lapses.exists()


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
