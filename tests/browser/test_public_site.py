"""The public site on a phone (390x844) and a laptop (1366x900): the cohort cards' Sign up / Join the waitlist
button inside the viewport, the signup form's error summary and guardian fields, declining an offer, a staff move,
and a screenshot (with axe-core, zero violations) of every public and status page state."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from courses.models import CohortStatus, CourseDate, Level
from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import (
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_session,
    student_details,
    years_before,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}
S = EnrollmentStatus


@pytest.fixture
def school():
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    emr = make_course(level=Level.EMR, slug="emr", title="Emergency Medical Responder", min_age=16, display_order=1)
    emt = make_course(level=Level.EMT, slug="emt", title="Emergency Medical Technician", display_order=2)
    make_requirement(emt, cpr, valid_through=CourseDate.END)
    paramedic = make_course(level=Level.PARAMEDIC, slug="paramedic", title="Paramedic", display_order=4)
    license_ = make_credential_type("EMT", "EMT license", granted_by=emt)
    make_requirement(paramedic, license_, valid_through=CourseDate.START, needs_verification=True)
    cohorts = {
        "emr": make_cohort(emr, code="EMR-2027-SPR-SAT", capacity=16),
        "emt": make_cohort(emt, code="EMT-2027-SPR-EVE", capacity=12),
        "emt_full": make_cohort(emt, code="EMT-2027-SUM-DAY", capacity=1),
        "emt_running": make_cohort(
            emt,
            code="EMT-2026-FALL-EVE",
            status=CohortStatus.RUNNING,
            starts_on=datetime.date.today() + datetime.timedelta(days=1),
        ),
        "paramedic": make_cohort(paramedic, code="PARA-2027-SPR-DAY", capacity=20),
    }
    make_session(cohorts["emt"], days_from_now=31, topic="Scene size-up and patient assessment")
    for first_name in ("Ana", "Ben"):  # one seated, one waiting: the summer cohort is full
        services.request_seat(
            cohort=cohorts["emt_full"],
            student=student_details(first_name=first_name),
            credentials=[services.CredentialDetails(cpr, "BLS-1", cohorts["emt_full"].ends_on)],
            confirmed=True,
        )
    return {**cohorts, "cpr": cpr}


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def assert_inside_viewport(page: Page, locator) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{box} outside a {width} px wide view"


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_the_signup_buttons_are_inside_the_viewport(live_server, page: Page, school, screenshot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    for name, path in [("courses", "/courses/"), ("course-emt", "/courses/emt/")]:
        page.goto(live_server.url + path)
        sign_up = page.get_by_role("link", name="Sign up for EMT-2027-SPR-EVE")
        waitlist = page.get_by_role("link", name="Join the waitlist for EMT-2027-SUM-DAY")
        for button in (sign_up, waitlist):
            button.scroll_into_view_if_needed()
            expect(button).to_be_visible()
            assert_inside_viewport(page, button)
        # A running cohort shows no badge and no button; a full one no red "Sign up".
        expect(page.get_by_role("link", name=re.compile("for EMT-2026-FALL-EVE$"))).to_have_count(0)
        expect(page.get_by_text("Running: not taking signups.")).to_be_visible()
        assert "btn-elite" not in (waitlist.get_attribute("class") or "")
        assert fits(page)
        screenshot(f"public-{name}-{viewport}")
    page.goto(live_server.url + f"/cohorts/{school['emt_full'].pk}/")
    cta = page.get_by_role("link", name="Join the waitlist for EMT-2027-SUM-DAY")
    cta.scroll_into_view_if_needed()
    assert_inside_viewport(page, cta)
    screenshot(f"public-cohort-full-{viewport}")
    for name, path in [("home", "/"), ("privacy", "/privacy/"), ("refunds", "/refunds/")]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("contentinfo")).to_contain_text("(312) 555-0100")
        assert fits(page)
        screenshot(f"public-{name}-{viewport}")


def fill_person(page: Page, *, born: str) -> None:
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("King")
    page.get_by_label("Email").fill("dana.king@example.com")
    page.get_by_role("textbox", name=re.compile(r"^Phone")).fill("773 555 0199")
    page.get_by_label("Date of birth").fill(born)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_a_failed_submit_moves_focus_to_the_error_summary(live_server, page: Page, school, screenshot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/cohorts/{school['emt'].pk}/signup/")
    screenshot(f"signup-form-{viewport}")
    page.get_by_label("First name").fill("Dana")
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("^Last name"))).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("^I have read the privacy notice"))).to_be_visible()
    assert fits(page)
    screenshot(f"signup-errors-{viewport}")
    summary.get_by_role("link", name=re.compile("^Last name")).click()
    expect(page.get_by_label("Last name")).to_be_focused()
    assert not Enrollment.objects.filter(cohort=school["emt"]).exists()


def test_too_young_for_emt_is_pointed_to_emr_which_signs_up_a_16_year_old_with_a_guardian(
    live_server, page: Page, school, screenshot
):
    page.set_viewport_size(VIEWPORTS["phone"])
    emt, emr = school["emt"], school["emr"]
    sixteen = years_before(emt.starts_on, 16).isoformat()
    page.goto(f"{live_server.url}/cohorts/{emt.pk}/signup/")
    fill_person(page, born=sixteen)
    page.get_by_label("CPR/BLS card number").fill("AHA-1")
    page.get_by_label("CPR/BLS card expiration date").fill((emt.ends_on + datetime.timedelta(days=90)).isoformat())
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("open to people aged 18 or older")
    expect(summary).to_be_focused()
    screenshot("signup-too-young-phone")
    summary.get_by_role("link", name=re.compile("Emergency Medical Responder \\(EMR\\) is open from age 16")).click()
    expect(page.get_by_role("heading", name="Emergency Medical Responder", level=1)).to_be_visible()

    page.goto(f"{live_server.url}/cohorts/{emr.pk}/signup/")
    guardian = page.get_by_role("group", name="Parent or guardian")
    fill_person(page, born=years_before(emr.starts_on, 30).isoformat())
    expect(guardian).to_be_hidden()  # progressive enhancement: an adult is not asked
    page.get_by_label("Date of birth").fill(years_before(emr.starts_on, 16).isoformat())
    expect(guardian).to_be_visible()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()  # the server decides: no guardian, no signup
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("under 18 when the course starts")
    expect(summary).to_be_focused()
    expect(guardian).to_be_visible()
    screenshot("signup-guardian-missing-phone")
    page.get_by_label("Parent or guardian's name").fill("Rosa King")
    page.get_by_label("Parent or guardian's phone").fill("773 555 0100")
    page.get_by_label("Parent or guardian's e-mail").fill("rosa.king@example.com")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail to confirm")).to_be_visible()
    enrollment = Enrollment.objects.get(cohort=emr)
    assert (enrollment.guardian_name, enrollment.guardian_email) == ("Rosa King", "rosa.king@example.com")
    assert enrollment.privacy_consent_at is not None


def test_paramedic_without_an_emt_license_is_pointed_to_the_emt_cohorts(live_server, page: Page, school, screenshot):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{live_server.url}/cohorts/{school['paramedic'].pk}/signup/")
    fill_person(page, born="1995-03-14")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Paramedic requires a current EMT license")
    screenshot("signup-no-license-phone")
    summary.get_by_role("link", name=re.compile("No EMT license yet?")).click()
    expect(page.get_by_role("heading", name="Upcoming cohorts")).to_be_in_viewport()


def seat(cohort, cpr, **details):
    return services.request_seat(
        cohort=cohort,
        student=student_details(**details),
        credentials=[services.CredentialDetails(cpr, "BLS-9", cohort.ends_on + datetime.timedelta(days=30))],
        confirmed=True,
    )


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_declining_an_offer_passes_the_seat_on(live_server, page: Page, school, screenshot, viewport):
    cohort, cpr = school["emt_full"], school["cpr"]
    waiting = Enrollment.objects.get(cohort=cohort, status=S.WAITLISTED)
    behind = seat(cohort, cpr, first_name="Omar")
    services.withdraw(enrollment=Enrollment.objects.get(cohort=cohort, status=S.ENROLLED))
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + waiting.get_absolute_url())
    expect(page.get_by_text("A seat is yours if you want it.")).to_be_visible()
    accept = page.get_by_role("button", name="Accept offer")
    decline = page.get_by_role("link", name="Decline offer")
    for button in (accept, decline):
        assert_inside_viewport(page, button)
    assert fits(page)
    screenshot(f"status-offer-{viewport}")
    decline.click()
    expect(page.get_by_role("heading", name="Decline the seat in EMT-2027-SUM-DAY?")).to_be_visible()
    screenshot(f"status-decline-confirm-{viewport}")
    page.get_by_role("button", name="Yes, decline the seat").click()
    expect(page.get_by_text("You have declined the seat in EMT-2027-SUM-DAY")).to_be_visible()
    expect(page.get_by_text("You declined the offered seat.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign up for another cohort")).to_be_visible()
    expect(page.get_by_role("link", name="Sign up for EMT-2027-SPR-EVE")).to_be_visible()
    expect(page.get_by_text("Next classes")).to_have_count(0)
    assert fits(page)
    screenshot(f"status-declined-{viewport}")
    assert Enrollment.objects.get(pk=waiting.pk).status == S.WITHDRAWN
    assert Enrollment.objects.get(pk=behind.pk).status == S.OFFERED


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_a_moved_student_follows_the_old_link_to_the_new_cohort(live_server, page: Page, school, screenshot, viewport):
    get_user_model().objects.create_superuser("dana", "dana@example.com", "pw-for-tests-123")
    old = seat(school["emt"], school["cpr"], first_name="Lena")
    new = services.move(
        enrollment=old, to_cohort=school["emt_full"], actor=get_user_model().objects.get(username="dana")
    )
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + old.get_absolute_url())
    expect(page.get_by_text("You have been moved to EMT-2027-SUM-DAY.")).to_be_visible()
    assert fits(page)
    screenshot(f"status-moved-{viewport}")
    page.get_by_role("link", name="See your enrollment in EMT-2027-SUM-DAY").click()
    expect(page).to_have_url(re.compile(re.escape(new.get_absolute_url()) + "$"))
    expect(page.get_by_text("on the waitlist")).to_be_visible()
    screenshot(f"status-waitlisted-{viewport}")


def test_status_page_states_on_a_phone(live_server, page: Page, school, screenshot):
    cpr = school["cpr"]
    staff = get_user_model().objects.create_superuser("dana", "dana@example.com", "pw-for-tests-123")
    enrolled = seat(school["emt"], cpr, first_name="Ana")
    license_ = school["paramedic"].course.requirements.get().credential_type
    pending = services.request_seat(
        cohort=school["paramedic"],
        student=student_details(first_name="Pat"),
        credentials=[services.CredentialDetails(license_, "EMT-77", school["paramedic"].ends_on)],
        confirmed=True,
    )
    rejected = seat(school["emt_full"], cpr, first_name="Rae")
    services.reject(enrollment=rejected, actor=staff, reason="We could not verify your CPR card.")
    withdrawn = seat(school["emr"], cpr, first_name="Wes")
    services.withdraw(enrollment=withdrawn)
    page.set_viewport_size(VIEWPORTS["phone"])
    for name, enrollment, text in [
        ("enrolled", enrolled, "You are enrolled."),
        ("pending", pending, "Pending review."),
        ("rejected", rejected, "Your signup was not accepted."),
        ("withdrawn", withdrawn, "You have withdrawn"),
    ]:
        page.goto(live_server.url + enrollment.get_absolute_url())
        expect(page.get_by_text(text)).to_be_visible()
        expect(page.get_by_role("contentinfo")).to_contain_text("office@elite-ems.example")
        assert fits(page)
        screenshot(f"status-{name}-phone")
    assert Enrollment.objects.get(pk=pending.pk).status == S.PENDING_REVIEW
