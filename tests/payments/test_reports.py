"""Staff's money reports: balances due per cohort, payments by month, and the WIOA / GI Bill clock hours per week."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from enrollment import services as enrollment_services
from enrollment.models import Enrollment
from enrollment.services import AttendanceEntry
from payments import services
from payments.models import Sponsor, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, student_details

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def chicago(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CHICAGO)


def seated(cohort, last_name: str = "Rivera") -> Enrollment:
    return enrollment_services.request_seat(cohort=cohort, student=student_details(last_name=last_name), confirmed=True)


# --- balances due per cohort ------------------------------------------------------------------------------------


@pytest.fixture
def books():
    """Two cohorts of a $1,000 course: in the first a WIOA student (60% sponsored, part paid, a refund) and a student
    who paid in full; in the second a student who has paid nothing."""
    course = make_course(tuition=Decimal("1000.00"))
    first, second = make_cohort(course=course, code="EMT-A"), make_cohort(course=course, code="EMT-B")
    wioa = Sponsor.objects.create(name="Chicago Cook Workforce Partnership", kind=SponsorKind.WIOA)
    sponsored, paid_up = seated(first, "Adams"), seated(first, "Baker")
    unpaid = seated(second, "Clark")
    SponsorShare.objects.create(enrollment=sponsored, sponsor=wioa, percent=Decimal("60"))
    pay = services.record_payment
    pay(enrollment=sponsored, amount=Decimal("250.00"), method="check", payer=wioa, actor=None)
    pay(enrollment=sponsored, amount=Decimal("100.00"), method="cash", actor=None)
    services.record_refund(enrollment=sponsored, amount=Decimal("20.00"), method="cash", reason="Overpaid", actor=None)
    pay(enrollment=paid_up, amount=Decimal("1000.00"), method="card", actor=None)
    return {"first": first, "second": second, "sponsored": sponsored, "paid_up": paid_up, "unpaid": unpaid}


def test_balances_per_cohort_split_what_is_due_between_students_and_sponsors(books):
    rows, total = services.balances_by_cohort()
    by_code = {row.cohort.code: row.money for row in rows}
    first = by_code["EMT-A"]
    assert (first.enrollments, first.charged, first.paid) == (2, Decimal("2000.00"), Decimal("1330.00"))
    # The student of the sponsored seat owes 400 - 100 + 20 refunded; the sponsor 600 - 250.
    assert (first.student_due, first.sponsors_due, first.due) == (Decimal("320.00"), Decimal("350.00"), Decimal("670"))
    second = by_code["EMT-B"]
    assert (second.charged, second.paid, second.student_due, second.sponsors_due) == (
        Decimal("1000.00"),
        Decimal("0"),
        Decimal("1000.00"),
        Decimal("0"),
    )
    assert (total.enrollments, total.charged, total.paid, total.due) == (3, Decimal("3000"), Decimal("1330"), 1670)
    # The report agrees with each enrollment's balance, entry by entry.
    assert total.due == sum(services.balance(e).due for e in Enrollment.objects.all())


def test_a_reversed_charge_leaves_the_cohort_owing_nothing_for_it(books):
    charge = books["unpaid"].ledger.get(kind="charge")
    services.reverse_entry(entry=charge, reason="Charged in error", actor=None)
    rows, _total = services.balances_by_cohort()
    second = next(row.money for row in rows if row.cohort.code == "EMT-B")
    assert (second.charged, second.due) == (Decimal("0"), Decimal("0"))


def test_one_cohorts_balances_per_enrollment_add_up_to_its_row(books):
    rows, total = services.balances_in_cohort(books["first"])
    assert [row.enrollment.student.last_name for row in rows] == ["Adams", "Baker"]
    assert [(row.money.student_due, row.money.sponsors_due) for row in rows] == [
        (Decimal("320.00"), Decimal("350.00")),
        (Decimal("0.00"), Decimal("0")),
    ]
    assert total.due == Decimal("670.00")


def test_the_balance_reports_run_a_fixed_number_of_queries(books, django_assert_num_queries):
    with django_assert_num_queries(4):
        services.balances_by_cohort()
    for _ in range(3):
        extra = seated(books["first"])
        services.record_payment(enrollment=extra, amount=Decimal("5.00"), method="cash", actor=None)
        seated(make_cohort(course=books["first"].course))
    with django_assert_num_queries(4):
        rows, _total = services.balances_by_cohort()
    assert len(rows) == 5
    with django_assert_num_queries(3):
        services.balances_in_cohort(books["first"])


# --- payments by month ------------------------------------------------------------------------------------------


def test_payments_by_month_follow_chicago_months_and_net_reversals(books):
    enrollment = books["unpaid"]
    pay = services.record_payment
    # 11:30 pm on January 31 in Chicago is already February 1 in UTC: it is January's money.
    pay(enrollment=enrollment, amount=Decimal("100.00"), method="cash", at=chicago(2027, 1, 31, 23, 30), actor=None)
    pay(enrollment=enrollment, amount=Decimal("200.00"), method="check", at=chicago(2027, 2, 1, 0, 30), actor=None)
    with time_machine.travel(chicago(2027, 2, 15, 10), tick=False):
        mistake = pay(enrollment=enrollment, amount=Decimal("50.00"), method="cash", actor=None)
        services.reverse_entry(entry=mistake, reason="Typed twice", actor=None)
        services.record_refund(enrollment=enrollment, amount=Decimal("30.00"), method="cash", reason="x", actor=None)
    months, methods, totals = services.payments_by_month()
    got = {row.month: (row.by_method, row.total) for row in months}
    assert got[datetime.date(2027, 1, 1)] == ({"cash": Decimal("100.00")}, Decimal("100.00"))
    assert got[datetime.date(2027, 2, 1)] == ({"cash": Decimal("0.00"), "check": Decimal("200.00")}, Decimal("200"))
    assert [value for value, _label in methods] == ["cash", "check", "card"]
    # The fixture's payments (this month) and these: every payment counted once, refunds never.
    assert totals.total == Decimal("1350.00") + Decimal("300.00")
    assert months[0].month > months[-1].month  # newest first
    # From a month on: 11:30 pm on January 31 in Chicago is not February's, whatever UTC says.
    recent, _methods, _totals = services.payments_by_month(since=datetime.date(2027, 2, 14))
    assert datetime.date(2027, 1, 1) not in {row.month for row in recent}
    assert datetime.date(2027, 2, 1) in {row.month for row in recent}


def test_payments_by_month_is_one_query(books, django_assert_num_queries):
    with django_assert_num_queries(1):
        services.payments_by_month()


# --- clock hours ------------------------------------------------------------------------------------------------


@pytest.fixture
def attendance():
    """A WIOA student and a GI Bill student in one cohort, an employer-sponsored classmate, and a GI Bill student in
    another cohort; three evenings around the turn of January into February 2027, one of them late on a Sunday."""
    with time_machine.travel(chicago(2027, 1, 4, 9), tick=False):
        course = make_course(tuition=Decimal("1200.00"))
        cohort = make_cohort(course=course, code="EMT-WK", starts_on=datetime.date(2027, 1, 25))
        other = make_cohort(course=course, code="EMT-OTHER", starts_on=datetime.date(2027, 1, 25))
        wioa = Sponsor.objects.create(name="Workforce Partnership", kind=SponsorKind.WIOA)
        gi = Sponsor.objects.create(name="VA GI Bill", kind=SponsorKind.GI_BILL)
        employer = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
        ana, ben, cat = seated(cohort, "Ana"), seated(cohort, "Ben"), seated(cohort, "Cat")
        dan = seated(other, "Dan")
    for enrollment, sponsor in [(ana, wioa), (ben, gi), (cat, employer), (dan, gi)]:
        SponsorShare.objects.create(enrollment=enrollment, sponsor=sponsor, amount=Decimal("500.00"))
    sessions = [
        # Tuesday January 26, 6-10 pm; Sunday January 31 at 11 pm to 1 am (Monday 5 am UTC); Tuesday February 2.
        cohort.sessions.create(starts_at=chicago(2027, 1, 26, 18), ends_at=chicago(2027, 1, 26, 22), topic="A"),
        cohort.sessions.create(starts_at=chicago(2027, 1, 31, 23), ends_at=chicago(2027, 2, 1, 1), topic="Night"),
        cohort.sessions.create(starts_at=chicago(2027, 2, 2, 18), ends_at=chicago(2027, 2, 2, 22), topic="B"),
    ]
    dan_session = other.sessions.create(
        starts_at=chicago(2027, 2, 2, 18), ends_at=chicago(2027, 2, 2, 22), topic="Elsewhere"
    )
    marks = [
        [("present", 240), ("late", 180), ("present", 240)],  # Ben arrives an hour late
        [("present", 120), ("absent", 0), ("present", 120)],  # Ben misses the Sunday night
        [("absent", 0), ("present", 240), ("present", 240)],  # Ana misses February 2
    ]
    with time_machine.travel(chicago(2027, 2, 10, 9), tick=False):
        for session, row in zip(sessions, marks, strict=True):
            enrollment_services.record_attendance(
                session=session,
                entries=[
                    AttendanceEntry(enrollment=e, status=status, minutes=minutes)
                    for e, (status, minutes) in zip([ana, ben, cat], row, strict=True)
                ],
                actor=None,
            )
        enrollment_services.record_attendance(
            session=dan_session, entries=[AttendanceEntry(enrollment=dan, status="present", minutes=90)], actor=None
        )
    return {"cohort": cohort, "wioa": wioa, "gi": gi, "employer": employer, "ana": ana, "ben": ben, "cat": cat}


def test_clock_hours_of_a_cohorts_wioa_and_gi_bill_students_per_chicago_week(attendance):
    report = services.clock_hours(cohort=attendance["cohort"])
    # The Sunday 11 pm class is in the week of Monday January 25, though it is Monday in UTC; that week runs into
    # February.
    assert report.weeks == [datetime.date(2027, 1, 25), datetime.date(2027, 2, 1)]
    rows = {row.enrollment.student.last_name: row for row in report.students}
    assert set(rows) == {"Ana", "Ben"}  # the employer's student is not a clock-hour student
    assert rows["Ana"].weekly == ["6", "0"]  # 4 h + 2 h, then absent
    assert rows["Ben"].weekly == ["3", "4"]  # 3 h after arriving late, absent on Sunday, then 4 h
    assert (rows["Ana"].total, rows["Ben"].total) == ("6", "7")
    assert report.week_totals() == ["9", "4"]
    assert report.total == "13"


def test_clock_hours_agree_with_the_enrollment_apps_attended_minutes(attendance):
    report = services.clock_hours(cohort=attendance["cohort"])
    attended = dict(Enrollment.objects.with_hours().values_list("pk", "attended_minutes"))
    for row in report.students:
        assert row.total_minutes == attended[row.enrollment.pk]


def test_a_sponsors_clock_hours_cover_only_its_own_students(attendance):
    report = services.clock_hours(sponsor=attendance["gi"])
    assert [(row.enrollment.student.last_name, row.total) for row in report.students] == [
        ("Dan", "1.5"),
        ("Ben", "7"),
    ]  # by cohort code
    assert report.week_totals() == ["3", "5.5"]
    employer = services.clock_hours(sponsor=attendance["employer"])
    assert [(row.enrollment.student.last_name, row.weekly) for row in employer.students] == [("Cat", ["6", "4"])]


def test_clock_hours_run_two_queries_whatever_the_attendance(attendance, django_assert_num_queries):
    with django_assert_num_queries(2):
        services.clock_hours(cohort=attendance["cohort"])
    with django_assert_num_queries(2):
        services.clock_hours(sponsor=attendance["gi"])
