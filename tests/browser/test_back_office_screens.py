"""The back office's main screens on a 1366x900 laptop: the seat board, the enrollment list and the audit trail fit
without sideways scrolling, and the enrollment page's buttons (approve, move, withdraw) work. Every page visited is
photographed and checked by axe-core."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus
from tests.browser.layout import assert_no_sideways_scrolling
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_groups,
    make_requirement,
    student_details,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "elite-demo-2026"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
S = EnrollmentStatus


@pytest.fixture
def school():
    """Two courses with long names, three cohorts, and enough people in them to fill every column."""
    make_groups()
    staff = get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    emt = make_course(title="Emergency Medical Technician")
    make_requirement(emt, cpr, needs_verification=True)
    para = make_course(title="Paramedic (Advanced Life Support)", level="PARAMEDIC", slug="paramedic")
    spring = make_cohort(course=emt, code="EMT-2027-SPR-EVE", capacity=3)
    summer = make_cohort(course=emt, code="EMT-2027-SUM-DAY", capacity=12)
    make_cohort(course=para, code="PARAMEDIC-2027-FALL-WKND", capacity=24)

    def sign_up(cohort, first: str, last: str) -> Enrollment:
        return services.request_seat(
            cohort=cohort,
            student=student_details(first_name=first, last_name=last, email=f"{first}.{last}@example.com".lower()),
            credentials=[credential_details(cpr)],
            actor=staff,
        )

    people = {
        "pending": sign_up(spring, "Ana", "Zapata-Villanueva"),
        "moving": sign_up(spring, "Bo", "Adams"),
        "leaving": sign_up(spring, "Carmen", "Delgado"),
    }
    services.approve(enrollment=people["moving"], actor=staff)
    services.approve(enrollment=people["leaving"], actor=staff)
    people["waiting"] = sign_up(spring, "Dmitri", "Alexandrovich-Konstantinopolsky")
    return {"staff": staff, "spring": spring, "summer": summer, **people}


def log_in(page: Page, live_server) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/admin/courses/cohort/", "seat-board"),
        ("/admin/enrollment/enrollment/", "enrollment-list"),
        ("/admin/enrollment/auditevent/", "audit-trail"),
    ],
)
def test_back_office_lists_fit_a_laptop(live_server, page: Page, school, screenshot, path, name):
    log_in(page, live_server)
    page.goto(live_server.url + path)
    expect(page.locator("#result_list")).to_be_visible()
    screenshot(f"back-office-{name}-laptop")
    assert_no_sideways_scrolling(page)


def test_enrollment_page_buttons_approve_move_and_withdraw(live_server, page: Page, school, screenshot):
    log_in(page, live_server)

    # A pending enrollment: its page says so in words and offers Approve, Reject, Move and Withdraw.
    page.goto(live_server.url + f"/admin/enrollment/enrollment/{school['pending'].pk}/change/")
    status = page.locator("#enrollment-status-title + .enrollment-panel-body")
    expect(status.get_by_text("Pending review")).to_be_visible()
    for name in ["Approve", "Reject", "Move to another cohort", "Withdraw", "Write to the student"]:
        expect(status.get_by_role(re_role(name), name=name)).to_be_visible()
    expect(page.get_by_role("heading", name="Credentials of Ana Zapata-Villanueva")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    screenshot("back-office-enrollment-page-pending-laptop")
    assert_page_fits(page)
    status.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Ana Zapata-Villanueva is enrolled in EMT-2027-SPR-EVE.")).to_be_visible()
    expect(status.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Credentials verified; seat confirmed")).to_be_visible()
    screenshot("back-office-enrollment-page-enrolled-laptop")

    # Move an enrolled student to the summer cohort.
    page.goto(live_server.url + f"/admin/enrollment/enrollment/{school['moving'].pk}/change/")
    page.get_by_role("link", name="Move to another cohort").click()
    page.get_by_label("Move to").select_option(
        label=page.get_by_label("Move to").locator("option", has_text="EMT-2027-SUM-DAY").inner_text()
    )
    page.get_by_label("Reason (optional)").fill("Works days now.")
    screenshot("back-office-enrollment-move-laptop")
    page.get_by_role("button", name="Move to another cohort").click()
    expect(page.get_by_text("Bo Adams moved from EMT-2027-SPR-EVE to EMT-2027-SUM-DAY")).to_be_visible()

    # Withdraw, with a reason; then write to the student.
    page.goto(live_server.url + f"/admin/enrollment/enrollment/{school['leaving'].pk}/change/")
    page.get_by_role("link", name="Withdraw").click()
    page.get_by_label("Reason").fill("Moved out of state.")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Carmen Delgado: withdrawn from EMT-2027-SPR-EVE.")).to_be_visible()
    expect(page.locator(".enrollment-status")).to_have_text("Withdrawn")
    page.get_by_role("link", name="Write to the student").click()
    page.get_by_label("Message to the student").fill("We kept your deposit on file for the fall cohort.")
    screenshot("back-office-enrollment-message-laptop")
    page.get_by_role("button", name="Send to the student").click()
    expect(page.get_by_text("Message sent to Carmen Delgado")).to_be_visible()
    screenshot("back-office-enrollment-page-withdrawn-laptop")

    moved = Enrollment.objects.get(student=school["moving"].student, cohort=school["summer"])
    assert Enrollment.objects.get(pk=school["pending"].pk).status == S.ENROLLED
    assert Enrollment.objects.get(pk=school["moving"].pk).status == S.WITHDRAWN
    assert moved.status == S.ENROLLED
    assert Enrollment.objects.get(pk=school["leaving"].pk).status == S.WITHDRAWN
    # The freed seats of the spring cohort went to the person waiting.
    assert Enrollment.objects.get(pk=school["waiting"].pk).status == S.OFFERED

    # The student reads the message on their status page.
    page.goto(live_server.url + school["leaving"].get_absolute_url())
    expect(page.get_by_role("heading", name="Messages from the school")).to_be_visible()
    expect(page.get_by_text("We kept your deposit on file for the fall cohort.")).to_be_visible()
    page.set_viewport_size(PHONE)
    screenshot("status-page-message-from-school-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_audit_trail_names_people_in_words(live_server, page: Page, school, screenshot):
    services.withdraw(enrollment=school["leaving"], actor=school["staff"], reason="Moved out of state.")
    log_in(page, live_server)
    page.goto(live_server.url + "/admin/enrollment/auditevent/")
    row = page.get_by_role("row").filter(has_text="Moved out of state.")
    expect(row).to_contain_text("Carmen Delgado")
    expect(row).to_contain_text("Enrolled → Withdrawn")
    expect(row).to_contain_text("Withdrew")
    row.get_by_role("link").first.click()
    expect(page.get_by_text("Enrolled → Withdrawn")).to_be_visible()
    screenshot("back-office-audit-event-laptop")


def re_role(name: str) -> str:
    return "button" if name == "Approve" else "link"


def assert_page_fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
