"""The optional deposit: fixed when the seat's charges are posted, warned about 3 and 1 days before its last day, and,
unpaid after it, the seat lapses through the one transition step and passes to the waitlist in order."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from enrollment import services as enrollment_services
from enrollment.models import AuditEvent, Enrollment, EnrollmentStatus, OutgoingEmail
from enrollment.notifications import deliver
from payments import services
from payments.models import (
    Deposit,
    DepositRule,
    PaymentMethod,
    RefundProposal,
    RefundStatus,
    Sponsor,
    SponsorKind,
    SponsorShare,
)
from tests.factories import make_cohort, make_course, make_refund_policy, student_details

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
S = EnrollmentStatus


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=CHICAGO), tick=False) as traveller:
        yield traveller


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2027, 3, day, hour, 0, tzinfo=CHICAGO)


@pytest.fixture
def course():
    course = make_course(tuition=Decimal("1500.00"))
    DepositRule.objects.create(course=course, amount=Decimal("250.00"), days=5)
    return course


@pytest.fixture
def cohort(course):
    return make_cohort(course=course, capacity=2, starts_on=datetime.date(2027, 4, 15))


def seated(cohort, **kwargs):
    return enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True, **kwargs)


def pay(enrollment, amount: str):
    return services.record_payment(enrollment=enrollment, amount=Decimal(amount), method=PaymentMethod.CASH, actor=None)


def test_a_seat_is_given_its_deposit_and_last_day_when_charged_and_a_cohort_rule_wins(course, cohort):
    enrollment = seated(cohort)
    assert (enrollment.deposit.amount, enrollment.deposit.due_on) == (Decimal("250.00"), datetime.date(2027, 3, 6))
    other = make_cohort(course=course)
    DepositRule.objects.create(course=course, cohort=other, amount=Decimal("100.00"), days=2)
    assert seated(other).deposit.amount == Decimal("100.00")
    assert services.deposit_rule_for(cohort).amount == Decimal("250.00")
    assert not Deposit.objects.filter(enrollment__cohort__course=make_course(slug="emr")).exists()


def test_a_deposit_lapse_passes_the_seat_on_in_order(cohort, clock):
    paid, unpaid = seated(cohort), seated(cohort)
    first_waiting, second_waiting = seated(cohort), seated(cohort)
    assert [e.status for e in (first_waiting, second_waiting)] == [S.WAITLISTED, S.WAITLISTED]
    pay(paid, "250.00")
    clock.move_to(at(6, 23))  # the last day: not yet
    assert services.lapse_unpaid_deposits() == 0
    clock.move_to(at(7, 0))
    assert services.lapse_unpaid_deposits() == 1
    assert services.lapse_unpaid_deposits() == 0
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert statuses[paid.pk] == S.ENROLLED
    assert statuses[unpaid.pk] == S.LAPSED
    assert statuses[first_waiting.pk] == S.OFFERED  # the first in line, not the second
    assert statuses[second_waiting.pk] == S.WAITLISTED
    event = AuditEvent.objects.get(enrollment=unpaid, action="enrollment.lapsed_unpaid")
    assert (event.from_status, event.to_status, event.actor) == (S.ENROLLED, S.LAPSED, None)
    assert "not paid by Mar 6, 2027" in event.reason
    lapsed_email = OutgoingEmail.objects.get(enrollment=unpaid, kind="deposit_lapsed")
    mail.outbox.clear()
    assert deliver(lapsed_email.pk) == "sent"
    assert "has lapsed" in mail.outbox[0].subject and "$250.00" in mail.outbox[0].body
    assert OutgoingEmail.objects.filter(enrollment=first_waiting, kind="offered").exists()


def test_the_lapsed_students_status_page_says_why(client, cohort, clock):
    enrollment = seated(cohort)
    clock.move_to(at(7))
    services.lapse_unpaid_deposits()
    page = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Your seat has lapsed." in page and "The deposit of $250.00 was not paid by Mar 6, 2027." in page
    assert "Your offer has lapsed" not in page


def test_a_sponsor_covering_the_seat_or_a_part_payment_of_the_share_keeps_it(course, cohort, clock):
    sponsored, part_paid, short = seated(cohort), seated(cohort), seated(make_cohort(course=course))
    fire = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=sponsored, sponsor=fire, percent=Decimal(100))
    # A sponsor pays all but $100: the student's $100 is all the deposit asks of them.
    SponsorShare.objects.create(enrollment=part_paid, sponsor=fire, amount=Decimal("1400.00"))
    pay(part_paid, "100.00")
    pay(short, "249.99")
    clock.move_to(at(8))
    assert services.lapse_unpaid_deposits() == 1
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert (statuses[sponsored.pk], statuses[part_paid.pk], statuses[short.pk]) == (S.ENROLLED, S.ENROLLED, S.LAPSED)


def test_staff_may_move_one_students_deadline(cohort, clock):
    enrollment = seated(cohort)
    Deposit.objects.filter(enrollment=enrollment).update(due_on=datetime.date(2027, 3, 20))
    clock.move_to(at(10))
    assert services.lapse_unpaid_deposits() == 0


def test_warnings_go_3_and_1_days_before_the_last_day_once_each_and_not_once_paid(cohort, clock):
    warned, paying = seated(cohort), seated(cohort)
    assert services.send_payment_reminders() == 0  # 5 days out
    clock.move_to(at(3))
    assert services.send_payment_reminders() == 2
    assert services.send_payment_reminders() == 0
    pay(paying, "250.00")
    clock.move_to(at(5))
    assert services.send_payment_reminders() == 1
    sent = sorted(OutgoingEmail.objects.filter(kind__startswith="deposit").values_list("enrollment_id", "kind"))
    assert sent == sorted([(warned.pk, "deposit_due_3"), (paying.pk, "deposit_due_3"), (warned.pk, "deposit_due_1")])
    mail.outbox.clear()
    assert deliver(OutgoingEmail.objects.get(kind="deposit_due_1").pk) == "sent"
    assert "keep your seat" in mail.outbox[0].subject and "by Mar 6, 2027" in mail.outbox[0].body
    # The warning queued before the deposit was paid is not sent, and the outbox says so.
    assert deliver(OutgoingEmail.objects.get(enrollment=paying, kind="deposit_due_3").pk) == "not_needed"
    assert len(mail.outbox) == 1


def test_the_student_sees_the_deposit_and_instalments_on_their_pages(client, cohort):
    enrollment = seated(cohort)
    card = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Pay your deposit of $250.00 by Mar 6, 2027 to keep your seat." in card
    page = client.get(f"/my/{enrollment.token}/payments/").content.decode()
    assert "Pay a deposit of $250.00 by Mar 6, 2027 to keep your seat." in page
    pay(enrollment, "250.00")
    page = client.get(f"/my/{enrollment.token}/payments/").content.decode()
    assert "Your deposit of $250.00 is paid" in page


def test_a_lapsed_seat_is_settled_by_the_refund_policy_so_it_owes_nothing_for_the_seat_it_lost(cohort, clock):
    # The school's default policy (data migration): before the first day everything but the registration fee comes
    # back. A student who paid part of the deposit and lost the seat is proposed that back, less the fee, and once
    # staff confirm it the charges of the lost seat are written off: nothing stays due.
    make_refund_policy()
    unpaid = seated(cohort)
    pay(unpaid, "100.00")
    clock.move_to(at(7, 0))
    assert services.lapse_unpaid_deposits() == 1
    proposal = RefundProposal.objects.get(enrollment=unpaid)
    assert (proposal.event, proposal.status) == ("lapse_unpaid", RefundStatus.PROPOSED)
    student = proposal.lines.get(payer=None)
    fee = proposal.registration_fee
    assert fee > 0 and student.proposed == Decimal("100.00") - fee and student.still_due == 0
    services.confirm_refund(proposal=proposal, method=PaymentMethod.CHECK, actor=None)
    assert services.balance(unpaid).due == 0
