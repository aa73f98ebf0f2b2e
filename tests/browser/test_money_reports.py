"""Staff's money reports and a sponsor's papers at 1366x900: from the ledger list to the reports (balances per cohort
and one cohort's drill-down, payments by month, a cohort's WIOA clock hours over a dozen weeks), then the sponsor's
invoices page, issuing one. Each page is checked by axe and photographed, and none is wider than the laptop."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from enrollment import services as enrollment_services
from enrollment.services import AttendanceEntry
from payments import services
from payments.models import Sponsor, SponsorInvoice, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, make_groups, make_session, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "elite-demo-2026"


@pytest.fixture
def school():
    make_groups()
    staff = get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))
    course = make_course(title="Emergency Medical Technician", tuition=Decimal("1495.00"))
    cohort = make_cohort(course, code="EMT-2026-FALL-EVE")
    wioa = Sponsor.objects.create(
        name="Chicago Cook Workforce Partnership", kind=SponsorKind.WIOA, email="wioa@workforce.example"
    )
    students = [
        enrollment_services.request_seat(
            cohort=cohort, student=student_details(first_name=first, last_name=last), confirmed=True
        )
        for first, last in [("María", "González"), ("Darnell", "Washington-Okonkwo"), ("Lee", "Park")]
    ]
    for enrollment in students[:2]:
        SponsorShare.objects.create(enrollment=enrollment, sponsor=wioa, percent=Decimal("75"))
        services.record_payment(
            enrollment=enrollment, amount=Decimal("500.00"), method="check", payer=wioa, reference="W-1", actor=staff
        )
    services.record_payment(enrollment=students[2], amount=Decimal("250.00"), method="cash", actor=staff)
    for week in range(12, 0, -1):
        session = make_session(cohort, days_from_now=-7 * week, hours=4)
        enrollment_services.record_attendance(
            session=session,
            entries=[
                AttendanceEntry(enrollment=students[0], status="present", minutes=240),
                AttendanceEntry(enrollment=students[1], status="late" if week % 3 else "absent", minutes=200),
                AttendanceEntry(enrollment=students[2], status="present", minutes=240),
            ],
            actor=staff,
        )
    return {"cohort": cohort, "wioa": wioa}


def fits_the_laptop(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"], page.url


def test_staff_read_the_money_reports_and_issue_a_sponsor_invoice(page: Page, live_server, school, screenshot):
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/admin/payments/ledgerentry/")
    page.get_by_role("link", name="Money reports").click()
    expect(page.get_by_role("heading", name="Money reports")).to_be_visible()
    screenshot("money-reports")

    page.get_by_role("link", name="Balances due per cohort").click()
    row = page.get_by_role("row", name="EMT-2026-FALL-EVE")
    # Charged 3 x $1,495.00; paid $1,250.00.
    expect(row).to_contain_text("$4,485.00")
    expect(row).to_contain_text("$1,250.00")
    fits_the_laptop(page)
    screenshot("money-balances-per-cohort")
    page.get_by_role("link", name="EMT-2026-FALL-EVE").click()
    expect(page.get_by_role("link", name="González, María")).to_be_visible()
    fits_the_laptop(page)
    screenshot("money-balances-one-cohort")

    page.get_by_role("link", name="Money reports").click()
    page.get_by_role("link", name="Payments by month").click()
    expect(page.get_by_role("columnheader", name="Check")).to_be_visible()
    screenshot("money-payments-by-month")

    page.get_by_role("link", name="Money reports").click()
    page.get_by_role("link", name="EMT-2026-FALL-EVE").click()
    expect(page.get_by_role("row", name="González, María")).to_contain_text("48")  # 12 weeks x 4 h
    fits_the_laptop(page)
    screenshot("money-clock-hours-cohort")

    page.goto(live_server.url + f"/admin/payments/sponsor/{school['wioa'].pk}/change/")
    page.get_by_role("link", name="Invoices").click()
    page.get_by_label("Cohort").select_option(label="EMT-2026-FALL-EVE")
    page.get_by_label("E-mail it to the sponsor").check()
    page.get_by_role("button", name="Issue the invoice").click()
    invoice = SponsorInvoice.objects.get()
    expect(page.get_by_text(f"Invoice {invoice.number} issued")).to_be_visible()
    expect(page.get_by_role("link", name=f"{invoice.number} (PDF)")).to_be_visible()
    screenshot("money-sponsor-invoices")
