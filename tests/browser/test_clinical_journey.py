"""A student's clinical experience end to end, on a phone: upload a clearance document, staff verify it (laptop), book
a shift, log two patient contacts after it, the preceptor signs from the e-mailed link, and the progress shows it."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clinical import services as clinical
from clinical.models import ClinicalMinimum, MinimumKind, Shift, Site, SiteKind
from courses.models import RequirementStage
from enrollment import services
from tests.factories import (
    make_cohort,
    make_course,
    make_credential_type,
    make_groups,
    make_requirement,
    student_details,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "pw-for-tests-123"
# The smallest file our upload check takes as a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clinic():
    make_groups()
    staff = get_user_model().objects.create_user("office", password=PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name="Staff"))
    course = make_course(title="Emergency Medical Technician")
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.ED_HOURS, amount=Decimal(24))
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.CONTACTS, amount=Decimal(10))
    tb = make_credential_type("TB_TEST", "TB test")
    make_requirement(course, tb, needed_for=RequirementStage.CLINICAL, needs_verification=True)
    cohort = make_cohort(course=course, code="EMT-2027-SPR-EVE")
    enrollment = services.request_seat(
        cohort=cohort, student=student_details(first_name="Dana", last_name="King"), confirmed=True
    )
    site = Site.objects.create(
        name="Lakeshore General Hospital ED", kind=SiteKind.EMERGENCY_DEPARTMENT, address="1740 W Taylor St"
    )
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=4)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )
    shift = Shift.objects.create(
        site=site,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=12),
        capacity=2,
        preceptor_name="Dana Whitfield, RN",
        preceptor_email="preceptor@hospital.example",
    )
    return {"enrollment": enrollment, "shift": shift}


def test_upload_verify_book_log_sign_and_see_the_progress(
    live_server, page: Page, browser: Browser, clinic, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    enrollment, shift = clinic["enrollment"], clinic["shift"]
    page.set_viewport_size(PHONE)
    clinicals = f"{live_server.url}/my/{enrollment.token}/clinicals/"

    # The status page leads to the clinicals page, which says what is missing.
    page.goto(f"{live_server.url}/my/{enrollment.token}/")
    page.get_by_role("link", name="Your clinicals").click()
    expect(page.get_by_text("Upload your TB test on your clinicals page")).to_be_visible()
    expect(page.get_by_text("Not cleared for this day: TB test")).to_be_visible()
    screenshot("clinicals-not-cleared-phone")

    # The student uploads the TB test.
    page.get_by_text("Upload or replace a document").click()
    page.get_by_label("Number or reference").fill("TB-2026-118")
    page.get_by_label("Expiration date").fill((timezone.localdate() + datetime.timedelta(days=300)).isoformat())
    page.get_by_label("Scan or photo of the document").set_input_files(
        {"name": "tb.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload document").click()
    expect(page.get_by_text("Thank you: your TB test is on file.")).to_be_visible()
    expect(page.get_by_text("Your TB test is waiting for staff to verify it.")).to_be_visible()

    # Staff verify it from the clearance board, on a laptop.
    office = browser.new_page(viewport=LAPTOP, reduced_motion="reduce")
    office.goto(f"{live_server.url}/admin/clinical/shift/clearance/{enrollment.cohort_id}/")
    office.get_by_label("Username").fill("office")
    office.get_by_label("Password").fill(PASSWORD)
    office.get_by_role("button", name="Log in").click()
    expect(office.get_by_role("cell", name="1 missing")).to_be_visible()
    office.goto(f"{live_server.url}/admin/enrollment/credential/")
    office.get_by_role("checkbox", name=re.compile("Select this object")).first.check()
    office.locator("select[name=action]").select_option(label="Verify selected credentials")
    office.get_by_role("button", name="Run").click()
    office.goto(f"{live_server.url}/admin/clinical/shift/clearance/{enrollment.cohort_id}/")
    expect(office.get_by_role("cell", name="Cleared", exact=True)).to_be_visible()
    office.close()

    # The student books the shift.
    page.goto(clinicals)
    expect(page.get_by_text("You are cleared for clinical shifts today.")).to_be_visible()
    screenshot("clinicals-cleared-phone")
    book = page.get_by_role("button", name=re.compile("Book this shift"))
    box = book.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    book.click()
    expect(page.get_by_text("You are booked: Lakeshore General Hospital ED")).to_be_visible()
    screenshot("clinicals-booked-phone")

    # After the shift, two patient contacts.
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=2), tick=True):
        page.goto(clinicals)
        page.get_by_role("link", name="Log patient contacts").click()
        page.get_by_label("Patient's age group").select_option(label="Adult (18 to 64)")
        page.get_by_label("Chief complaint").select_option(label="Chest pain / cardiac")
        page.get_by_label("Skills you performed").fill("Vital signs, 12-lead placement")
        page.get_by_label("Short note").fill("Mr. Jones, chest pain")
        page.get_by_role("button", name="Save and log another").click()
        expect(page.get_by_text("looks like a name")).to_be_visible()
        screenshot("clinicals-log-phi-refused-phone")
        page.get_by_label("Short note").fill("Chest pain, aspirin given by the nurse")
        page.get_by_role("button", name="Save and log another").click()
        expect(page.get_by_text("1 contact logged for this shift so far.")).to_be_visible()
        page.get_by_label("Patient's age group").select_option(label="Older adult (65 and over)")
        page.get_by_label("Chief complaint").select_option(label="Trauma")
        page.get_by_label("Skills you performed").fill("Splinting")
        page.get_by_role("button", name="Save and finish").click()
        expect(page.get_by_text("2 patient contacts logged")).to_be_visible()

        # The minute job e-mails the preceptor a one-time link.
        assert clinical.send_links_for_ended_shifts() == 1
    [message] = [m for m in mail.outbox if m.to == ["preceptor@hospital.example"]]
    link = re.search(r"http://\S+(/preceptor/[\w-]{43}/)", message.body).group(1)

    # The preceptor, on their phone, with no account, that evening.
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=5), tick=True):
        page.goto(live_server.url + link)
        expect(page.get_by_role("heading", name="Sign off a clinical shift")).to_be_visible()
        expect(page.get_by_text("Vital signs, 12-lead placement")).to_be_visible()
        page.get_by_label("Minutes on shift").fill("690")
        page.get_by_label("Your name").fill("Dana Whitfield")
        page.get_by_label("Your credential or license number").fill("RN-0045521")
        page.get_by_label("I precepted these students").check()
        screenshot("preceptor-sign-off-phone")
        page.get_by_role("button", name="Sign and lock these entries").click()
        expect(page.get_by_text("Your sign-off is recorded")).to_be_visible()
        page.goto(live_server.url + link)
        expect(page.get_by_text("not valid or has already been used")).to_be_visible()

    # The signed hours and contacts count; a signed shift can no longer be dropped.
    with time_machine.travel(shift.ends_at + datetime.timedelta(days=1), tick=True):
        page.goto(clinicals)
        expect(page.get_by_text("11.5 / 24")).to_be_visible()
        expect(page.get_by_text("2 / 10")).to_be_visible()
        expect(page.get_by_text("Signed by Dana Whitfield: 690 minutes.")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Drop this shift"))).to_have_count(0)
        screenshot("clinicals-progress-phone")


def test_the_preceptor_page_the_clearance_board_and_a_used_link_have_no_axe_violations(
    live_server, page: Page, clinic, screenshot
):
    enrollment, shift = clinic["enrollment"], clinic["shift"]
    page.set_viewport_size(PHONE)
    link = clinical.issue_preceptor_link(shift=shift)
    page.goto(f"{live_server.url}/preceptor/{link.token}/")
    expect(page.get_by_text("No students are booked on this shift.")).to_be_visible()
    screenshot("preceptor-empty-phone")
    page.get_by_role("button", name="Sign and lock these entries").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    screenshot("preceptor-errors-phone")
    page.goto(f"{live_server.url}/preceptor/{'x' * 43}/")
    screenshot("preceptor-used-phone")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/my/{enrollment.token}/clinicals/")
    screenshot("clinicals-laptop")
    page.goto(f"{live_server.url}/admin/clinical/shift/clearance/{enrollment.cohort_id}/")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Clearance of EMT-2027-SPR-EVE")).to_be_visible()
    screenshot("clearance-board-laptop")

    # Staff publish a series of Saturday shifts from its preview.
    page.goto(f"{live_server.url}/admin/clinical/shift/series/")
    page.get_by_label("Site").select_option(label="Lakeshore General Hospital ED")
    page.get_by_label("Saturday").check()
    page.get_by_label("Starts at").fill("07:00")
    page.get_by_label("Ends at").fill("19:00")
    page.get_by_label("From").fill("2027-05-01")
    page.get_by_label("Until").fill("2027-05-29")
    page.get_by_role("button", name="Preview shifts").click()
    expect(page.get_by_role("heading", name="Preview: 5 shifts")).to_be_visible()
    screenshot("shift-series-preview-laptop")
    page.get_by_role("button", name="Publish 5 shifts").click()
    expect(page.get_by_text("Published 5 shifts.")).to_be_visible()
