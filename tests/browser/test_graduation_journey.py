"""Issue 14's journey in one piece: an instructor records a lab day on a tablet, the student's checklist turns green
on their phone, staff complete them on a laptop, and the certificate verifies."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from courses.models import INSTRUCTORS_GROUP, CohortStatus
from enrollment import services
from enrollment.models import Certificate
from skills.models import Skill
from tests.factories import attend_in_full, make_cohort, make_course, make_groups, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def cohort():
    make_groups()
    users = get_user_model().objects
    teacher = users.create_user("teacher", password=PASSWORD)
    teacher.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    staff = users.create_user("office", password=PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name="Staff"))
    today = timezone.localdate()
    cohort = make_cohort(
        course=make_course(title="Emergency Medical Technician", nominal_hours=8),
        code="EMT-2026-FALL-EVE",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today - datetime.timedelta(days=1),
        status=CohortStatus.RUNNING,
    )
    cohort.instructors.add(teacher)
    # Transactional tests start without the data migration's sheets: the course's one sheet for this journey.
    Skill.objects.all().delete()
    Skill.objects.create(
        level="EMT",
        code="EMT-BVM",
        name="BVM Ventilation of an Apneic Adult Patient",
        short_name="BVM ventilation",
        attempts_required=1,
        critical_criteria="Failure to ventilate the patient at a rate of 10-12 per minute",
    )
    return cohort


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_lab_day_turns_the_checklist_green_then_completion_and_a_certificate_that_verifies(
    live_server, page: Page, browser: Browser, cohort, screenshot
):
    ana = services.request_seat(
        cohort=cohort,
        student=student_details(first_name="Ana", last_name="Avila"),
        confirmed=True,
        enforce_window=False,
    )
    attend_in_full(ana)

    # The student's checklist: the skill and the affective evaluation are still to do.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/my/{ana.token}/")
    checklist = page.get_by_role("region", name="Ready to complete the course?")
    expect(checklist.get_by_text("2 requirements still to meet")).to_be_visible()
    expect(checklist.get_by_text("BVM ventilation: 0 of 1 passed.")).to_be_visible()

    # The instructor, on a tablet: the lab day, then the affective evaluation.
    tablet = browser.new_page(viewport=TABLET, reduced_motion="reduce")
    log_in(tablet, f"{live_server.url}/instructor/cohorts/{cohort.pk}/", "teacher")
    tablet.get_by_role("link", name="Skills lab day").click()
    tablet.get_by_label("BVM Ventilation of an Apneic Adult Patient").check()
    tablet.get_by_role("button", name="Show the sheet").click()
    tablet.locator("label").filter(has_text="Pass (BVM ventilation, Ana Avila)").click()
    tablet.get_by_role("button", name="Save the lab day").click()
    expect(tablet.get_by_text("1 result saved.")).to_be_visible()
    tablet.get_by_role("link", name=f"Roster of {cohort.code}").click()
    tablet.get_by_role("link", name="Affective evaluation").click()
    tablet.get_by_role("group", name="Professional behaviour of Ana Avila").get_by_label("Meets expectations").check()
    tablet.get_by_role("button", name="Save the evaluation of Ana Avila").click()
    expect(tablet.get_by_text("Evaluation saved for Ana Avila.")).to_be_visible()
    tablet.close()

    # Her checklist turns green.
    page.reload()
    expect(checklist.get_by_text("Every requirement of completing the course is met.")).to_be_visible()
    screenshot("graduation-checklist-green-phone")

    # Staff complete her on a laptop.
    office = browser.new_page(viewport=LAPTOP, reduced_motion="reduce")
    log_in(office, f"{live_server.url}/admin/enrollment/enrollment/{ana.pk}/complete/", "office")
    expect(office.get_by_role("heading", name="Ready to complete: every requirement is met")).to_be_visible()
    office.get_by_role("button", name="Complete the course").click()
    expect(office.get_by_text("Ana Avila has completed EMT-2026-FALL-EVE")).to_be_visible()
    office.close()

    # The certificate verifies.
    code = Certificate.objects.get(enrollment=ana).code
    page.goto(f"{live_server.url}/verify/{code}/")
    expect(page.get_by_text("Valid.")).to_be_visible()
    expect(page.get_by_text("Ana Avila")).to_be_visible()
    expect(page.get_by_text(re.compile("accepts this course completion for two years"))).to_be_visible()
    screenshot("graduation-verify-phone")
