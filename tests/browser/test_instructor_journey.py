import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from courses.models import CohortStatus
from enrollment.models import Attendance, Enrollment, EnrollmentStatus
from tests.factories import (
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_session,
    make_student,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}
PASSWORD = "elite-demo-2026"


@pytest.fixture
def school():
    users = get_user_model().objects
    instructor1 = users.create_user("instructor1", password=PASSWORD, first_name="Dana", last_name="Kowalczyk")
    instructor2 = users.create_user("instructor2", password=PASSWORD, first_name="Marcus", last_name="Bell")
    course = make_course(title="Emergency Medical Technician", nominal_hours=120)
    today = timezone.localdate()
    running = make_cohort(
        course=course,
        code="EMT-2026-FALL-EVE",
        starts_on=today - datetime.timedelta(days=14),
        ends_on=today + datetime.timedelta(days=60),
        status=CohortStatus.RUNNING,
    )
    running.instructors.add(instructor1)
    others = make_cohort(course=course, code="EMT-2027-SPR-DAY")
    others.instructors.add(instructor2)
    make_session(running, days_from_now=-7, hours=4, topic="Scene size-up")
    latest = make_session(running, days_from_now=-2, hours=4, topic="Airway management")
    make_session(running, days_from_now=5, hours=4, topic="Trauma")
    for first, last in [("Ana", "Zapata"), ("Bo", "Adams"), ("Cy", "Moreno")]:
        Enrollment.objects.create(
            student=make_student(first_name=first, last_name=last), cohort=running, status=EnrollmentStatus.ENROLLED
        )
    return {"running": running, "others": others, "latest": latest}


def test_an_instructor_records_attendance_on_a_tablet(live_server, page: Page, school, screenshot):
    page.set_viewport_size(TABLET)
    page.goto(live_server.url + "/instructor/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/instructor/")
    page.get_by_label("Username").fill("instructor1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="My cohorts")).to_be_visible()
    expect(page.get_by_role("link", name="EMT-2027-SPR-DAY")).to_have_count(0)
    page.get_by_role("link", name="EMT-2026-FALL-EVE").click()
    expect(page.get_by_role("row", name="Zapata, Ana")).to_contain_text("0 of 120 h")
    screenshot("instructor-roster-tablet")

    latest = timezone.localtime(school["latest"].starts_at)
    page.get_by_role("link", name=f"Attendance for {latest:%b} {latest.day}").click()
    expect(page.get_by_role("heading", name="Attendance: Airway management")).to_be_visible()
    page.get_by_text("Late (Ana Zapata)").click()
    page.get_by_label("Minutes for Ana Zapata").fill("180")
    page.get_by_text("Absent (Cy Moreno)").click()
    screenshot("instructor-attendance-tablet")
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance saved for Airway management")).to_be_visible()
    expect(page.get_by_role("row", name="Zapata, Ana")).to_contain_text("3 of 120 h")
    expect(page.get_by_role("row", name="Adams, Bo")).to_contain_text("4 of 120 h")
    expect(page.get_by_role("row", name="Moreno, Cy")).to_contain_text("0 of 120 h")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert Attendance.objects.count() == 3

    page.goto(f"{live_server.url}/instructor/cohorts/{school['others'].pk}/")
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()


def test_the_roster_fits_a_tablet_without_sideways_scrolling(live_server, page: Page, school):
    # Long names, long addresses and two credentials each: the widest roster a real cohort gives.
    running = school["running"]
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    license = make_credential_type("EMT_IL", "Illinois EMT license")
    make_requirement(running.course, cpr)
    make_requirement(running.course, license)
    for first, last, status in [
        ("Alexandria", "Montgomery-Washington", EnrollmentStatus.DID_NOT_COMPLETE),
        ("Maximilian", "Vanderbilt-Oyelaran", EnrollmentStatus.ENROLLED),
    ]:
        student = make_student(first_name=first, last_name=last, email=f"{first}.{last}@longdomain-example.com".lower())
        make_credential(student, cpr)
        make_credential(student, license)
        Enrollment.objects.create(student=student, cohort=running, status=status)
    roster = f"{live_server.url}/instructor/cohorts/{running.pk}/"
    page.set_viewport_size(TABLET)
    page.goto(roster)
    page.get_by_label("Username").fill("instructor1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("row", name="Montgomery-Washington, Alexandria")).to_contain_text("At risk")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Nor may the table scroll inside its own box (the at-risk badge of the last column was cut off).
    table_box = page.locator(".table-responsive")
    assert table_box.evaluate("box => box.scrollWidth <= box.clientWidth + 1")
    expect(page.get_by_role("columnheader", name="Attended")).to_be_hidden()

    # On a desktop every column is back.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("columnheader", name="Scheduled so far")).to_be_visible()
