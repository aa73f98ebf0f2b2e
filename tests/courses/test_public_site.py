"""The public site a school puts its name on: cohort cards and their seat words, the school's contact details on every
page and in every e-mail (edited in the back office), the privacy notice and the refund policy, level names and one
way of writing hours and times."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import CohortStatus, Level, SchoolProfile
from courses.templatetags.public_format import clock, day, hours, sections
from enrollment import notifications, services
from enrollment.models import load_seat_counts
from tests.factories import make_cohort, make_course, student_details

pytestmark = pytest.mark.django_db


def wording(cohort):
    return load_seat_counts(cohort).seat_wording


def fill(cohort, n):
    for _ in range(n):
        services.request_seat(cohort=cohort, student=student_details(), confirmed=True)


# --- seat words, decided once ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def profile_row(db):
    """The profile's row, as its data migration makes it (a transactional test elsewhere may have flushed it)."""
    return SchoolProfile.objects.get_or_create(pk=1)[0]


def test_an_open_cohort_with_room_says_seats_left_and_sign_up():
    cohort = make_cohort(capacity=10)
    fill(cohort, 2)
    words = wording(cohort)
    assert (words.badge, words.tone, words.action) == ("8 seats left", "success", "Sign up")


def test_a_nearly_full_cohort_is_red_but_still_says_sign_up():
    cohort = make_cohort(capacity=3)
    fill(cohort, 2)
    words = wording(cohort)
    assert (words.badge, words.tone, words.action) == ("1 seat left", "danger", "Sign up")


def test_a_full_cohort_says_join_the_waitlist_never_sign_up():
    cohort = make_cohort(capacity=2)
    fill(cohort, 3)
    words = wording(cohort)
    assert (words.badge, words.tone, words.action) == ("Full: 1 person waiting", "warning", "Join the waitlist")


@pytest.mark.parametrize("status", [CohortStatus.RUNNING, CohortStatus.CLOSED])
def test_a_running_or_closed_cohort_shows_no_seats_badge_and_no_button(status):
    cohort = make_cohort(capacity=10, status=status)
    words = wording(cohort)
    assert (words.badge, words.action) == ("", "")
    assert "not taking signups" in words.note


def test_a_cohort_whose_window_opens_later_says_when():
    opens = timezone.now() + datetime.timedelta(days=5)
    cohort = make_cohort(enrollment_opens_at=opens)
    words = wording(cohort)
    assert (words.badge, words.action) == ("", "")
    assert words.note.startswith("Signups open ")


def test_course_pages_show_cards_with_the_one_wording(client):
    course = make_course(slug="emt", level=Level.EMT)
    roomy = make_cohort(course, code="EMT-ROOMY", capacity=10)
    full = make_cohort(course, code="EMT-FULL", capacity=1)
    fill(full, 2)
    make_cohort(course, code="EMT-RUNNING", capacity=10, status=CohortStatus.RUNNING)
    for url in ("/courses/", "/courses/emt/"):
        html = client.get(url).content.decode()
        assert "cohort-card" in html and "<table" not in html
        assert html.count("cohort-action") == 2  # roomy and full; the running cohort has no button
        assert f'href="{reverse("enrollment:signup", args=[roomy.pk])}">Sign up' in html
        assert f'href="{reverse("enrollment:signup", args=[full.pk])}">Join the waitlist' in html
        assert "Running: not taking signups." in html
        assert html.count("seats left") == 1  # the roomy cohort's badge only
    cohort_page = client.get(full.get_absolute_url()).content.decode()
    assert "Join the waitlist" in cohort_page and ">Sign up<" not in cohort_page


def test_public_labels_use_level_names_not_codes(client):
    course = make_course(slug="paramedic", level=Level.PARAMEDIC, title="Paramedic")
    cohort = make_cohort(course, code="P-2027")
    for url in ("/courses/", "/courses/paramedic/", cohort.get_absolute_url(), f"/cohorts/{cohort.pk}/signup/"):
        assert "PARAMEDIC" not in client.get(url).content.decode(), url
    assert course.level_short == "Paramedic"
    assert make_course(level=Level.EMT).level_short == "EMT"


# --- one way of writing hours and times ------------------------------------------------------------------------


