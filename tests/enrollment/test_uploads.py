"""Credential evidence uploads: a body too large is refused unread, a file too large is a form error with the rest of
the form kept, and the stored file's name and extension are the server's, never the uploader's."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from courses.models import CourseDate
from enrollment import services
from enrollment.evidence import MAX_EVIDENCE_BYTES, OversizedUpload
from enrollment.models import Credential, Enrollment
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    student_details,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a scanned CPR card\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
TOO_LARGE = "The file is larger than 5 MB: choose a smaller scan or photo, and choose the file again."


@pytest.fixture
def cohort():
    course = make_course(title="Emergency Medical Technician")
    make_requirement(course, make_credential_type(), valid_through=CourseDate.END, needs_verification=True)
    return make_cohort(course=course, capacity=5)


def signup_data(cohort, evidence=None, **overrides) -> dict:
    ctype = cohort.course.requirements.get().credential_type
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "312-555-0142",
        "date_of_birth": "1996-04-02",
        "privacy_consent": "on",
        f"cred_{ctype.pk}_number": "BLS-777",
        f"cred_{ctype.pk}_expires": (cohort.ends_on + datetime.timedelta(days=30)).isoformat(),
    }
    if evidence is not None:
        data[f"cred_{ctype.pk}_evidence"] = evidence
    return data | overrides


def sign_up(client, cohort, evidence=None, **overrides):
    return client.post(reverse("enrollment:signup", args=[cohort.pk]), signup_data(cohort, evidence, **overrides))


def test_a_body_larger_than_the_limit_is_refused_unread_with_a_413_page(client, cohort, settings):
    # The announced length is 300 MB; the test client would fail the test if anything tried to read past the few
    # bytes actually sent.
    response = client.post(
        reverse("enrollment:signup", args=[cohort.pk]),
        signup_data(cohort),
        CONTENT_LENGTH=str(300 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "Each scan or photo may be at most 5 MB" in response.text
    assert response["Connection"] == "close"
    assert not Enrollment.objects.exists()
    assert settings.MAX_REQUEST_BODY_BYTES >= 2 * MAX_EVIDENCE_BYTES  # a signup with two full-size scans passes


def test_a_signup_with_two_full_size_scans_is_not_refused_for_its_size(client, settings):
    course = make_course(title="Paramedic")
    for code, name in [("EMT", "EMT license"), ("CPR_BLS", "CPR/BLS card")]:
        make_requirement(course, make_credential_type(code, name), valid_through=CourseDate.END)
    cohort = make_cohort(course=course)
    data = signup_data_for_each_requirement(cohort)
    response = client.post(reverse("enrollment:signup", args=[cohort.pk]), data)
    assert response.status_code == 302
    assert Credential.objects.filter(evidence__endswith=".pdf").count() == 2


def signup_data_for_each_requirement(cohort) -> dict:
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "312-555-0142",
        "date_of_birth": "1990-04-02",
        "privacy_consent": "on",
    }
    expires = (cohort.ends_on + datetime.timedelta(days=30)).isoformat()
    for requirement in cohort.course.requirements.all():
        prefix = f"cred_{requirement.credential_type_id}"
        scan = SimpleUploadedFile("scan.pdf", PDF + b"0" * (MAX_EVIDENCE_BYTES - len(PDF)))
        data |= {f"{prefix}_number": "N-1", f"{prefix}_expires": expires, f"{prefix}_evidence": scan}
    return data


def test_a_file_over_5_mb_is_a_form_error_and_the_typed_fields_are_kept(client, cohort):
    scan = SimpleUploadedFile("card.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES)
    response = sign_up(client, cohort, scan, first_name="Josefina")
    assert response.status_code == 200
    assert TOO_LARGE in response.text
    assert 'value="Josefina"' in response.text
    assert 'value="BLS-777"' in response.text
    assert not Enrollment.objects.exists()


def test_the_upload_handler_keeps_no_more_than_the_limit_of_a_file():
    size = MAX_EVIDENCE_BYTES + 1024 * 1024
    request = RequestFactory().post("/", {"scan": SimpleUploadedFile("card.pdf", PDF + b"0" * (size - len(PDF)))})
    upload = request.FILES["scan"]
    assert isinstance(upload, OversizedUpload)
    assert upload.size == size  # the size as sent, for the form to say so
    assert upload.read() == b""  # none of the content
    small = RequestFactory().post("/", {"scan": SimpleUploadedFile("card.pdf", PDF)}).FILES["scan"]
    assert small.read() == PDF


def test_a_file_over_5_mb_on_the_status_page_is_a_form_error(client, cohort):
    ctype = cohort.course.requirements.get().credential_type
    enrollment = services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(ctype)]
    )
    response = client.post(
        reverse("enrollment:add_credential", args=[enrollment.token]),
        {
            "credential_type": ctype.pk,
            "number": "BLS-888",
            "expires_on": "2040-01-01",
            "evidence": SimpleUploadedFile("card.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES),
        },
    )
    assert response.status_code == 400
    assert TOO_LARGE in response.text
    assert 'value="BLS-888"' in response.text
    assert enrollment.student.credentials.count() == 1


def test_a_file_name_with_a_90_character_extension_is_stored_under_the_servers_name(client, cohort):
    response = sign_up(client, cohort, SimpleUploadedFile("card." + "x" * 90, PDF))
    assert response.status_code == 302
    name = Credential.objects.get().evidence.name
    assert name.startswith("evidence/")
    assert name.endswith(".pdf")
    assert "card" not in name


@pytest.mark.parametrize(
    ("uploaded_as", "content", "stored_as"),
    [("card.html", PDF, ".pdf"), ("card.svg", PNG, ".png"), ("card", PNG, ".png"), ("card.PDF.exe", PDF, ".pdf")],
)
def test_the_stored_extension_is_the_sniffed_kind_not_the_uploaders(client, cohort, uploaded_as, content, stored_as):
    response = sign_up(client, cohort, SimpleUploadedFile(uploaded_as, content))
    assert response.status_code == 302
    evidence = Credential.objects.get().evidence
    assert evidence.name.endswith(stored_as)
    assert evidence.open("rb").read() == content


def test_a_file_that_is_no_scan_is_refused_whatever_its_name(client, cohort):
    response = sign_up(client, cohort, SimpleUploadedFile("card.pdf", b"<svg onload=alert(1)>"))
    assert response.status_code == 200
    assert "Upload a PDF, JPEG or PNG file." in response.text
    assert not Credential.objects.exists()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def admin_credential_data(student, ctype, evidence) -> dict:
    return {
        "student": student.pk,
        "credential_type": ctype.pk,
        "number": "BLS-999",
        "issued_on": "",
        "expires_on": "2040-01-01",
        "evidence": evidence,
    }


@pytest.mark.parametrize(
    ("evidence", "error"),
    [
        (SimpleUploadedFile("card.html", b"<html><script>alert(1)</script>"), "Upload a PDF, JPEG or PNG file."),
        (SimpleUploadedFile("card.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES), TOO_LARGE),
    ],
)
def test_the_admins_credential_page_checks_evidence_as_the_site_does(staff_client, cohort, evidence, error):
    ctype = cohort.course.requirements.get().credential_type
    student = services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(ctype)]
    ).student
    response = staff_client.post(
        reverse("admin:enrollment_credential_add"), admin_credential_data(student, ctype, evidence)
    )
    assert response.status_code == 200
    assert error in response.text
    assert not Credential.objects.filter(number="BLS-999").exists()


def test_the_admins_credential_page_stores_a_scan_under_the_servers_name(staff_client, cohort):
    ctype = cohort.course.requirements.get().credential_type
    student = services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(ctype)]
    ).student
    response = staff_client.post(
        reverse("admin:enrollment_credential_add"),
        admin_credential_data(student, ctype, SimpleUploadedFile("card.svg", PNG)),
    )
    assert response.status_code == 302
    assert Credential.objects.get(number="BLS-999").evidence.name.endswith(".png")
