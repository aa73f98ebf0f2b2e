import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import CohortStatus, CourseDate
from enrollment import services
from enrollment.models import Credential, Enrollment, EnrollmentStatus, Student
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_session,
    student_details,
    years_before,
)

S = EnrollmentStatus
pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "312-555-0142",
        "date_of_birth": "1996-04-02",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def emt_cohort():
    course = make_course(title="Emergency Medical Technician")
    cpr = make_credential_type()
    make_requirement(course, cpr, valid_through=CourseDate.END)
    return make_cohort(course=course, capacity=2)


def cpr_fields(cohort, expires=None, number="BLS-777"):
    ctype = cohort.course.requirements.get().credential_type
    expires = expires or (cohort.ends_on + datetime.timedelta(days=30)).isoformat()
    return {f"cred_{ctype.pk}_number": number, f"cred_{ctype.pk}_expires": expires}


def test_signup_form_has_the_visible_labels(client, emt_cohort):
    response = client.get(reverse("enrollment:signup", args=[emt_cohort.pk]))
    html = response.content.decode()
    ctype = emt_cohort.course.requirements.get().credential_type
    labels = {
        "first_name": "First name",
        "last_name": "Last name",
        "email": "Email",
        "phone": "Phone",
        "date_of_birth": "Date of birth",
        "privacy_consent": "I have read the privacy notice",
        f"cred_{ctype.pk}_number": "CPR/BLS card number",
        f"cred_{ctype.pk}_expires": "CPR/BLS card expiration date",
    }
    for name, label in labels.items():
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{re.escape(label)}\b', html), label
    assert "Sign up</button>" in html


def test_signup_enrolls_and_redirects_to_the_private_status_page(
    client, emt_cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort)}
        )
    enrollment = Enrollment.objects.get()
    assert response.status_code == 302
    # The private link goes to the address only; the page says what happened and asks to confirm.
    assert response["Location"] == reverse("enrollment:signup_sent", args=[emt_cohort.pk])
    assert enrollment.student.phone == "(312) 555-0142"
    page = client.get(response["Location"]).content.decode()
    assert "A seat is held for you." in page
    assert "maria.lopez@example.com" in page and "(Chicago time)" in page
    assert enrollment.token not in page
    assert len(mail.outbox) == 1
    assert "You are enrolled." in client.get(f"/my/{enrollment.token}/").content.decode()


def test_signup_when_full_says_the_waitlist_position(client, emt_cohort):
    for _ in range(2):
        services.request_seat(
            cohort=emt_cohort,
            student=student_details(),
            credentials=[credential_details(emt_cohort.course.requirements.get().credential_type)],
        )
    services.request_seat(
        cohort=emt_cohort,
        student=student_details(),
        credentials=[credential_details(emt_cohort.course.requirements.get().credential_type)],
    )
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort)}, follow=True
    )
    assert "You are #2 on the waitlist" in response.content.decode()


def test_signup_pending_review_names_the_credential(client):
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course)
    expires = (cohort.ends_on + datetime.timedelta(days=365)).isoformat()
    data = {**form_data(), f"cred_{emt.pk}_number": "IL-EMT-5521", f"cred_{emt.pk}_expires": expires}
    response = client.post(reverse("enrollment:signup", args=[cohort.pk]), data, follow=True)
    assert "while our staff verify your EMT license" in response.content.decode()


def test_paramedic_without_emt_is_refused_with_a_sentence_and_input_kept(client):
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course)
    response = client.post(reverse("enrollment:signup", args=[cohort.pk]), form_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Paramedic requires a current EMT license, valid until the course starts" in html
    assert "Add your EMT license: its number and expiration date." in html
    assert 'value="maria.lopez@example.com"' in html
    assert not Student.objects.exists()


def test_too_young_is_told_why_with_input_kept(client, emt_cohort):
    born = years_before(emt_cohort.starts_on, 17)
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]),
        {**form_data(date_of_birth=born.isoformat()), **cpr_fields(emt_cohort)},
    )
    html = response.content.decode()
    assert "aged 18 or older" in html
    assert 'value="Maria"' in html
    assert not Enrollment.objects.exists()


def test_already_enrolled_does_not_show_the_link(client, emt_cohort, django_capture_on_commit_callbacks):
    first = client.post(reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort)})
    token = Enrollment.objects.get().token
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort)}
        )
    assert first.status_code == again.status_code == 302
    html = client.get(again["Location"]).content.decode()
    assert "already has a place" not in html  # the page says nothing about who is on file
    assert token not in html
    assert token in mail.outbox[0].body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "12345", "Enter a 10-digit phone number"),
        ("date_of_birth", "2999-01-01", "must be in the past"),
        ("date_of_birth", "1890-01-01", "Check the year"),
        ("date_of_birth", "31/31/1999", "Enter a valid date."),
        ("first_name", "x" * 10_000, "Ensure this value has at most 80 characters"),
    ],
)
def test_bad_input_gets_a_field_error_and_keeps_the_rest(client, emt_cohort, field, value, message):
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(**{field: value}), **cpr_fields(emt_cohort)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Lopez" in html
    assert not Enrollment.objects.exists()