def test_hours_and_times_have_one_format():
    assert hours(Decimal("120.0")) == "120 hours"
    assert hours(Decimal("1")) == "1 hour"
    assert hours(Decimal("7.5")) == "7.5 hours"
    assert day(datetime.date(2027, 3, 2)) == "Tue, Mar 2, 2027"
    # 23:30 UTC is 5:30 pm in Chicago (CST) the same day.
    moment = datetime.datetime(2027, 1, 5, 23, 30, tzinfo=datetime.UTC)
    assert (day(moment), clock(moment)) == ("Tue, Jan 5, 2027", "5:30 PM")


def test_course_pages_write_hours_the_same_way(client):
    course = make_course(slug="emr", nominal_hours=Decimal("64.0"))
    make_cohort(course)
    for url in ("/", "/courses/", "/courses/emr/"):
        assert "About 64 hours" in client.get(url).content.decode(), url


# --- the school's contact details -------------------------------------------------------------------------------


def test_every_public_page_shows_the_school_contact_details(client):
    cohort = make_cohort()
    profile = SchoolProfile.objects.get()
    for url in ("/", "/courses/", cohort.get_absolute_url(), f"/cohorts/{cohort.pk}/signup/", "/my/", "/privacy/"):
        html = client.get(url).content.decode()
        assert profile.phone in html and profile.email in html, url
        assert 'href="tel:+13125550100"' in html
        assert "1200 W Harrison St, Suite 200" in html
        assert 'href="/privacy/"' in html and 'href="/refunds/"' in html


def test_staff_edit_the_contact_details_and_every_page_shows_them_at_once(client, staff_client):
    url = reverse("admin:courses_schoolprofile_change", args=[1])
    form = staff_client.get(url)
    assert form.status_code == 200
    profile = SchoolProfile.objects.get()
    response = staff_client.post(
        url,
        {
            "name": "Lakeshore EMS Institute",
            "phone": "(773) 555-0123",
            "email": "hello@lakeshore-ems.example",
            "street_address": "55 E Monroe St\nChicago, IL 60603",
            "office_hours": "Weekdays 8 am to 4 pm",
            "privacy_notice": profile.privacy_notice,
            "refund_policy": "Refunds\nIn full before the first class.",
        },
    )
    assert response.status_code == 302, response.content
    html = client.get("/").content.decode()
    assert "Lakeshore EMS Institute" in html
    assert "(773) 555-0123" in html and 'href="tel:+17735550123"' in html
    assert "55 E Monroe St" in html and "Weekdays 8 am to 4 pm" in html
    refunds = client.get("/refunds/").content.decode()
    assert '<h2 class="h5 mt-4">Refunds</h2>' in refunds and "In full before the first class." in refunds


def test_the_profile_cannot_be_added_twice_or_deleted(staff_client, superuser_client):
    for client in (staff_client, superuser_client):
        assert client.get(reverse("admin:courses_schoolprofile_add")).status_code == 403
        assert client.get(reverse("admin:courses_schoolprofile_delete", args=[1])).status_code == 403
    assert SchoolProfile.objects.count() == 1


def test_a_page_costs_no_query_for_the_school_details(client):
    make_cohort()
    SchoolProfile.forget()
    client.get("/courses/")  # the first page after a minute reads the profile once
    with CaptureQueriesContext(connection) as queries:
        client.get("/courses/")
    assert not any("courses_schoolprofile" in q["sql"] for q in queries.captured_queries)


def test_the_privacy_notice_and_refund_policy_pages_have_the_default_texts(client):
    privacy = client.get("/privacy/").content.decode()
    assert '<h1 class="h2">Privacy notice</h1>' in privacy
    assert "Illinois Department of Public Health" in privacy
    refunds = client.get("/refunds/").content.decode()
    assert "Refund policy" in refunds and "full refund" in refunds


def test_policy_text_sections():
    assert sections("Title\nBody one.\n\nJust a paragraph.") == [
        {"heading": "Title", "paragraphs": ["Body one.", "Just a paragraph."]}
    ]


def test_every_email_ends_with_the_school_contact_details(django_capture_on_commit_callbacks):
    profile = SchoolProfile.objects.get()
    profile.phone = "(312) 555-0177"
    profile.save()
    cohort = make_cohort()
    enrollment = services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
    for kind in sorted(notifications.SUBJECTS):
        mail.outbox.clear()
        notifications.send_enrollment_email(enrollment, kind)
        message = mail.outbox[0]
        html = message.alternatives[0][0]
        for text in (message.body, html):
            assert "(312) 555-0177" in text, kind
            assert "office@elite-ems.example" in text, kind
            assert "Chicago, IL 60607" in text, kind
            assert "/privacy/" in text, kind
