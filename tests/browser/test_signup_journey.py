import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from courses.models import CourseDate, Level
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_course, make_credential_type, make_requirement, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def school():
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    emt_license = make_credential_type("EMT", "EMT license")
    emt = make_course(
        level=Level.EMT, slug="emt", title="Emergency Medical Technician", display_order=2, nominal_hours=120
    )
    make_requirement(emt, cpr, valid_through=CourseDate.END)
    emt_license.granted_by = emt
    emt_license.save()
    paramedic = make_course(
        level=Level.PARAMEDIC, slug="paramedic", title="Paramedic", display_order=4, nominal_hours=1100
    )
    make_requirement(paramedic, emt_license, valid_through=CourseDate.START, needs_verification=True)
    emt_cohort = make_cohort(course=emt, code="EMT-2027-SPR-EVE", capacity=12)
    make_session(emt_cohort, days_from_now=31, topic="Scene size-up and patient assessment")
    para_cohort = make_cohort(course=paramedic, code="PARA-2027-SPR-DAY", capacity=20)
    return {"emt": emt_cohort, "paramedic": para_cohort, "cpr": cpr}


def fill_person(page: Page, *, born: str = "1998-03-14", email: str = "dana.king@example.com") -> None:
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("King")
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name=re.compile(r"^Phone")).fill("773 555 0199")
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("I have read the privacy notice").check()


def test_a_person_signs_up_for_emt_then_withdraws(live_server, page: Page, school, screenshot):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Compare the levels")).to_be_visible()
    screenshot("home-desktop")
    page.get_by_role("link", name="About Emergency Medical Technician (EMT) and its cohorts").click()
    expect(page.get_by_role("heading", name="Emergency Medical Technician", level=1)).to_be_visible()
    screenshot("course-desktop")
    page.get_by_role("link", name="EMT-2027-SPR-EVE", exact=True).click()
    expect(page.get_by_text("Scene size-up and patient assessment")).to_be_visible()
    page.get_by_role("link", name="Sign up").click()
    screenshot("signup-desktop")

    fill_person(page)
    expires = (school["emt"].ends_on + datetime.timedelta(days=200)).isoformat()
    page.get_by_label("CPR/BLS card number").fill("AHA-2291-77")
    page.get_by_label("CPR/BLS card expiration date").fill(expires)
    page.get_by_role("button", name="Sign up").click()

    # The page says what happened and asks to confirm from the e-mail; the private link is only in the e-mail.
    expect(page.get_by_role("heading", name="Check your e-mail to confirm")).to_be_visible()
    expect(page.get_by_text("A seat is held for you.")).to_be_visible()
    screenshot("signup-sent-desktop")
    assert "/my/" not in page.url
    [message] = mail.outbox
    link = re.search(r"http://\S+(/my/[\w-]{43,}/)", message.body).group(1)
    page.goto(live_server.url + link)
    expect(page.get_by_text("your e-mail address is confirmed")).to_be_visible()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    page.get_by_role("link", name="Withdraw").click()
    page.get_by_label("Reason (optional)").fill("My shifts changed.")
    page.get_by_role("button", name="Yes, withdraw").click()
    expect(page.get_by_text("You have withdrawn from EMT-2027-SPR-EVE")).to_be_visible()
    assert Enrollment.objects.get().status == EnrollmentStatus.WITHDRAWN


def test_a_person_under_18_is_told_why_and_keeps_their_input(live_server, page: Page, school):
    page.goto(f"{live_server.url}/cohorts/{school['emt'].pk}/signup/")
    born = (school["emt"].starts_on - datetime.timedelta(days=365 * 17)).isoformat()
    expires = (school["emt"].ends_on + datetime.timedelta(days=200)).isoformat()
    fill_person(page, born=born)
    page.get_by_label("CPR/BLS card number").fill("AHA-1")
    page.get_by_label("CPR/BLS card expiration date").fill(expires)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("open to people aged 18 or older")
    expect(page.get_by_label("First name")).to_have_value("Dana")
    expect(page.get_by_label("Email")).to_have_value("dana.king@example.com")
    assert not Enrollment.objects.exists()


def test_paramedic_without_emt_is_refused_with_the_sentence(live_server, page: Page, school):
    page.goto(f"{live_server.url}/cohorts/{school['paramedic'].pk}/signup/")
    fill_person(page)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("Paramedic requires a current EMT license, valid until")
    expect(page.get_by_role("alert")).to_contain_text("Add your EMT license: its number and expiration date.")
    expect(page.get_by_label("Last name")).to_have_value("King")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_screenshots_of_public_pages(live_server, page: Page, school, screenshot, viewport):
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    for name, path in [
        ("home", "/"),
        ("course", "/courses/emt/"),
        ("signup", f"/cohorts/{school['emt'].pk}/signup/"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
        # No horizontal scrolling on a phone: the page fits its width.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(f"{name}-{viewport}")
