"""Payment plans: instalments written when a seat's charges are posted (or by staff), what is paid of each derived
from the ledger, the reminders before and after they fall due, and the overdue flags on the roster and seat board."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment import services as enrollment_services
from enrollment.models import AuditEvent, EmailStatus, OutgoingEmail
from enrollment.notifications import deliver
from enrollment.portal import build_roster
from enrollment.services import EnrollmentError
from payments import services
from payments.models import (
    DueRule,
    Instalment,
    PaymentMethod,
    PaymentPlan,
    PlanStep,
    Sponsor,
    SponsorKind,
    SponsorShare,
)
from payments.services import InstalmentState
from tests.factories import make_cohort, make_course, student_details

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
START = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=CHICAGO)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def refused(code: str, call, **kwargs) -> EnrollmentError:
    with pytest.raises(EnrollmentError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.fixture
def course():
    return make_course(tuition=Decimal("1500.00"))


@pytest.fixture
def cohort(course):
    return make_cohort(course=course, starts_on=datetime.date(2027, 4, 15), ends_on=datetime.date(2027, 7, 1))


def three_payments(course, cohort=None, **overrides) -> PaymentPlan:
    """A third now-ish, a third two weeks before the start, the rest on a fixed date."""
    plan = PaymentPlan.objects.create(name=overrides.pop("name", "Three payments"), course=course, cohort=cohort)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.33"), due=DueRule.AFTER_ENROLLING, days=7)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.33"), due=DueRule.BEFORE_START, days=14)
    PlanStep.objects.create(plan=plan, percent=Decimal("33.34"), due=DueRule.ON_DATE, due_on=datetime.date(2027, 5, 1))
    return plan


def seated(cohort, **kwargs):
    return enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True, **kwargs)


def instalments(enrollment) -> list[tuple[datetime.date, Decimal]]:
    return list(Instalment.objects.filter(enrollment=enrollment).values_list("due_on", "amount"))


def states(enrollment, today=None) -> list[tuple[str, Decimal]]:
    status = services.payment_status_of([enrollment.pk], today=today)[enrollment.pk]
    return [(line.state, line.paid) for line in status.instalments]


def pay(enrollment, amount: str, **kwargs):
    return services.record_payment(
        enrollment=enrollment, amount=Decimal(amount), method=PaymentMethod.CASH, actor=None, **kwargs
    )


# --- the plan, applied -------------------------------------------------------------------------------------------


def test_a_seat_gets_its_course_plan_when_charged_and_the_instalments_add_up_to_the_share(course, cohort):
    three_payments(course)
    enrollment = seated(cohort)
    assert instalments(enrollment) == [
        (datetime.date(2027, 3, 8), Decimal("499.95")),  # 7 days after enrolling
        (datetime.date(2027, 4, 1), Decimal("499.95")),  # 14 days before the start
        (datetime.date(2027, 5, 1), Decimal("500.10")),  # the fixed date takes what is left
    ]
    assert sum(amount for _day, amount in instalments(enrollment)) == Decimal("1500.00")
    assert AuditEvent.objects.filter(enrollment=enrollment, action="payments.plan_applied").count() == 1


def test_a_cohort_plan_wins_over_the_course_plan_and_a_manual_plan_is_never_applied_by_itself(course, cohort):
    three_payments(course)
    own = PaymentPlan.objects.create(name="Two payments", course=course, cohort=cohort)
    PlanStep.objects.create(plan=own, amount=Decimal("500.00"), due=DueRule.AFTER_ENROLLING, days=0)
    PlanStep.objects.create(plan=own, amount=Decimal("1.00"), due=DueRule.BEFORE_START, days=0)
    assert instalments(seated(cohort)) == [
        (datetime.date(2027, 3, 1), Decimal("500.00")),
        (datetime.date(2027, 4, 15), Decimal("1000.00")),
    ]
    other = make_cohort(course=course, starts_on=datetime.date(2027, 4, 15))
    PaymentPlan.objects.filter(pk=own.pk).update(cohort=other, applies_automatically=False)
    PaymentPlan.objects.filter(cohort__isnull=True).update(applies_automatically=False)
    assert instalments(seated(other)) == []


def test_a_due_date_already_past_when_enrolling_falls_due_on_the_day_of_enrolling(course):
    late = make_cohort(course=course, starts_on=datetime.date(2027, 3, 10))
    three_payments(course)
    assert [day for day, _amount in instalments(seated(late))][:2] == [
        datetime.date(2027, 3, 1),
        datetime.date(2027, 3, 8),
    ]


def test_fixed_amounts_larger_than_the_share_are_cut_to_it(course, cohort):
    plan = PaymentPlan.objects.create(name="Big first", course=course)
    PlanStep.objects.create(plan=plan, amount=Decimal("2000.00"), due=DueRule.AFTER_ENROLLING, days=1)
    PlanStep.objects.create(plan=plan, amount=Decimal("100.00"), due=DueRule.AFTER_ENROLLING, days=30)
    assert instalments(seated(cohort)) == [(datetime.date(2027, 3, 2), Decimal("1500.00"))]


def test_the_plan_splits_only_the_students_share_and_a_fully_sponsored_seat_has_no_instalments(course, cohort):
    three_payments(course)
    fire = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    enrollment = seated(cohort)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=fire, amount=Decimal("900.00"))
    services.apply_plan(enrollment=enrollment, plan=PaymentPlan.objects.get(), actor=None)
    assert sum(amount for _day, amount in instalments(enrollment)) == Decimal("600.00")
    SponsorShare.objects.filter(enrollment=enrollment).update(amount=Decimal("1500.00"))
    refused("nothing_to_plan", services.apply_plan, enrollment=enrollment, plan=PaymentPlan.objects.get(), actor=None)
    assert len(instalments(enrollment)) == 3  # unchanged by the refused call


def test_staff_put_one_enrollment_on_a_plan_of_its_course_only(course, cohort):
    enrollment = seated(cohort)
    assert instalments(enrollment) == []
    plan = three_payments(course)
    PaymentPlan.objects.filter(pk=plan.pk).update(applies_automatically=False)
    made = services.apply_plan(enrollment=enrollment, plan=plan, actor=None)
    assert len(made) == 3
    services.apply_plan(enrollment=enrollment, plan=plan, actor=None)
    assert len(instalments(enrollment)) == 3  # replaced, not added
    elsewhere = three_payments(make_course(slug="paramedic"))
    refused("plan_not_for_course", services.apply_plan, enrollment=enrollment, plan=elsewhere, actor=None)
    empty = PaymentPlan.objects.create(name="Empty", course=course)
    refused("plan_empty", services.apply_plan, enrollment=enrollment, plan=empty, actor=None)


# --- what is paid of each instalment ------------------------------------------------------------------------------


def test_payments_go_to_the_earliest_instalment_first_and_late_ones_are_overdue(course, cohort, clock):
    three_payments(course)
    enrollment = seated(cohort)
    D, P, PP, LATE = InstalmentState.DUE, InstalmentState.PAID, InstalmentState.PART_PAID, InstalmentState.OVERDUE
    assert states(enrollment) == [(D, 0), (D, 0), (D, 0)]
    pay(enrollment, "600.00")
    assert states(enrollment) == [(P, Decimal("499.95")), (PP, Decimal("100.05")), (D, 0)]
    clock.move_to(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=CHICAGO))
    assert states(enrollment) == [(P, Decimal("499.95")), (LATE, Decimal("100.05")), (D, 0)]
    status = services.payment_status_of([enrollment.pk])[enrollment.pk]
    assert status.overdue_amount == Decimal("399.90") and status.is_overdue
    # A reversed payment (a bounced check) takes its money back off the instalments.
    services.reverse_entry(entry=pay(enrollment, "900.00"), reason="Check returned.", actor=None)
    assert states(enrollment)[1][0] == LATE
    pay(enrollment, "900.00")
    assert [state for state, _paid in states(enrollment)] == [P, P, P]


def test_a_sponsors_share_added_later_lowers_what_is_left_on_the_latest_instalments(course, cohort):
    three_payments(course)
    enrollment = seated(cohort)
    fire = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=fire, amount=Decimal("1000.10"))
    lines = services.payment_status_of([enrollment.pk])[enrollment.pk].instalments
    assert [line.left for line in lines] == [Decimal("499.90"), Decimal(0), Decimal(0)]


def test_the_status_of_many_enrollments_takes_the_same_queries_as_of_one(course, cohort):
    three_payments(course)
    first = seated(cohort)
    with CaptureQueriesContext(connection) as one:
        services.payment_status_of([first.pk])
    many = [seated(cohort) for _ in range(6)]
    for enrollment in many[:3]:
        pay(enrollment, "700.00")
    with CaptureQueriesContext(connection) as several:
        statuses = services.payment_status_of([first.pk, *(e.pk for e in many)])
    assert len(several) == len(one) == 4
    assert len(statuses) == 7


# --- reminders ------------------------------------------------------------------------------------------------------


def kinds_sent() -> list[tuple[str, int]]:
    return sorted(OutgoingEmail.objects.filter(kind__startswith="instalment").values_list("kind", "about_id"))


def test_reminders_go_7_and_1_days_before_and_once_overdue_and_never_twice(course, cohort, clock):
    three_payments(course)
    enrollment = seated(cohort)
    first, second, _third = Instalment.objects.filter(enrollment=enrollment).order_by("due_on")
    # Enrolled on Mar 1, the first falls due Mar 8: within the 7-day reminder at once.
    assert services.send_payment_reminders() == 1
    assert services.send_payment_reminders() == 0
    clock.move_to(datetime.datetime(2027, 3, 7, 8, 0, tzinfo=CHICAGO))
    assert services.send_payment_reminders() == 1
    clock.move_to(datetime.datetime(2027, 3, 9, 8, 0, tzinfo=CHICAGO))
    assert services.send_payment_reminders() == 1
    assert services.send_payment_reminders() == 0
    assert kinds_sent() == [
        ("instalment_due_1", first.pk),
        ("instalment_due_7", first.pk),
        ("instalment_overdue", first.pk),
    ]
    # Paid up to the second: only the third is reminded, when its time comes.
    pay(enrollment, "999.90")
    clock.move_to(datetime.datetime(2027, 4, 2, 8, 0, tzinfo=CHICAGO))
    assert services.send_payment_reminders() == 0
    assert not OutgoingEmail.objects.filter(about_id=second.pk, kind__startswith="instalment").exists()
    clock.move_to(datetime.datetime(2027, 4, 25, 8, 0, tzinfo=CHICAGO))
    assert services.send_payment_reminders() == 1


def test_a_student_who_left_is_not_reminded(course, cohort, clock):
    three_payments(course)
    enrollment = seated(cohort)
    enrollment_services.withdraw(enrollment=enrollment)
    clock.move_to(datetime.datetime(2027, 3, 20, 8, 0, tzinfo=CHICAGO))
    assert services.send_payment_reminders() == 0


def test_the_reminder_e_mail_says_what_is_left_and_when(course, cohort, clock):
    three_payments(course)
    enrollment = seated(cohort)
    pay(enrollment, "100.00")
    mail.outbox.clear()
    clock.move_to(datetime.datetime(2027, 3, 10, 8, 0, tzinfo=CHICAGO))
    services.send_payment_reminders()
    email = OutgoingEmail.objects.get(kind="instalment_overdue")
    assert deliver(email.pk) == "sent"
    [message] = mail.outbox
    assert message.to == [enrollment.student.email]
    assert "overdue" in message.subject and cohort.code in message.subject
    assert "$399.95" in message.body and "Mar 8, 2027" in message.body
    assert f"/my/{enrollment.token}/payments/" in message.body


# --- where staff and instructors see it -----------------------------------------------------------------------------


def test_the_roster_and_the_seat_board_flag_students_behind_on_payments(course, cohort, clock, admin_client):
    three_payments(course)
    late, on_time = seated(cohort), seated(cohort)
    pay(on_time, "499.95")
    clock.move_to(datetime.datetime(2027, 3, 10, 8, 0, tzinfo=CHICAGO))
    notes = {row.enrollment.pk: [n.text for n in row.notes if "Payment" in n.text] for row in build_roster(cohort).rows}
    assert notes[late.pk] == ["Payment overdue: $499.95 since Mar 8"]
    assert notes[on_time.pk] == []
    board = admin_client.get("/admin/courses/cohort/").content.decode()
    assert "1 student behind on payments" in board


def test_the_seat_board_finds_each_late_students_cohort_with_the_candidates(course, cohort, clock, admin_client):
    three_payments(course)
    other = make_cohort(course=course, capacity=5)
    for late in (cohort, cohort, other):
        seated(late)
    clock.move_to(datetime.datetime(2027, 3, 10, 8, 0, tzinfo=CHICAGO))
    admin_client.get("/admin/courses/cohort/")
    with CaptureQueriesContext(connection) as queries:
        board = admin_client.get("/admin/courses/cohort/").content.decode()
    assert "2 students behind on payments" in board and "1 student behind on payments" in board
    # One query reads the enrollments with something overdue, and their cohorts with them (not again afterwards).
    sql = [q["sql"] for q in queries.captured_queries]
    reads = [q for q in sql if q.startswith('SELECT DISTINCT "enrollment_enrollment"')]
    assert len(reads) == 1 and '"enrollment_enrollment"."cohort_id"' in reads[0], reads
    assert not [q for q in sql if q.startswith('SELECT "enrollment_enrollment"."id"')]


def test_the_overdue_report_lists_each_overdue_payment_and_exports_it(course, cohort, clock, admin_client):
    three_payments(course)
    late = seated(cohort)
    pay(late, "100.00")
    seated(cohort)
    clock.move_to(datetime.datetime(2027, 3, 10, 8, 0, tzinfo=CHICAGO))
    page = admin_client.get("/admin/payments/instalment/overdue/")
    assert page.status_code == 200
    assert "2 overdue payments of seated students, $899.90 in all." in page.content.decode()
    csv = admin_client.get("/admin/payments/instalment/overdue.csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Last name,First name,E-mail,Phone,Cohort,What,Due on,Amount,Paid,Left to pay,Days overdue"
    assert sorted(line.split(",", 5)[5] for line in lines[1:]) == [
        "Instalment,2027-03-08,499.95,0.00,499.95,2",
        "Instalment,2027-03-08,499.95,100.00,399.95,2",
    ]


def test_only_staff_who_may_see_instalments_get_the_report(client, django_user_model):
    assert client.get("/admin/payments/instalment/overdue/").status_code == 302  # to the login page
    clerk = django_user_model.objects.create_user("clerk", password="pw-for-tests-123", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/payments/instalment/overdue/").status_code == 403
    assert client.get("/admin/payments/instalment/overdue.csv").status_code == 403


def test_the_status_card_gives_the_next_payment_while_the_seat_is_held(client, course, cohort):
    three_payments(course)
    enrollment = seated(cohort)
    pay(enrollment, "100.00")
    card = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Next payment: $399.95 by Mar 8, 2027." in card
    page = client.get(f"/my/{enrollment.token}/payments/").content.decode()
    assert "Your payment plan" in page and "Part paid" in page
    enrollment_services.withdraw(enrollment=enrollment)
    assert "Next payment" not in client.get(enrollment.get_absolute_url()).content.decode()


def test_a_reminder_queued_before_the_payment_arrived_is_not_sent(course, cohort, clock):
    three_payments(course)
    enrollment = seated(cohort)
    services.send_payment_reminders()
    pay(enrollment, "499.95")
    mail.outbox.clear()
    assert deliver(OutgoingEmail.objects.get(kind="instalment_due_7").pk) == "not_needed"
    assert mail.outbox == []
    # The outbox tells staff it was not sent, and why; it is not tried again.
    email = OutgoingEmail.objects.get(kind="instalment_due_7")
    assert (email.status, email.sent_at) == (EmailStatus.NOT_NEEDED, None)
    assert "paid after this reminder was queued" in email.last_error
    assert deliver(email.pk) == "skipped"


def test_staff_put_an_enrollment_on_a_plan_from_its_ledger(course, cohort, client, django_user_model):
    from django.contrib.auth.models import Group

    from tests.factories import make_groups

    make_groups()
    office = django_user_model.objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    office.groups.add(Group.objects.get(name="Staff"))
    client.force_login(office)
    enrollment = seated(cohort)
    plan = three_payments(course)
    ledger = client.get(f"/admin/payments/ledgerentry/?enrollment__id__exact={enrollment.pk}").content.decode()
    assert f"/admin/payments/instalment/plan/{enrollment.pk}/" in ledger
    assert f"/admin/payments/ledgerentry/pay/{enrollment.pk}/" in ledger
    for spoiled in ["²", "\x00", "9" * 40]:
        response = client.get("/admin/payments/ledgerentry/", {"enrollment__id__exact": spoiled})
        assert response.status_code < 500 and "/instalment/plan/" not in response.content.decode()
    other = three_payments(make_course(slug="paramedic"))
    refused = client.post(f"/admin/payments/instalment/plan/{enrollment.pk}/", {"plan": other.pk})
    assert refused.status_code == 200 and not instalments(enrollment)  # not a choice for this course
    done = client.post(f"/admin/payments/instalment/plan/{enrollment.pk}/", {"plan": plan.pk})
    assert done.status_code == 302
    assert len(instalments(enrollment)) == 3
    assert AuditEvent.objects.get(enrollment=enrollment, action="payments.plan_applied").actor == office


def test_a_plan_or_deposit_for_a_cohort_of_another_course_is_refused(course, cohort):
    from django.core.exceptions import ValidationError

    from payments.models import DepositRule

    other = make_course(slug="paramedic")
    for rule in (PaymentPlan(name="Wrong", course=other, cohort=cohort), DepositRule(course=other, cohort=cohort)):
        with pytest.raises(ValidationError) as caught:
            rule.clean()
        assert "cohort" in caught.value.message_dict
    PaymentPlan(name="Right", course=course, cohort=cohort).clean()


def test_the_overdue_report_shows_fifty_a_page_with_the_count_and_total_of_all(course, clock, admin_client):
    three_payments(course)
    big = make_cohort(course=course, code="EMT-BIG", capacity=60, starts_on=datetime.date(2027, 3, 22))
    for _ in range(51):
        seated(big)
    clock.move_to(datetime.datetime(2027, 3, 10, 8, 0, tzinfo=CHICAGO))  # two instalments each overdue: 102 rows
    first = admin_client.get("/admin/payments/instalment/overdue/").content.decode()
    assert "102 overdue payments of seated students, $50,994.90 in all." in first
    assert first.count("Record a payment") == 50 and "Page 1 of 3" in first and "?p=2" in first
    last = admin_client.get("/admin/payments/instalment/overdue/", {"p": "3"}).content.decode()
    assert last.count("Record a payment") == 2 and "102 overdue payments" in last
    for spoiled in ["x", "0", "9" * 30]:
        assert admin_client.get("/admin/payments/instalment/overdue/", {"p": spoiled}).status_code == 200
    assert len(admin_client.get("/admin/payments/instalment/overdue.csv").content.decode().splitlines()) == 103
