"""Signup identity: an e-mail address counts once its owner has opened our e-mail. No data leaks, no identity
squatting, no seat squatting, no enumeration."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseDate
from enrollment import services
from enrollment.models import AuditEvent, Credential, Enrollment, EnrollmentStatus, Student
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_student,
    student_details,
)

S = EnrollmentStatus
# Committed like production, so each request's e-mails go out as its transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana@example.com",
        "phone": "(312) 555-0101",
        "date_of_birth": "1998-04-02",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def post_signup(client, cohort, **overrides):
    return client.post(reverse("enrollment:signup", args=[cohort.pk]), form_data(**overrides))


def landing_page(client, cohort, **overrides) -> tuple[int, str, str]:
    """The signup POST and the page it lands on, as a person sees them."""
    response = post_signup(client, cohort, **overrides)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return response.status_code, response.get("Location", ""), CSRF.sub("", page.text)


def link_in(message) -> str:
    return re.search(r"http://\S+/my/[\w-]+/", message.body).group(0)


def test_the_signup_page_never_shows_the_private_link_or_anything_on_file(client, mailoutbox):
    cohort = make_cohort(capacity=5)
    known = make_student(
        first_name="María", last_name="González", email="maria@example.com", email_confirmed_at=timezone.now()
    )
    services.request_seat(cohort=make_cohort(), student=student_details(email="maria@example.com"), confirmed=True)

    status, location, page = landing_page(client, cohort, email="maria@example.com", first_name="Someone")

    assert status == 302 and location == reverse("enrollment:signup_sent", args=[cohort.pk])
    assert not re.search(r"/my/[\w-]{20,}/", page)
    assert "María" not in page and "González" not in page
    for enrollment in Enrollment.objects.all():
        assert enrollment.token not in page
    assert "A seat is held for you." in page
    assert "maria@example.com" in page  # what was typed, and nothing else
    known.refresh_from_db()
    assert (known.first_name, known.last_name) == ("María", "González")


def test_an_enrolled_address_and_an_unknown_address_get_the_same_page(client, mailoutbox):
    cohort = make_cohort(capacity=50)
    services.request_seat(cohort=cohort, student=student_details(email="taken@example.com"), confirmed=True)
    mailoutbox.clear()

    enrolled = landing_page(client, cohort, email="taken@example.com")
    unknown = landing_page(client, cohort, email="fresh@example.com")

    assert enrolled[:2] == unknown[:2]
    assert enrolled[2].replace("taken@example.com", "ADDRESS") == unknown[2].replace("fresh@example.com", "ADDRESS")
    # The owner of the enrolled address is e-mailed their link; nothing new was made for them.
    assert [m.to for m in mailoutbox] == [["taken@example.com"], ["fresh@example.com"]]
    assert "already has a place" in mailoutbox[0].body
    assert Enrollment.objects.filter(student__email="taken@example.com").count() == 1


def test_the_signup_form_no_longer_says_an_address_is_enrolled(client):
    cohort = make_cohort()
    services.request_seat(cohort=cohort, student=student_details(email="taken@example.com"), confirmed=True)
    _, _, page = landing_page(client, cohort, email="taken@example.com")
    assert "already has a place" not in page


def test_opening_the_emailed_link_confirms_the_signup(client, mailoutbox):
    cohort = make_cohort()
    post_signup(client, cohort)
    enrollment = Enrollment.objects.get()
    assert enrollment.confirmed_at is None
    assert "Please confirm" in mailoutbox[0].subject
    assert "(Chicago time)" in mailoutbox[0].body

    page = client.get(link_in(mailoutbox[0]), follow=True)

    enrollment.refresh_from_db()
    assert enrollment.confirmed_at is not None
    assert "your e-mail address is confirmed" in page.text
    assert AuditEvent.objects.filter(enrollment=enrollment, action="enrollment.confirmed").count() == 1
    client.get(link_in(mailoutbox[0]))  # opening it again confirms nothing twice
    assert AuditEvent.objects.filter(enrollment=enrollment, action="enrollment.confirmed").count() == 1


def test_an_unconfirmed_signup_lapses_and_its_seat_goes_to_the_next_in_order(settings):
    cohort = make_cohort(capacity=1, offer_hours=48)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        squatter = services.request_seat(cohort=cohort, student=student_details())  # never confirmed
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        first = services.request_seat(cohort=cohort, student=student_details())
        services.confirm_signup(enrollment=first)
    with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
        second = services.request_seat(cohort=cohort, student=student_details())
        services.confirm_signup(enrollment=second)
    assert (first.status, second.status) == (S.WAITLISTED, S.WAITLISTED)

    with time_machine.travel(start + datetime.timedelta(minutes=settings.CONFIRM_MINUTES + 1), tick=False):
        assert services.expire_offers() == 1

    squatter.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert squatter.status == S.LAPSED
    assert "Not confirmed" in squatter.reason
    assert first.status == S.OFFERED  # the first in line, not the last
    assert second.status == S.WAITLISTED
    assert second.get_waitlist_position() == 1


def test_confirming_keeps_the_place_in_the_queue_from_signup_time():
    cohort = make_cohort(capacity=0)
    early = services.request_seat(cohort=cohort, student=student_details())
    late = services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
    services.confirm_signup(enrollment=early)  # confirmed after the later one
    assert (early.get_waitlist_position(), late.get_waitlist_position()) == (1, 2)


def test_an_attackers_signup_cannot_make_the_victim_too_young_or_rename_them(client):
    emr = make_course(title="Emergency Medical Responder", min_age=16)
    emt = make_course(title="Emergency Medical Technician", min_age=18)
    victim = make_student(
        first_name="Maya",
        last_name="Reyes",
        email="maya@example.com",
        date_of_birth=datetime.date(1990, 3, 1),
        email_confirmed_at=timezone.now(),
    )
    sixteen = timezone.localdate() - datetime.timedelta(days=16 * 365 + 30)
    post_signup(
        client, make_cohort(emr), email="maya@example.com", first_name="Hacked", date_of_birth=sixteen.isoformat()
    )

    victim.refresh_from_db()
    assert (victim.first_name, victim.date_of_birth) == ("Maya", datetime.date(1990, 3, 1))
    # The victim's own EMT signup is judged on what they type, not on the attacker's date of birth.
    own = services.request_seat(
        cohort=make_cohort(emt),
        student=student_details(email="maya@example.com", first_name="Maya", date_of_birth=datetime.date(1990, 3, 1)),
    )
    assert own.status == S.ENROLLED


def test_a_record_made_by_an_unconfirmed_signup_takes_the_owners_details_when_they_confirm(client):
    services.request_seat(
        cohort=make_cohort(),
        student=student_details(email="lee@example.com", first_name="Fake", date_of_birth=datetime.date(2001, 1, 1)),
    )
    own = services.request_seat(
        cohort=make_cohort(),
        student=student_details(email="lee@example.com", first_name="Lee", date_of_birth=datetime.date(1994, 6, 6)),
    )
    services.confirm_signup(enrollment=own)
    person = Student.objects.get(email="lee@example.com")
    assert (person.first_name, person.date_of_birth) == ("Lee", datetime.date(1994, 6, 6))
    assert person.email_confirmed_at is not None
    own.refresh_from_db()
    assert not own.details_differ


def test_details_that_differ_from_the_record_reach_staff_who_decide(client, staff_user):
    person = make_student(
        email="jo@example.com",
        first_name="Jo",
        date_of_birth=datetime.date(1991, 1, 1),
        email_confirmed_at=timezone.now(),
    )
    enrollment = services.request_seat(
        cohort=make_cohort(),
        student=student_details(email="jo@example.com", first_name="Jo", date_of_birth=datetime.date(1991, 1, 2)),
    )
    services.confirm_signup(enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.details_differ
    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(1991, 1, 1)  # never silently changed

    client.force_login(staff_user)
    queue = client.get(reverse("admin:enrollment_enrollment_review"))
    assert "date of birth differs from our records" in queue.text
    assert "1991-01-02" in queue.text and "1991-01-01" in queue.text

    services.resolve_details(enrollment=enrollment, use_signup=True, actor=staff_user)
    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(1991, 1, 2)
    assert AuditEvent.objects.filter(action="student.details_resolved", enrollment=enrollment).exists()
    assert "differs from our records" not in client.get(reverse("admin:enrollment_enrollment_review")).text


def test_staff_adding_someone_vouch_for_them(staff_user):
    student = make_student()
    enrollment = services.add_to_cohort(student=student, cohort=make_cohort(), actor=staff_user)
    assert enrollment.confirmed_at is not None


@pytest.mark.parametrize(
    "typed",
    ["maria@exаmple.com", "marıa@example.com"],  # a Cyrillic a in the domain; a dotless i
)
def test_look_alike_addresses_are_refused_with_a_field_error(client, typed):
    response = post_signup(client, make_cohort(), email=typed)
    assert response.status_code == 200
    assert "plain letters and digits" in response.text
    assert not Student.objects.exists()


def test_addresses_are_compared_in_one_normal_form(client):
    cohort = make_cohort()
    post_signup(client, cohort, email="  Ana@Example.COM ")
    post_signup(client, make_cohort(), email="ana@example.com")
    post_signup(client, make_cohort(), email="\u017fam@example.com")  # a long s is an s
    assert sorted(Student.objects.values_list("email", flat=True)) == ["ana@example.com", "sam@example.com"]


def test_resending_the_email_is_limited_per_address(client, mailoutbox, settings):
    settings.RESEND_RATE_LIMIT = "2/h"
    cohort = make_cohort()
    post_signup(client, cohort)
    resend = reverse("enrollment:signup_resend", args=[cohort.pk])
    answers = [client.post(resend, follow=True).text for _ in range(3)]
    assert "We have sent the e-mail again" in answers[0] and "We have sent the e-mail again" in answers[1]
    assert "already sent several e-mails" in answers[2]
    assert len(mailoutbox) == 3  # the signup's, then two again
    assert all("Please confirm" in m.subject for m in mailoutbox)


def test_credentials_typed_in_an_unconfirmed_signup_count_for_nothing_else_and_go_when_it_lapses(settings):
    cpr = make_credential_type()
    course = make_course()
    make_requirement(course, cpr, valid_through=CourseDate.START)
    victim = make_student(email="vic@example.com", email_confirmed_at=timezone.now())
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        squat = services.request_seat(
            cohort=make_cohort(course),
            student=student_details(email="vic@example.com"),
            credentials=[credential_details(cpr, number="FAKE-1")],
        )
    card = Credential.objects.get(number="FAKE-1")
    assert card.submitted_with == squat
    # On the victim's record it counts for nothing until that signup is confirmed.
    assert not services.eligibility_on_file(make_cohort(course), victim).ok

    with time_machine.travel(start + datetime.timedelta(minutes=settings.CONFIRM_MINUTES + 1), tick=False):
        services.expire_offers()
    assert not Credential.objects.filter(number="FAKE-1").exists()


def test_the_landing_page_without_a_receipt_goes_back_to_the_form(client):
    cohort = make_cohort()
    response = client.get(reverse("enrollment:signup_sent", args=[cohort.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment:signup", args=[cohort.pk])
    assert mail.outbox == []
