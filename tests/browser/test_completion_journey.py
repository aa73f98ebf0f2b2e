"""Completing a course end to end: the student sees what is missing (phone), the instructor's roster says who is
ready (tablet), staff complete a ready student and, with a written reason, one who is not (laptop), and the
certificate's public verify page shows it; revoked, it says so."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from courses.models import CohortStatus
from enrollment import services
from enrollment.models import Certificate
from tests.factories import attend_in_full, make_cohort, make_course, make_groups, make_skills_ready, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def graduating():
    make_groups()
    users = get_user_model().objects
    staff = users.create_user("office", password=PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name="Staff"))
    teacher = users.create_user("teacher", password=PASSWORD)
    teacher.groups.add(Group.objects.get(name="Instructors"))
    today = timezone.localdate()
    course = make_course(title="Emergency Medical Responder", slug="emr", nominal_hours=60)
    cohort = make_cohort(
        course=course,
        code="EMR-2026-FALL-WKD",
        starts_on=today - datetime.timedelta(days=40),
        ends_on=today - datetime.timedelta(days=1),
        status=CohortStatus.RUNNING,
    )
    cohort.instructors.add(teacher)
    ana = services.request_seat(
        cohort=cohort,
        student=student_details(first_name="Ana", last_name="Zapata"),
        confirmed=True,
        enforce_window=False,
    )
    omar = services.request_seat(
        cohort=cohort,
        student=student_details(first_name="Omar", last_name="Abbas"),
        confirmed=True,
        enforce_window=False,
    )
    return {"ana": ana, "omar": omar, "cohort": cohort}


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_checklist_roster_complete_and_verify(
    live_server, page: Page, browser: Browser, graduating, screenshot, screenshot_of
):
    ana, omar, cohort = graduating["ana"], graduating["omar"], graduating["cohort"]

    # The student's checklist: the classroom hours are missing.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/my/{ana.token}/")
    checklist = page.get_by_role("region", name="Ready to complete the course?")
    expect(checklist.get_by_text("1 requirement still to meet")).to_be_visible()
    expect(checklist.get_by_text(re.compile(r"0 h attended; 54 h are required"))).to_be_visible()
    screenshot("completion-status-not-ready-phone")

    # The instructor's roster on a tablet: Ana is not ready yet either; then her hours are in.
    tablet = browser.new_page(viewport=TABLET, reduced_motion="reduce")
    log_in(tablet, f"{live_server.url}/instructor/cohorts/{cohort.pk}/", "teacher")
    expect(tablet.get_by_role("row", name=re.compile("Zapata, Ana")).get_by_text("1 missing")).to_be_visible()
    attend_in_full(ana)
    make_skills_ready(ana)
    tablet.reload()
    expect(tablet.get_by_role("row", name=re.compile("Zapata, Ana")).get_by_text("Ready")).to_be_visible()
    expect(tablet.get_by_role("row", name=re.compile("Abbas, Omar")).get_by_text("1 missing")).to_be_visible()
    screenshot_of(tablet, "completion-roster-tablet")
    tablet.set_viewport_size(PHONE)
    screenshot_of(tablet, "completion-roster-phone")
    tablet.close()

    # Her checklist turns green.
    page.reload()
    expect(checklist.get_by_text("Every requirement of completing the course is met.")).to_be_visible()
    screenshot("completion-status-ready-phone")

    # Staff complete her from the enrollment page, on a laptop.
    office = browser.new_page(viewport=LAPTOP, reduced_motion="reduce")
    log_in(office, f"{live_server.url}/admin/enrollment/enrollment/{ana.pk}/change/", "office")
    expect(office.get_by_role("heading", name="Readiness to complete: ready")).to_be_visible()
    office.get_by_role("link", name="Complete the course").click()
    expect(office.get_by_role("heading", name="Ready to complete: every requirement is met")).to_be_visible()
    screenshot_of(office, "completion-admin-complete-laptop")
    office.get_by_role("button", name="Complete the course").click()
    expect(office.get_by_text("Ana Zapata has completed EMR-2026-FALL-WKD")).to_be_visible()
    code = Certificate.objects.get(enrollment=ana).code
    expect(office.get_by_text(code)).to_be_visible()

    # Omar is not ready: the complete page asks why, and refuses without a reason.
    office.goto(f"{live_server.url}/admin/enrollment/enrollment/{omar.pk}/complete/")
    expect(office.get_by_role("heading", name="Not ready: 1 requirement is missing")).to_be_visible()
    screenshot_of(office, "completion-admin-override-laptop")
    office.get_by_role("button", name="Complete without every requirement").click()
    expect(office.get_by_text("a written reason is needed")).to_be_visible()
    office.get_by_label("Why complete without every requirement?").fill("Hours made up at the partner academy.")
    office.get_by_role("button", name="Complete without every requirement").click()
    expect(office.get_by_role("heading", name="Completed without every requirement")).to_be_visible()
    expect(office.get_by_text("Hours made up at the partner academy.").first).to_be_visible()
    screenshot_of(office, "completion-admin-enrollment-laptop")

    # The student's page offers the certificate; its verify page shows it.
    page.reload()
    expect(page.get_by_role("link", name="Download your certificate (PDF)")).to_be_visible()
    screenshot("completion-status-completed-phone")
    page.get_by_role("link", name="Verification page").click()
    expect(page).to_have_url(f"{live_server.url}/verify/{code}/")
    expect(page.get_by_text("Valid.")).to_be_visible()
    expect(page.get_by_text("Ana Zapata")).to_be_visible()
    expect(page.get_by_text("Emergency Medical Responder")).to_be_visible()
    expect(page.get_by_text(re.compile("accepts this course completion for two years"))).to_be_visible()
    screenshot("completion-verify-phone")

    # Staff revoke it, with a reason; the verify page says so.
    office.goto(f"{live_server.url}/admin/enrollment/enrollment/{ana.pk}/change/")
    office.get_by_role("link", name="Revoke").click()
    office.get_by_label("Reason").fill("Issued to the wrong student.")
    office.get_by_role("button", name="Revoke").click()
    expect(office.get_by_text(f"Certificate {code} is revoked.")).to_be_visible()
    office.close()
    page.reload()
    expect(page.get_by_text("Revoked.")).to_be_visible()
    expect(page.get_by_text("Issued to the wrong student.")).to_have_count(0)
    screenshot("completion-verify-revoked-phone")
