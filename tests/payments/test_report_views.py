"""The back office's money reports and sponsor papers: who may see them, what they show, their CSV and PDF."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from pypdf import PdfReader

from courses.models import INSTRUCTORS_GROUP
from enrollment import services as enrollment_services
from enrollment.models import Enrollment
from enrollment.services import AttendanceEntry
from payments import services
from payments.models import Sponsor, SponsorInvoice, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def school():
    """A cohort with a GI Bill student (half sponsored, who attended one late evening) and a self-paying classmate."""
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=CHICAGO), tick=False):
        course = make_course(tuition=Decimal("1200.00"))
        cohort = make_cohort(course=course, code="EMT-REP")
        gi = Sponsor.objects.create(name="VA GI Bill", kind=SponsorKind.GI_BILL, email="gi@va.example")
        veteran = enrollment_services.request_seat(
            cohort=cohort, student=student_details(first_name="Vera", last_name="Veteran"), confirmed=True
        )
        payer = enrollment_services.request_seat(
            cohort=cohort, student=student_details(first_name="Pat", last_name="=Payer"), confirmed=True
        )
        SponsorShare.objects.create(enrollment=veteran, sponsor=gi, percent=Decimal("50"))
        services.record_payment(enrollment=veteran, amount=Decimal("200.00"), method="check", payer=gi, actor=None)
        services.record_payment(enrollment=payer, amount=Decimal("1200.00"), method="card", actor=None)
        session = cohort.sessions.create(
            starts_at=datetime.datetime(2027, 3, 7, 18, tzinfo=CHICAGO),
            ends_at=datetime.datetime(2027, 3, 7, 22, tzinfo=CHICAGO),
            topic="Airway",
        )
    with time_machine.travel(datetime.datetime(2027, 3, 8, 9, tzinfo=CHICAGO), tick=False):
        enrollment_services.record_attendance(
            session=session,
            entries=[
                AttendanceEntry(enrollment=veteran, status="late", minutes=210),
                AttendanceEntry(enrollment=payer, status="present", minutes=240),
            ],
            actor=None,
        )
    return {"cohort": cohort, "gi": gi, "veteran": veteran}


def user(name: str, *, group: str | None = None, is_staff: bool = True):
    make_groups()
    person = get_user_model().objects.create_user(name, password="pw-for-tests-123", is_staff=is_staff)
    if group:
        person.groups.add(Group.objects.get(name=group))
    return person


@pytest.fixture
def staff_client(client):
    client.force_login(user("office", group="Staff"))
    return client


def pages(school) -> list[str]:
    cohort, gi = school["cohort"].pk, school["gi"].pk
    return [
        reverse("admin:payments_reports"),
        reverse("admin:payments_balances"),
        reverse("admin:payments_balances_csv"),
        reverse("admin:payments_cohort_balances", args=[cohort]),
        reverse("admin:payments_by_month"),
        reverse("admin:payments_by_month_csv"),
        reverse("admin:payments_cohort_clock_hours", args=[cohort]),
        reverse("admin:payments_cohort_clock_hours_csv", args=[cohort]),
        reverse("admin:payments_sponsor_invoices", args=[gi]),
        reverse("admin:payments_sponsor_clock_hours", args=[gi]),
        reverse("admin:payments_sponsor_clock_hours_csv", args=[gi]),
    ]


def rows_of(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_staff_see_every_report(staff_client, school):
    for url in pages(school):
        assert staff_client.get(url).status_code == 200, url


def test_anonymous_instructors_and_staff_without_the_payments_permission_are_refused(client, school):
    for url in pages(school):
        assert client.get(url).status_code == 302, url  # to the login page
    client.force_login(user("teacher", group=INSTRUCTORS_GROUP, is_staff=False))
    for url in pages(school):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    staff_elsewhere = user("registrar")
    staff_elsewhere.user_permissions.add(Permission.objects.get(codename="view_enrollment"))
    client.force_login(staff_elsewhere)
    for url in pages(school):
        assert client.get(url).status_code == 403, url


def test_the_balances_page_and_csv_show_the_cohorts_figures(staff_client, school):
    page = staff_client.get(reverse("admin:payments_balances")).content.decode()
    assert "EMT-REP" in page and "$2,400.00" in page and "$1,400.00" in page
    rows = rows_of(staff_client.get(reverse("admin:payments_balances_csv")))
    assert rows[0][:3] == ["Cohort", "Course", "Enrollments"]
    # Charged 2,400; paid 1,400; the veteran owes 600 and the GI Bill 600 - 200.
    assert rows[1][0] == "EMT-REP" and rows[1][2:] == ["2", "2400.00", "0.00", "1400.00", "600.00", "400.00", "1000.00"]
    assert rows[-1][0] == "Total" and rows[-1][-1] == "1000.00"
    drill = staff_client.get(reverse("admin:payments_cohort_balances", args=[school["cohort"].pk])).content.decode()
    assert f"?enrollment__id__exact={school['veteran'].pk}" in drill
    assert "'=Payer" not in drill and "=Payer" in drill


def test_payments_by_month_shows_the_last_two_years_or_every_month(staff_client, school):
    old = school["veteran"]
    services.record_payment(
        enrollment=old,
        amount=Decimal("10.00"),
        method="cash",
        at=datetime.datetime(2020, 5, 5, tzinfo=CHICAGO),
        actor=None,
    )
    with time_machine.travel(datetime.datetime(2027, 4, 10, 9, tzinfo=CHICAGO), tick=False):
        staff_client.force_login(user("office2", group="Staff"))
        recent = staff_client.get(reverse("admin:payments_by_month")).content.decode()
        every = staff_client.get(reverse("admin:payments_by_month"), {"all": "1"}).content.decode()
    assert "The last 24 months, from May 2025." in recent and "March 2027" in recent and "May 2020" not in recent
    assert "Every month." in every and "May 2020" in every and "March 2027" in every
    assert "2020-05" in rows_of(staff_client.get(reverse("admin:payments_by_month_csv")))[-2][0]


def test_payments_by_month_csv(staff_client, school):
    rows = rows_of(staff_client.get(reverse("admin:payments_by_month_csv")))
    assert rows == [
        ["Month", "Check", "Card (terminal)", "Total"],
        ["2027-03", "200.00", "1200.00", "1400.00"],
        ["Total", "200.00", "1200.00", "1400.00"],
    ]


def test_the_clock_hours_page_and_csv(staff_client, school):
    url = reverse("admin:payments_cohort_clock_hours", args=[school["cohort"].pk])
    page = staff_client.get(url).content.decode()
    assert "Veteran, Vera" in page and "Mar 1</th>" in page and "3.5" in page
    assert "Payer" not in page  # a self-paying student is not a clock-hour student
    rows = rows_of(staff_client.get(reverse("admin:payments_sponsor_clock_hours_csv", args=[school["gi"].pk])))
    assert rows[0] == ["Student", "E-mail", "Cohort", "Week of 2027-03-01", "Total hours"]
    assert rows[1][0] == "Vera Veteran" and rows[1][2:] == ["EMT-REP", "3.5", "3.5"]
    assert rows[2] == ["Total", "", "", "3.5", "3.5"]


def test_staff_issue_an_invoice_and_download_it(staff_client, school):
    url = reverse("admin:payments_sponsor_invoices", args=[school["gi"].pk])
    response = staff_client.post(url, {"cohort": school["cohort"].pk, "send": "on"})
    assert response.status_code == 302
    invoice = SponsorInvoice.objects.get()
    assert (invoice.cohort, invoice.total_due, invoice.issued_by.username) == (school["cohort"], 400, "office")
    page = staff_client.get(url).content.decode()
    assert invoice.number in page
    pdf = staff_client.get(reverse("admin:payments_sponsor_invoice_pdf", args=[school["gi"].pk, invoice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert invoice.number in text and "$400.00" in text
    other = Sponsor.objects.create(name="Other", kind=SponsorKind.OTHER)
    assert (
        staff_client.get(reverse("admin:payments_sponsor_invoice_pdf", args=[other.pk, invoice.pk])).status_code == 404
    )


def test_an_invoice_with_nothing_on_it_is_refused_on_the_page(staff_client, school):
    idle = Sponsor.objects.create(name="Idle Employer", kind=SponsorKind.EMPLOYER)
    response = staff_client.post(reverse("admin:payments_sponsor_invoices", args=[idle.pk]), {"cohort": ""})
    assert response.status_code == 200
    assert "nothing to invoice" in response.content.decode()
    assert not SponsorInvoice.objects.exists()


def test_issuing_takes_the_sponsors_change_permission(client, school):
    viewer = user("auditor")
    viewer.user_permissions.add(Permission.objects.get(codename="view_sponsor"))
    client.force_login(viewer)
    url = reverse("admin:payments_sponsor_invoices", args=[school["gi"].pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"cohort": ""}).status_code == 403
    assert not SponsorInvoice.objects.exists()


def test_the_balances_page_goes_a_page_of_cohorts_at_a_time_and_sums_the_whole_ledger(staff_client, school):
    course = school["cohort"].course
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=CHICAGO), tick=False):
        for n in range(25):  # 26 cohorts with books: one more than a page
            older = make_cohort(
                course=course, code=f"EMT-OLD-{n:02d}", starts_on=datetime.date(2026, 1, 1) + datetime.timedelta(n)
            )
            enrollment_services.request_seat(cohort=older, student=student_details(), confirmed=True)
    first = staff_client.get(reverse("admin:payments_balances")).content.decode()
    assert "EMT-REP" in first and "EMT-OLD-24" in first and "EMT-OLD-00" not in first  # the newest first
    assert "Page 1" in first and "?p=2" in first and "These cohorts" in first
    second = staff_client.get(reverse("admin:payments_balances"), {"p": "2"}).content.decode()
    assert "EMT-OLD-00" in second and "EMT-REP" not in second and "?p=1" in second and "?p=3" not in second
    beyond = staff_client.get(reverse("admin:payments_balances"), {"p": "3"}).content.decode()
    assert "No cohorts on this page." in beyond and "EMT-OLD-00" not in beyond
    for spoiled in ["x", "-1", "9" * 30, "²"]:
        response = staff_client.get(reverse("admin:payments_balances"), {"p": spoiled})
        assert response.status_code == 200 and "Page " in response.content.decode(), spoiled
    # The CSV has every cohort (in batches), and its total is the whole school's: 27 seats of $1,200, $1,400 paid.
    rows = rows_of(staff_client.get(reverse("admin:payments_balances_csv")))
    assert len(rows) == 1 + 26 + 1 and rows[-1][0] == "Total" and rows[-1][3] == "32400.00"
    everyone = sum((services.balance(e).due for e in Enrollment.objects.all()), Decimal(0))
    assert rows[-1][-1] == "31000.00" == f"{everyone:.2f}"
    assert [row[0] for row in rows[1:-1]] == [row[0] for row in rows_of_batches()]


def rows_of_batches(batch: int = 7) -> list[list[str]]:
    """The cohorts as the CSV's batches list them, worked out in smaller batches: the same cohorts in the same order."""
    return [[row.cohort.code] for row in services.balances_in_batches(batch=batch)]