def test_expiration_date_must_be_a_real_date(client, emt_cohort):
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort, "2027-02-30")}
    )
    assert "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize(
    ("content", "name", "ok"),
    [
        (b"%PDF-1.7 card", "card.pdf", True),
        (b"\x89PNG\r\n\x1a\n....", "card.png", True),
        (b"\xff\xd8\xff\xe0 jpeg", "card.jpg", True),
        (b"MZ\x90\x00 not a pdf", "card.pdf", False),
    ],
)
def test_evidence_upload_is_checked_by_content(client, emt_cohort, content, name, ok):
    ctype = emt_cohort.course.requirements.get().credential_type
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]),
        {**form_data(), **cpr_fields(emt_cohort), f"cred_{ctype.pk}_evidence": upload},
    )
    if ok:
        assert response.status_code == 302
        assert Credential.objects.get().evidence.name.startswith("evidence/")
    else:
        assert "Upload a PDF, JPEG or PNG file." in response.content.decode()


def test_evidence_over_5_mb_is_refused(client, emt_cohort):
    ctype = emt_cohort.course.requirements.get().credential_type
    upload = io.BytesIO(b"%PDF-" + b"0" * (5 * 1024 * 1024))
    upload.name = "big.pdf"
    response = client.post(
        reverse("enrollment:signup", args=[emt_cohort.pk]),
        {**form_data(), **cpr_fields(emt_cohort), f"cred_{ctype.pk}_evidence": upload},
    )
    assert "larger than 5 MB" in response.content.decode()


def test_signup_for_unknown_or_draft_cohort_is_404(client):
    assert client.get("/cohorts/999999/signup/").status_code == 404
    draft = make_cohort(status=CohortStatus.DRAFT)
    assert client.get(reverse("enrollment:signup", args=[draft.pk])).status_code == 404


def test_signup_for_closed_cohort_says_so_and_stores_nothing(client):
    closed = make_cohort(status=CohortStatus.CLOSED)
    assert "not taking signups" in client.get(reverse("enrollment:signup", args=[closed.pk])).content.decode()
    response = client.post(reverse("enrollment:signup", args=[closed.pk]), form_data())
    assert "not taking signups" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_missing_csrf_token_is_403_not_500(emt_cohort):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("enrollment:signup", args=[emt_cohort.pk]), {**form_data(), **cpr_fields(emt_cohort)}
    )
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()


def test_signups_are_rate_limited_per_address(client, emt_cohort, settings):
    settings.SIGNUP_RATE_LIMIT = "2/h"
    url = reverse("enrollment:signup", args=[emt_cohort.pk])
    statuses = [client.post(url, form_data(email=f"p{i}@example.com")).status_code for i in range(3)]
    assert 429 not in statuses[:2]
    assert statuses[2] == 429
    settings.SIGNUP_RATE_LIMIT = "0"
    assert client.post(url, form_data()).status_code != 429


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 5000])
def test_forged_or_truncated_token_is_404(client, emt_cohort, token):
    assert client.get(f"/my/{token}/").status_code == 404
    assert client.post(f"/my/{token}/withdraw/").status_code == 404
    assert client.post(f"/my/{token}/accept/").status_code == 404


def test_truncated_real_token_is_404(client, emt_cohort):
    enrollment = services.request_seat(
        cohort=emt_cohort,
        student=student_details(),
        credentials=[credential_details(emt_cohort.course.requirements.get().credential_type)],
    )
    assert client.get(f"/my/{enrollment.token[:-1]}/").status_code == 404


def test_withdraw_has_a_confirmation_step(client, emt_cohort):
    enrollment = services.request_seat(
        cohort=emt_cohort,
        student=student_details(),
        credentials=[credential_details(emt_cohort.course.requirements.get().credential_type)],
    )
    confirm = client.get(f"/my/{enrollment.token}/withdraw/")
    assert "Yes, withdraw" in confirm.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == S.ENROLLED
    done = client.post(f"/my/{enrollment.token}/withdraw/", {"reason": "Work schedule"}, follow=True)
    enrollment.refresh_from_db()
    assert enrollment.status == S.WITHDRAWN
    assert "You have withdrawn" in done.content.decode()


@pytest.fixture
def offered(emt_cohort):
    """A full two-seat cohort where one seated student withdrew: the first person waiting holds an offer."""
    ctype = emt_cohort.course.requirements.get().credential_type
    seated = [
        services.request_seat(cohort=emt_cohort, student=student_details(), credentials=[credential_details(ctype)])
        for _ in range(2)
    ]
    waiting = services.request_seat(
        cohort=emt_cohort, student=student_details(), credentials=[credential_details(ctype)]
    )
    services.withdraw(enrollment=seated[0])
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    return waiting


