import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from playwright.sync_api import Page, expect

from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    student_details,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "elite-demo-2026"
GROUPS_MIGRATION = ("enrollment", "0002_staff_and_instructor_groups")


@pytest.fixture
def school():
    # Transactional tests flush the database, the migration's groups with it: make them again, as it does.
    module = importlib.import_module(f"enrollment.migrations.{GROUPS_MIGRATION[1]}")
    state_apps = MigrationExecutor(connection).loader.project_state(GROUPS_MIGRATION).apps
    module.create_groups(state_apps, SimpleNamespace(connection=connection))
    staff = get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))

    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    course = make_course(title="Emergency Medical Technician")
    make_requirement(course, cpr, needs_verification=True)
    cohort = make_cohort(course=course, code="EMT-2027-SPR-EVE", capacity=10)

    def pending(first: str, last: str) -> Enrollment:
        return services.request_seat(
            cohort=cohort,
            student=student_details(first_name=first, last_name=last),
            credentials=[credential_details(cpr)],
        )

    return {"approve": pending("Ana", "Zapata"), "reject": pending("Bo", "Adams")}


def test_staff_reviews_pending_enrollments(live_server, page: Page, school, screenshot):
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="School at a glance")).to_be_visible()
    expect(page.get_by_label("2 pending")).to_have_text("2")
    expect(page.get_by_role("img", name="2 of 10 seats taken")).to_be_visible()
    screenshot("back-office-index")
    page.get_by_role("link", name="Enrollments pending review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    screenshot("back-office-review-queue")

    page.get_by_role("row").filter(has_text="Ana Zapata").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("1 approved")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Enrollments pending review").click()
    expect(page.get_by_role("row").filter(has_text="Ana Zapata")).to_have_count(0)
    page.get_by_role("row").filter(has_text="Bo Adams").get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", name="Reject enrollments")).to_be_visible()
    page.get_by_label("Reason").fill("The CPR card number is not in the AHA registry.")
    page.get_by_role("button", name="Reject enrollments").click()
    expect(page.get_by_text("1 rejected")).to_be_visible()

    approved, rejected = (Enrollment.objects.get(pk=school[k].pk) for k in ("approve", "reject"))
    assert approved.status == EnrollmentStatus.ENROLLED
    assert rejected.status == EnrollmentStatus.REJECTED
    assert rejected.reason == "The CPR card number is not in the AHA registry."
    assert rejected.audit_events.get(action="enrollment.rejected").actor.username == "staff"