def test_a_sponsors_invoices_go_a_page_at_a_time_and_offer_the_recent_cohorts(staff_client, school):
    gi = school["gi"]
    with time_machine.travel(datetime.datetime(2027, 3, 2, 9, tzinfo=CHICAGO), tick=False):
        for _ in range(26):
            services.issue_invoice(sponsor=gi, cohort=school["cohort"], actor=None)
        old = make_cohort(course=school["cohort"].course, code="EMT-2024", starts_on=datetime.date(2024, 9, 1))
        SponsorShare.objects.create(
            enrollment=enrollment_services.request_seat(cohort=old, student=student_details(), confirmed=True),
            sponsor=gi,
            percent=Decimal("50"),
        )
    url = reverse("admin:payments_sponsor_invoices", args=[gi.pk])
    first = staff_client.get(url).content.decode()
    numbers = sorted(SponsorInvoice.objects.values_list("pk", flat=True))
    assert f"INV-{numbers[-1]:06d}" in first and f"INV-{numbers[0]:06d}" not in first
    assert "Page 1 of 2" in first
    assert f"INV-{numbers[0]:06d}" in staff_client.get(url, {"p": "2"}).content.decode()
    # The form offers the last two years' cohorts; the old one's open share is on "All open shares".
    assert ">EMT-REP<" in first and ">EMT-2024<" not in first
