"""Clean text in, clean text out: names cannot carry a message, and e-mails link only the school's own addresses."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from enrollment import notifications, services
from enrollment.models import Student, validate_person_name
from tests.factories import make_cohort, student_details

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "URGENT pay tuition at www.evil.example",
        "Ana\nCall 312-555-0000",
        "Ana\r\nBcc: x",
        "Ana\u202e",  # a right-to-left override
        "evil.example",
        "http://evil.example",
        "Ana <b>",
        "Ana 2",
    ],
)
def test_a_name_that_could_carry_a_message_is_refused_with_a_field_error(client, name):
    cohort = make_cohort()
    response = client.post(
        reverse("enrollment:signup", args=[cohort.pk]),
        {
            "first_name": name,
            "last_name": "Lopez",
            "email": "ana@example.com",
            "phone": "(312) 555-0101",
            "date_of_birth": "1998-04-02",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 200
    assert "Use only letters, spaces, apostrophes, hyphens and periods in a name." in response.text
    assert not Student.objects.exists()


def test_a_nul_byte_in_a_name_is_refused_before_the_form_sees_it(client):
    response = client.post(
        reverse("enrollment:signup", args=[make_cohort().pk]),
        {"first_name": "Ana\x00", "last_name": "Lopez", "email": "ana@example.com"},
    )
    assert response.status_code == 400
    assert not Student.objects.exists()


@pytest.mark.parametrize("name", ["María José", "O'Neil-Smith", "D’Angelo", "J.R.", "St. John", "Nguyễn", "Zoë"])
def test_real_names_pass(name):
    validate_person_name(name)


def test_the_validator_refuses_a_domain_hidden_in_a_name():
    with pytest.raises(ValidationError):
        validate_person_name("Bob.Evil")


def test_the_html_email_links_our_address_and_nothing_a_person_typed(settings):
    enrollment = services.request_seat(cohort=make_cohort(), student=student_details(email="kim@example.com"))
    enrollment.reason = "See www.evil.example or http://evil.example/pay now"
    enrollment.save(update_fields=["reason"])
    mail.outbox.clear()

    notifications.send_enrollment_email(enrollment, "rejected")
    notifications.send_enrollment_email(enrollment, "enrolled")

    rejected, enrolled = mail.outbox
    html = rejected.alternatives[0][0]
    assert "www.evil.example" in html and "http://evil.example/pay" in html  # shown as the words they are
    assert 'href="http://evil' not in html and 'href="www' not in html
    assert rejected.body.count("http://evil.example/pay now") == 1  # the text part as the template wrote it
    link = f"{settings.SITE_URL}/my/{enrollment.token}/"
    assert f'<a href="{link}">{link}</a>' in enrolled.alternatives[0][0]
    assert link in enrolled.body
