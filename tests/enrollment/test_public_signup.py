"""The signup form a school can put its name on: the privacy consent, a minor's parent or guardian, credential
fields marked required, an error summary that links to each field, refusals that point to what the person can do,
and uploads that say "choose the file again"."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import CourseDate, Level
from enrollment import services
from enrollment.models import Enrollment
from tests.factories import (
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    student_details,
    years_before,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """EMR (from 16, no credential), EMT (from 18, a CPR card), Paramedic (an EMT license, which EMT grants)."""
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    emr = make_course(slug="emr", level=Level.EMR, title="Emergency Medical Responder", min_age=16, display_order=1)
    emt = make_course(slug="emt", level=Level.EMT, title="Emergency Medical Technician", display_order=2)
    make_requirement(emt, cpr, valid_through=CourseDate.END)
    license_ = make_credential_type("EMT", "EMT license", granted_by=emt)
    paramedic = make_course(slug="paramedic", level=Level.PARAMEDIC, title="Paramedic", display_order=3)
    make_requirement(paramedic, license_, valid_through=CourseDate.START, needs_verification=True)
    return {
        "cpr": cpr,
        "license": license_,
        "emr": make_cohort(emr, code="EMR-1"),
        "emt": make_cohort(emt, code="EMT-1"),
        "paramedic": make_cohort(paramedic, code="PARA-1"),
    }


def person(cohort, **overrides):
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "312-555-0142",
        "date_of_birth": years_before(cohort.starts_on, 30).isoformat(),
        "privacy_consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def card(cohort, ctype, **overrides):
    data = {
        f"cred_{ctype.pk}_number": "BLS-777",
        f"cred_{ctype.pk}_expires": (cohort.ends_on + datetime.timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def post(client, cohort, data):
    return client.post(reverse("enrollment:signup", args=[cohort.pk]), data)


# --- privacy consent -----------------------------------------------------------------------------------------------


def test_signup_without_the_privacy_consent_is_shown_again_and_stores_nothing(client, catalogue):
    cohort = catalogue["emr"]
    response = post(client, cohort, person(cohort, privacy_consent=None))
    assert response.status_code == 200
    assert "I have read the privacy notice" in response.text
    assert 'href="#id_privacy_consent"' in response.text  # the summary links to the box
    assert not Enrollment.objects.exists()


def test_the_consent_time_is_stored_on_the_enrollment(client, catalogue):
    cohort = catalogue["emr"]
    assert post(client, cohort, person(cohort)).status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.privacy_consent_at is not None
    html = client.get(reverse("enrollment:signup", args=[cohort.pk])).content.decode()
    assert 'href="/privacy/"' in html and 'href="/refunds/"' in html


def test_staff_signups_carry_no_consent_time(catalogue):
    enrollment = services.request_seat(cohort=catalogue["emr"], student=student_details(), confirmed=True)
    assert enrollment.privacy_consent_at is None


# --- a minor's parent or guardian -----------------------------------------------------------------------------------


def test_a_16_year_old_without_a_guardian_is_asked_for_one_and_nothing_is_stored(client, catalogue):
    cohort = catalogue["emr"]
    sixteen = years_before(cohort.starts_on, 16).isoformat()
    response = post(client, cohort, person(cohort, date_of_birth=sixteen))
    assert response.status_code == 200
    assert "under 18 when the course starts" in response.text
    for name in ("guardian_name", "guardian_phone", "guardian_email"):
        assert f'href="#id_{name}"' in response.text, name
    assert not Enrollment.objects.exists()


def test_a_16_year_old_with_a_guardian_signs_up_and_the_guardian_is_kept(client, catalogue, superuser_client):
    cohort = catalogue["emr"]
    sixteen = years_before(cohort.starts_on, 16).isoformat()
    guardian = {"guardian_name": "Rosa Lopez", "guardian_phone": "773 555 0100", "guardian_email": "Rosa@Example.com"}
    assert post(client, cohort, {**person(cohort, date_of_birth=sixteen), **guardian}).status_code == 302
    enrollment = Enrollment.objects.get()
    assert (enrollment.guardian_name, enrollment.guardian_phone, enrollment.guardian_email) == (
        "Rosa Lopez",
        "(773) 555-0100",
        "rosa@example.com",
    )
    page = superuser_client.get(reverse("admin:enrollment_enrollment_change", args=[enrollment.pk])).content.decode()
    assert "Rosa Lopez" in page and "(773) 555-0100" in page


def test_someone_turning_18_by_the_first_day_needs_no_guardian(client, catalogue):
    cohort = catalogue["emr"]
    eighteen = years_before(cohort.starts_on, 18).isoformat()
    assert post(client, cohort, person(cohort, date_of_birth=eighteen)).status_code == 302
    assert Enrollment.objects.get().guardian_name == ""


def test_a_guardian_half_given_is_asked_to_be_completed(client, catalogue):
    cohort = catalogue["emr"]
    response = post(client, cohort, {**person(cohort), "guardian_name": "Rosa Lopez"})
    assert response.status_code == 200
    assert "Enter a phone number for the parent or guardian." in response.text
    assert not Enrollment.objects.exists()


def test_the_service_refuses_a_minor_without_a_guardian(catalogue):
    cohort = catalogue["emr"]
    with pytest.raises(services.EnrollmentError) as refused:
        services.sign_up(cohort=cohort, student=student_details(date_of_birth=years_before(cohort.starts_on, 16)))
    assert refused.value.code == "guardian_required"


# --- refusals point somewhere --------------------------------------------------------------------------------------


def test_too_young_for_emt_is_pointed_to_emr(client, catalogue):
    cohort = catalogue["emt"]
    sixteen = years_before(cohort.starts_on, 16).isoformat()
    response = post(client, cohort, {**person(cohort, date_of_birth=sixteen), **card(cohort, catalogue["cpr"])})
    assert response.status_code == 200
    assert "open to people aged 18 or older" in response.text
    assert re.search(
        r'<a href="/courses/emr/#cohorts" class="next-step">Emergency Medical Responder \(EMR\) is open from age 16',
        response.text,
    )


def test_too_young_even_for_emr_gets_no_pointer(catalogue):
    cohort = catalogue["emt"]
    eligibility = services.check_eligibility(
        cohort, date_of_birth=years_before(cohort.starts_on, 15), credentials=[], requirements=[]
    )
    assert eligibility.shortfalls[0].code == "too_young"
    assert eligibility.shortfalls[0].next_step is None


def test_no_emt_license_for_paramedic_is_pointed_to_the_emt_cohorts(client, catalogue):
    cohort = catalogue["paramedic"]
    response = post(client, cohort, person(cohort))
    assert response.status_code == 200
    assert "requires a current EMT license" in response.text
    assert 'href="/courses/emt/#cohorts" class="next-step">No EMT license yet?' in response.text
    emt_page = client.get("/courses/emt/").content.decode()
    assert 'id="cohorts"' in emt_page and "EMT-1" in emt_page


def test_the_status_page_shows_the_pointer_with_the_shortfall(client, catalogue):
    cohort = catalogue["paramedic"]
    waiting = services.request_seat(
        cohort=cohort,
        student=student_details(),
        credentials=[services.CredentialDetails(catalogue["license"], "EMT-1", cohort.ends_on)],
        confirmed=True,
    )
    # The course now also asks for a credential the EMR course grants, which the student never gave.
    responder = make_credential_type("EMR", "EMR certificate", granted_by=catalogue["emr"].course)
    make_requirement(cohort.course, responder)
    html = client.get(waiting.get_absolute_url()).content.decode()
    assert "requires a current EMR certificate" in html
    assert '<a href="/courses/emr/#cohorts">No EMR certificate yet?' in html


# --- the form itself ------------------------------------------------------------------------------------------------


def test_credential_fields_the_course_requires_are_marked_required(client, catalogue):
    cohort = catalogue["emt"]
    html = client.get(reverse("enrollment:signup", args=[cohort.pk])).content.decode()
    ctype = catalogue["cpr"]
    for part in ("number", "expires"):
        assert re.search(rf'<input[^>]*aria-required="true"[^>]*id="id_cred_{ctype.pk}_{part}"', html) or re.search(
            rf'<input[^>]*id="id_cred_{ctype.pk}_{part}"[^>]*aria-required="true"', html
        ), part
    assert "CPR/BLS card number (required)" in html
    assert "scan or photo (optional)" in html


def test_a_failed_submit_starts_with_a_summary_linking_to_each_field(client, catalogue):
    cohort = catalogue["emt"]
    response = post(client, cohort, person(cohort, phone="12", first_name=""))
    assert response.status_code == 200
    summary = response.text[response.text.index("data-error-summary") :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#id_first_name"' in summary and 'href="#id_phone"' in summary
    assert summary.index("#id_first_name") < summary.index("#id_phone")  # in the form's order
    assert 'tabindex="-1"' in response.text
    assert "/static/js/error-summary.js" in response.text


def test_a_rejected_upload_says_why_and_to_choose_the_file_again(client, catalogue):
    cohort = catalogue["emt"]
    ctype = catalogue["cpr"]
    fake = SimpleUploadedFile("card.pdf", b"GIF89a not a pdf at all")
    data = {**person(cohort), **card(cohort, ctype), f"cred_{ctype.pk}_evidence": fake}
    response = post(client, cohort, data)
    assert response.status_code == 200
    assert "Upload a PDF, JPEG or PNG file." in response.text
    assert "choose the file again" in response.text


def test_a_good_upload_lost_to_another_error_says_choose_it_again(client, catalogue):
    cohort = catalogue["emt"]
    ctype = catalogue["cpr"]
    scan = SimpleUploadedFile("my-card<b>.pdf", b"%PDF-1.4\n% card\n")
    data = {**person(cohort, phone="12"), **card(cohort, ctype), f"cred_{ctype.pk}_evidence": scan}
    response = post(client, cohort, data)
    assert response.status_code == 200
    assert "was not kept because the form needs corrections: choose the file again" in response.text
    assert "my-card&lt;b&gt;.pdf" in response.text and "my-card<b>" not in response.text
