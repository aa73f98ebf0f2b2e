"""Staff screens at 1366x900: the cohort page (small, linking to its sessions), the schedule generator (a preview, then
exactly the previewed sessions saved), choosing an instructor, making an instructor's account, unlocking a login."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from courses.models import ClassSession
from tests.factories import make_cohort, make_course, make_groups, make_session, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "elite-demo-2026"
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def school():
    make_groups()
    users = get_user_model().objects
    staff = users.create_user("staff", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))
    dana = users.create_user("dana", password=PASSWORD, first_name="Dana", last_name="Kowalczyk")
    dana.groups.add(Group.objects.get(name="Instructors"))
    users.create_user("danny-not-an-instructor", password=PASSWORD)
    course = make_course(title="Emergency Medical Technician", nominal_hours=Decimal("36"))
    cohort = make_cohort(
        course,
        code="EMT-2026-FALL-EVE",
        starts_on=datetime.date(2026, 10, 27),
        ends_on=datetime.date(2026, 11, 26),
    )
    # One session already on the calendar: the generator flags the one that clashes with it.
    make_session(
        cohort,
        starts_at=datetime.datetime(2026, 11, 5, 19, tzinfo=CHICAGO),
        ends_at=datetime.datetime(2026, 11, 5, 21, tzinfo=CHICAGO),
        topic="Airway skills lab",
    )
    from enrollment import services

    services.request_seat(cohort=cohort, student=student_details(first_name="María", last_name="González"))
    return {"staff": staff, "cohort": cohort, "dana": dana}


def log_in(page: Page, base: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(base + "/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Staff jobs")).to_be_visible()


def assert_no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


def test_schedule_generator_saves_exactly_the_sessions_it_previewed(live_server, page: Page, school, screenshot):
    log_in(page, live_server.url)
    cohort = school["cohort"]
    page.goto(f"{live_server.url}/admin/courses/cohort/{cohort.pk}/change/")
    expect(page.get_by_role("link", name="Add sessions")).to_be_visible()
    expect(page.get_by_role("link", name="Export roster")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("staff-cohort-page-1366")

    page.get_by_role("link", name="Add sessions").click()
    expect(page.get_by_role("heading", name="Add sessions to EMT-2026-FALL-EVE")).to_be_visible()
    screenshot("staff-schedule-form-1366")

    # A mistake first: the end before the start.
    page.get_by_label("Tuesday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Starts at").fill("18:00")
    page.get_by_label("Ends at").fill("17:00")
    page.get_by_role("button", name="Preview sessions").click()
    expect(page.get_by_text("The class must end after it starts")).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=False)).to_have_count(0)
    screenshot("staff-schedule-error-1366")

    page.get_by_label("Ends at").fill("22:00")
    page.get_by_label("Pick a day off").fill("2026-11-10")
    page.get_by_role("button", name="Add to days off").click()
    expect(page.get_by_label("Days off")).to_have_value("2026-11-10")
    page.get_by_label("Topic").fill("EMT class {n}")
    page.get_by_role("button", name="Preview sessions").click()
    expect(page.get_by_role("heading", name="Preview: 8 sessions")).to_be_visible()
    expect(page.get_by_text("1 session clashes with one already scheduled")).to_be_visible()
    expect(page.get_by_text("Thu Nov 26, 2026 (Thanksgiving Day)")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("staff-schedule-preview-1366")

    rows = page.locator("#planned-sessions tbody tr")
    shown = [
        (
            rows.nth(i).locator("th").inner_text(),
            rows.nth(i).locator("td").nth(1).inner_text(),
            rows.nth(i).locator("td").nth(3).inner_text(),
        )
        for i in range(rows.count())
    ]
    assert len(shown) == 8
    assert {time for _, time, _ in shown} == {"6:00 PM–10:00 PM"}

    page.get_by_role("button", name="Save 8 sessions").click()
    expect(page.get_by_text("EMT-2026-FALL-EVE: Added 8 class sessions.")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("staff-cohort-sessions-1366")

    made = ClassSession.objects.filter(cohort=cohort).exclude(topic="Airway skills lab").order_by("starts_at")
    saved = [
        (
            f"{s.starts_at.astimezone(CHICAGO):%a %b} {s.starts_at.astimezone(CHICAGO).day}, "
            f"{s.starts_at.astimezone(CHICAGO):%Y}",
            f"{s.starts_at.astimezone(CHICAGO):%-I:%M %p}–{s.ends_at.astimezone(CHICAGO):%-I:%M %p}",
            s.topic,
        )
        for s in made
    ]
    assert saved == shown
    assert [s.topic for s in made] == [f"EMT class {n}" for n in range(1, 9)]


def test_staff_pick_an_instructor_from_the_instructors_group(live_server, page: Page, school, screenshot):
    log_in(page, live_server.url)
    cohort = school["cohort"]
    page.goto(f"{live_server.url}/admin/courses/cohort/{cohort.pk}/change/")
    page.locator(".field-instructors .select2-selection").click()
    page.locator(".select2-search__field").fill("dan")
    option = page.get_by_role("option", name="dana")
    expect(option).to_be_visible()
    expect(page.get_by_role("option", name="danny-not-an-instructor")).to_have_count(0)
    option.click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert list(cohort.instructors.all()) == [school["dana"]]


def test_staff_add_an_instructor_account(live_server, page: Page, school, screenshot):
    log_in(page, live_server.url)
    screenshot("staff-index-1366")
    page.get_by_role("link", name="Add an instructor account").click()
    expect(page.get_by_role("heading", name="Add an instructor account")).to_be_visible()
    screenshot("staff-add-instructor-1366")
    page.get_by_label("Username").fill("lee")
    page.get_by_label("First name").fill("Lee")
    page.get_by_label("Last name").fill("Ortiz")
    page.get_by_label("Email address").fill("lee@elite-ems.example")
    page.get_by_label("Password:", exact=True).fill("a-long-Passphrase-2026")
    page.get_by_label("Password confirmation").fill("a-long-Passphrase-2026")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    expect(page.get_by_role("heading", name="Instructor account")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("staff-instructor-account-1366")
    lee = get_user_model().objects.get(username="lee")
    assert not lee.is_staff and not lee.is_superuser
    assert list(lee.groups.values_list("name", flat=True)) == ["Instructors"]


def test_staff_unlock_a_locked_out_login(live_server, page: Page, school, screenshot):
    AccessAttempt.objects.create(
        username="dana",
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
    )
    log_in(page, live_server.url)
    page.get_by_role("link", name="Locked-out logins").click()
    expect(page.get_by_role("heading", name="Locked-out logins")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="203.0.113.7")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("staff-locked-out-1366")
    page.get_by_role("button", name="Unlock dana").click()
    expect(page.get_by_text("dana can log in again from 203.0.113.7.")).to_be_visible()
    expect(page.get_by_text("Nobody is locked out.")).to_be_visible()
    screenshot("staff-unlocked-1366")
    assert not AccessAttempt.objects.filter(username="dana").exists()

    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="E-mail outbox").click()
    expect(page.get_by_role("heading", name="Select outgoing e-mail to change")).to_be_visible()
    screenshot("staff-outbox-1366")