def test_status_page_offers_accept_and_shows_deadline(client, offered):
    waiting = offered
    page = client.get(f"/my/{waiting.token}/").content.decode()
    assert "Accept offer" in page
    assert "Accept by" in page
    response = client.post(f"/my/{waiting.token}/accept/", follow=True)
    assert "You are enrolled." in response.content.decode()


def test_status_page_treats_an_expired_offer_as_lapsed(client, offered):
    waiting = offered
    Enrollment.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(f"/my/{waiting.token}/").content.decode()
    assert "Accept offer" not in page
    assert "Your offer has lapsed" in page
    response = client.post(f"/my/{waiting.token}/accept/", follow=True)
    assert "this offer expired" in response.content.decode()


def test_lost_link_says_the_same_whether_or_not_the_address_is_known(
    client, emt_cohort, django_capture_on_commit_callbacks
):
    ctype = emt_cohort.course.requirements.get().credential_type
    enrollment = services.request_seat(
        cohort=emt_cohort, student=student_details(email="known@example.com"), credentials=[credential_details(ctype)]
    )
    mail.outbox.clear()

    def page_for(email):
        with django_capture_on_commit_callbacks(execute=True):
            html = client.post("/my/", {"email": email}, follow=True).content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html.replace(email, "EMAIL")

    assert page_for("known@example.com") == page_for("unknown@example.com")
    assert len(mail.outbox) == 1
    assert enrollment.token in mail.outbox[0].body


def test_cohort_page_lists_sessions_and_seats(client, emt_cohort):
    make_session(emt_cohort, topic="Airway management")
    html = client.get(emt_cohort.get_absolute_url()).content.decode()
    assert "Airway management" in html
    assert "2 seats left" in html


def test_course_page_shows_full_cohort_with_waiting_count(client, emt_cohort):
    ctype = emt_cohort.course.requirements.get().credential_type
    for _ in range(5):
        services.request_seat(cohort=emt_cohort, student=student_details(), credentials=[credential_details(ctype)])
    html = client.get(emt_cohort.course.get_absolute_url()).content.decode()
    assert "Full: 3 people waiting" in html
    assert "Join the waitlist" in html
    assert ">Sign up<" not in html


def test_home_compares_levels_in_plain_words(client, emt_cohort):
    html = client.get("/").content.decode()
    assert "About 120 hours" in html
    assert "A current CPR/BLS card, valid through the last day of the course" in html
    assert "No earlier EMS certification needed" in html
    assert emt_cohort.code in html


def test_status_page_shows_the_next_five_classes_and_links_to_the_schedule(client, emt_cohort):
    make_session(emt_cohort, days_from_now=-3, topic="Already held")
    for day in range(1, 9):
        make_session(emt_cohort, days_from_now=day, topic=f"Module {day}")
    ctype = emt_cohort.course.requirements.get().credential_type
    enrollment = services.request_seat(
        cohort=emt_cohort, student=student_details(), credentials=[credential_details(ctype)]
    )
    html = client.get(f"/my/{enrollment.token}/").content.decode()
    assert [f"Module {day}" in html for day in range(1, 9)] == [True] * 5 + [False] * 3
    assert "Already held" not in html
    assert emt_cohort.get_absolute_url() in html
    assert f"/cohorts/{emt_cohort.pk}/calendar.ics" in html


def test_cohort_page_folds_a_long_schedule(client, emt_cohort):
    for day in range(1, 16):
        make_session(emt_cohort, days_from_now=day, topic=f"Module {day:02d}")
    html = client.get(emt_cohort.get_absolute_url()).content.decode()
    assert "Show all 15 sessions" in html
    assert all(f"Module {day:02d}" in html for day in range(1, 16))


def test_rate_limit_counts_are_shared_through_redis_when_configured():
    """With REDIS_URL, two separate processes (as two gunicorn workers would be) count into the same limit."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from django.core.cache import caches\n"
        "from enrollment import throttling\n"
        "request = RequestFactory().post('/', REMOTE_ADDR='203.0.113.77')\n"
        "print(type(caches['default']).__name__, throttling.allow(request, scope='test-shared', rate='1/h'))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "elite.settings",
        "DJANGO_DEBUG": "1",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.core.cache import cache; cache.clear()"],
        cwd=root,
        env=env,
        check=True,
    )
    answers = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, check=True
        ).stdout.split()[-2:]
        for _ in range(2)
    ]
    assert answers == [["RedisCache", "True"], ["RedisCache", "False"]]


def test_lost_link_emails_to_one_person_are_capped_per_hour(client, emt_cohort, django_capture_on_commit_callbacks):
    ctype = emt_cohort.course.requirements.get().credential_type
    services.request_seat(
        cohort=emt_cohort, student=student_details(email="known@example.com"), credentials=[credential_details(ctype)]
    )
    mail.outbox.clear()
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/my/", {"email": "known@example.com"})
    assert len(mail.outbox) == 3  # whoever keeps asking, the owner's inbox is not flooded
