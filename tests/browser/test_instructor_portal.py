"""The instructor portal on a phone (390x844) and a laptop (1366x900): the next-class shortcut, the roster's cards,
compact attendance with the minutes disabled for Absent and Excused, and the printed sign-in sheet. Every page state
is photographed, which runs axe-core (zero violations)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from courses.models import CohortStatus
from enrollment.models import Attendance, AttendanceStatus, CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services import AttendanceEntry, record_attendance
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

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "elite-demo-2026"
PX_PER_MM = 96 / 25.4


@pytest.fixture
def school():
    users = get_user_model().objects
    instructor = users.create_user("instructor1", password=PASSWORD, first_name="Dana", last_name="Kowalczyk")
    other = users.create_user("instructor2", password=PASSWORD)
    # Tonight's class counts as scheduled once it has begun: with 40 % only Moreno, absent last week, is at risk.
    course = make_course(title="Emergency Medical Technician", nominal_hours=120, attendance_threshold=40)
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    license = make_credential_type("EMT_IL", "Illinois EMT license")
    make_requirement(course, cpr, needs_verification=False)
    make_requirement(course, license, needs_verification=True)
    today = timezone.localdate()
    running = make_cohort(
        course=course,
        code="EMT-2026-FALL-EVE",
        starts_on=today - datetime.timedelta(days=14),
        ends_on=today + datetime.timedelta(days=60),
        status=CohortStatus.RUNNING,
    )
    running.instructors.add(instructor)
    elsewhere = make_cohort(course=course, code="EMT-2027-SPR-DAY")
    elsewhere.instructors.add(other)
    make_session(elsewhere, days_from_now=0, topic="Not yours")
    past = make_session(running, days_from_now=-7, hours=4, topic="Scene size-up")
    # Tonight's class began an hour ago: the instructor takes attendance from the shortcut.
    now = timezone.now().replace(microsecond=0)
    tonight = make_session(
        running,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3),
        topic="Airway management",
    )
    make_session(running, days_from_now=5, hours=4, topic="Trauma")
    enrollments = {}
    for first, last, phone in [
        ("Ana", "Zapata", "(312) 555-0101"),
        ("Bo", "Adams", "+1 773 555 0102"),
        ("Cy", "Moreno", "(708) 555-0103"),
    ]:
        student = make_student(
            first_name=first, last_name=last, phone=phone, email=f"{first}.{last}@example.com".lower()
        )
        make_credential(student, cpr)  # the course does not ask staff to verify CPR cards
        make_credential(student, license, status=CredentialStatus.VERIFIED if last != "Adams" else "unverified")
        enrollments[last] = Enrollment.objects.create(student=student, cohort=running, status=EnrollmentStatus.ENROLLED)
    # Moreno missed the first class: at risk.
    record_attendance(
        session=past,
        entries=[
            AttendanceEntry(enrollments["Zapata"], AttendanceStatus.PRESENT, past.minutes),
            AttendanceEntry(enrollments["Adams"], AttendanceStatus.PRESENT, past.minutes),
            AttendanceEntry(enrollments["Moreno"], AttendanceStatus.ABSENT, 0),
        ],
        actor=None,
    )
    return {"running": running, "tonight": tonight, "enrollments": enrollments}


def log_in(page: Page, live_server, path: str = "/instructor/") -> None:
    page.goto(live_server.url + path)
    page.get_by_label("Username").fill("instructor1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def no_sideways_scrolling(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def day_label(session) -> str:
    local = timezone.localtime(session.starts_at)
    return f"{local:%b} {local.day}"


def test_on_a_phone_the_next_class_shortcut_leads_to_attendance_and_minutes_follow_the_choice(
    live_server, page: Page, school, screenshot
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    expect(page.get_by_role("heading", name="My cohorts")).to_be_visible()
    assert no_sideways_scrolling(page)
    expect(page.get_by_text("Not yours")).to_have_count(0)
    screenshot("portal-my-cohorts-phone")

    page.get_by_role("link", name=f"Take attendance for {day_label(school['tonight'])}").click()
    expect(page.get_by_role("heading", name="Attendance: Airway management")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/instructor/sessions/{school['tonight'].pk}/attendance/")
    assert no_sideways_scrolling(page)

    # One compact row per student: the four choices and the minutes share a line inside the 390 px screen.
    for name in ["Ana Zapata", "Bo Adams", "Cy Moreno"]:
        present = page.get_by_text(f"Present ({name})").bounding_box()
        excused = page.get_by_text(f"Excused ({name})").bounding_box()
        minutes = page.get_by_label(f"Minutes for {name}").bounding_box()
        assert abs(present["y"] - excused["y"]) < 2, name
        assert minutes["y"] < present["y"] + present["height"], f"{name}: the minutes wrapped to a new line"
        assert minutes["x"] + minutes["width"] <= PHONE["width"], name
    row = page.locator(".attendance-row").first.bounding_box()
    assert row["height"] < 110, f"a student's row is {row['height']} px tall"

    cy = page.get_by_label("Minutes for Cy Moreno")
    expect(cy).to_be_enabled()
    page.get_by_text("Absent (Cy Moreno)").click()
    expect(cy).to_be_disabled()
    page.get_by_text("Present (Cy Moreno)").click()
    expect(cy).to_be_enabled()
    expect(cy).to_have_value("240")
    page.get_by_text("Excused (Cy Moreno)").click()
    expect(cy).to_be_disabled()
    page.get_by_text("Late (Bo Adams)").click()
    expect(page.get_by_label("Minutes for Bo Adams")).to_be_enabled()
    page.get_by_label("Minutes for Bo Adams").fill("200")
    screenshot("portal-attendance-phone")
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance saved for Airway management")).to_be_visible()
    saved = {
        a.enrollment.student.last_name: (a.status, a.minutes)
        for a in Attendance.objects.filter(session=school["tonight"]).select_related("enrollment__student")
    }
    assert saved == {"Zapata": ("present", 240), "Adams": ("late", 200), "Moreno": ("excused", 0)}

    # Back on the attendance page, a saved Excused comes back with its minutes disabled.
    page.goto(f"{live_server.url}/instructor/sessions/{school['tonight'].pk}/attendance/")
    expect(page.get_by_label("Minutes for Cy Moreno")).to_be_disabled()
    expect(page.get_by_label("Minutes for Ana Zapata")).to_be_enabled()


def test_on_a_phone_the_roster_is_cards_with_hours_first_and_tel_links(live_server, page: Page, school, screenshot):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, f"/instructor/cohorts/{school['running'].pk}/")
    expect(page.get_by_role("heading", name="EMT-2026-FALL-EVE")).to_be_visible()
    assert no_sideways_scrolling(page)
    expect(page.get_by_role("table")).to_be_hidden()

    card = page.locator(".roster-card", has=page.get_by_role("heading", name="Moreno, Cy"))
    expect(card).to_be_visible()
    expect(card).to_contain_text("At risk")
    expect(card).to_contain_text("0 of 120 h")
    expect(card.get_by_role("heading")).to_contain_text("At risk")
    # Hours, progress and the at-risk flag come before the contact details and the credentials.
    figures = card.locator(".roster-card-figures").bounding_box()
    phone_link = card.get_by_role("link", name="(708) 555-0103")
    assert figures["y"] < phone_link.bounding_box()["y"]
    expect(phone_link).to_have_attribute("href", "tel:7085550103")
    expect(card.get_by_role("link", name="cy.moreno@example.com")).to_have_attribute(
        "href", "mailto:cy.moreno@example.com"
    )
    adams = page.locator(".roster-card", has=page.get_by_role("heading", name="Adams, Bo"))
    expect(adams.get_by_role("link", name="+1 773 555 0102")).to_have_attribute("href", "tel:+17735550102")
    # Only the license the course asks staff to verify is flagged; the CPR card never is.
    expect(adams).to_contain_text("Illinois EMT license not yet verified")
    expect(adams).not_to_contain_text("At risk")
    expect(page.locator(".roster-card-at-risk")).to_have_count(1)
    expect(page.locator(".roster-cards").get_by_text("not yet verified")).to_have_count(1)
    for box in page.locator(".roster-card").all():
        assert box.bounding_box()["x"] + box.bounding_box()["width"] <= PHONE["width"]
    screenshot("portal-roster-phone")

    # The next class comes first, before the roster; its shortcut leads to its attendance.
    next_class = page.get_by_role("region", name="Next class")
    expect(next_class).to_contain_text("Airway management")
    next_class.get_by_role("link", name=re.compile("^Take attendance")).click()
    expect(page.get_by_role("heading", name="Attendance: Airway management")).to_be_visible()


def test_on_a_laptop_every_portal_page_fits_and_passes_axe(live_server, page: Page, school, screenshot):
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server)
    expect(page.get_by_role("heading", name="My cohorts")).to_be_visible()
    assert no_sideways_scrolling(page)
    screenshot("portal-my-cohorts-laptop")

    page.get_by_role("link", name="EMT-2026-FALL-EVE").click()
    expect(page.get_by_role("row", name="Moreno, Cy")).to_contain_text("At risk")
    expect(page.get_by_role("row", name="Zapata, Ana")).not_to_contain_text("At risk")
    expect(page.locator(".roster-cards")).to_be_hidden()
    expect(page.get_by_role("row", name="Moreno, Cy").get_by_role("link", name="(708) 555-0103")).to_have_attribute(
        "href", "tel:7085550103"
    )
    assert no_sideways_scrolling(page)
    sessions = page.locator(".list-group-item")
    expect(sessions.first).to_contain_text("Next class")
    expect(sessions.first).to_contain_text("Airway management")
    screenshot("portal-roster-laptop")

    page.get_by_role("region", name="Next class").get_by_role("link", name=re.compile("^Take attendance")).click()
    expect(page.get_by_role("heading", name="Attendance: Airway management")).to_be_visible()
    # On a laptop the name sits beside the choices: one line per student.
    name = page.locator(".attendance-name").first.bounding_box()
    present = page.get_by_text("Present (Bo Adams)").bounding_box()
    assert abs(name["y"] - present["y"]) < present["height"]
    page.get_by_text("Absent (Ana Zapata)").click()
    expect(page.get_by_label("Minutes for Ana Zapata")).to_be_disabled()
    assert no_sideways_scrolling(page)
    screenshot("portal-attendance-laptop")

    page.goto(f"{live_server.url}/instructor/sessions/{school['tonight'].pk}/sign-in/")
    expect(page.get_by_role("heading", name="Sign-in sheet")).to_be_visible()
    assert no_sideways_scrolling(page)
    screenshot("portal-sign-in-laptop")


def test_the_sign_in_sheet_on_a_phone_fits(live_server, page: Page, school, screenshot):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, f"/instructor/sessions/{school['tonight'].pk}/sign-in/")
    expect(page.get_by_role("heading", name="Sign-in sheet")).to_be_visible()
    assert no_sideways_scrolling(page)
    screenshot("portal-sign-in-phone")


def _dark(rgb: str) -> bool:
    r, g, b = (int(n) for n in re.findall(r"\d+", rgb)[:3])
    return max(r, g, b) <= 64


def test_the_printed_sign_in_sheet_has_rows_to_sign_and_borders_a_copier_keeps(
    live_server, page: Page, school, screenshot
):
    running = school["running"]
    for n in range(27):  # 30 students: more than one letter page at 10 mm a row
        Enrollment.objects.create(
            student=make_student(first_name=f"Student{n:02d}", last_name=f"Extra{n:02d}"),
            cohort=running,
            status=EnrollmentStatus.ENROLLED,
        )
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, f"/instructor/sessions/{school['tonight'].pk}/sign-in/")
    expect(page.get_by_role("heading", name="Sign-in sheet")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_hidden()

    rows = page.locator(".sign-in-table tbody tr")
    expect(rows).to_have_count(30)
    for index in (0, 29):
        height_mm = rows.nth(index).bounding_box()["height"] / PX_PER_MM
        assert height_mm >= 10, f"row {index + 1} is {height_mm:.1f} mm high"
    cell = rows.first.locator("td").last
    style = cell.evaluate(
        """td => { const s = getComputedStyle(td); return {
            style: [s.borderTopStyle, s.borderBottomStyle, s.borderLeftStyle, s.borderRightStyle],
            width: [s.borderTopWidth, s.borderBottomWidth, s.borderLeftWidth, s.borderRightWidth].map(parseFloat),
            color: [s.borderTopColor, s.borderBottomColor, s.borderLeftColor, s.borderRightColor],
            adjust: s.printColorAdjust || s.webkitPrintColorAdjust }; }"""
    )
    assert style["style"] == ["solid"] * 4
    assert min(style["width"]) >= 1, style["width"]  # 1 pt = 1.33 px
    assert all(_dark(color) for color in style["color"]), style["color"]
    table_adjust = page.locator(".sign-in-table").evaluate(
        "t => getComputedStyle(t).printColorAdjust || getComputedStyle(t).webkitPrintColorAdjust"
    )
    assert table_adjust == "exact"
    screenshot("portal-sign-in-print")

    # Printed to PDF: two letter pages, no row cut in half (each page starts on a whole row).
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2, f"{pages} pages"
