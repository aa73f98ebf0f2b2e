"""On a phone: a waitlisted student whose CPR card staff rejected is offered a seat, is told what to add, adds a
renewed card from their private link, and takes the seat."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

from courses.models import CourseDate
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

PHONE = {"width": 390, "height": 844}


def test_a_student_told_what_to_add_adds_a_card_and_takes_the_seat(live_server, page: Page, screenshot):
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    course = make_course(title="Emergency Medical Technician")
    make_requirement(course, cpr, valid_through=CourseDate.START)
    cohort = make_cohort(course, code="EMT-2027-SPR-EVE", capacity=1)
    seated = services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(cpr)], confirmed=True
    )
    waiting = services.request_seat(
        cohort=cohort,
        student=student_details(first_name="Lena", email="lena@example.com"),
        credentials=[credential_details(cpr, number="AHA-OLD")],
        confirmed=True,
    )
    staff = get_user_model().objects.create_superuser("dana", "dana@example.com", "pw-for-tests-123")
    services.reject_credential(credential=waiting.student.credentials.get(), actor=staff, reason="Illegible scan.")
    services.withdraw(enrollment=seated)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + waiting.get_absolute_url())
    expect(page.get_by_text("A seat is yours if you want it.")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("could not accept the CPR/BLS card")
    screenshot("status-offer-needs-card-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.get_by_label("Number").fill("AHA-NEW-2291")
    page.get_by_label("Expiration date").fill((cohort.ends_on + datetime.timedelta(days=365)).isoformat())
    page.get_by_role("button", name="Add credential").click()
    expect(page.get_by_text("your CPR/BLS card is on file")).to_be_visible()
    page.get_by_role("button", name="Accept offer").click()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    screenshot("status-enrolled-phone")
    assert Enrollment.objects.get(pk=waiting.pk).status == EnrollmentStatus.ENROLLED
    assert any("You are enrolled" in m.subject for m in mail.outbox)


def test_the_page_after_a_signup_fits_a_phone(live_server, page: Page, screenshot):
    cohort = make_cohort(code="EMR-2027-SPR", capacity=5)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/cohorts/{cohort.pk}/signup/")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("King")
    page.get_by_label("Email").fill("dana.king@example.com")
    page.get_by_role("textbox", name=re.compile(r"^Phone")).fill("773 555 0199")
    page.get_by_label("Date of birth").fill("1998-03-14")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail to confirm")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("signup-sent-phone")
    page.get_by_role("button", name="Send the e-mail again").click()
    expect(page.get_by_text("We have sent the e-mail again")).to_be_visible()
    assert len(mail.outbox) == 2
