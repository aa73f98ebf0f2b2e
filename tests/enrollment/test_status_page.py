"""The student's status page after the journey goes on: declining an offer, a staff move, and somewhere to go
after a withdrawal, a lapse or a rejection."""

import pytest
from django.core import mail
from django.urls import reverse

from enrollment import notifications, services
from enrollment.models import AuditEvent, Enrollment, EnrollmentStatus, OutgoingEmail
from tests.factories import make_cohort, make_course, make_session, student_details

pytestmark = pytest.mark.django_db
S = EnrollmentStatus


def seat(cohort, **details):
    return services.request_seat(cohort=cohort, student=student_details(**details), confirmed=True)


@pytest.fixture
def offer():
    """A cohort of one seat: the seated student withdrew, so the first person waiting holds an offer; a second
    person still waits behind them."""
    cohort = make_cohort(code="EMT-OFFER", capacity=1)
    seated = seat(cohort)
    offered = seat(cohort, first_name="Lena")
    behind = seat(cohort, first_name="Omar")
    services.withdraw(enrollment=seated)
    offered.refresh_from_db()
    assert offered.status == S.OFFERED
    return offered, behind


# --- declining an offer -------------------------------------------------------------------------------------------


def test_an_open_offer_has_decline_next_to_accept(client, offer):
    offered, _ = offer
    html = client.get(offered.get_absolute_url()).content.decode()
    actions = html[html.index("offer-actions") :]
    assert "Accept offer" in actions[:800]
    assert f'href="{reverse("enrollment:decline_offer", args=[offered.token])}">Decline offer' in actions[:800]


def test_declining_asks_first_then_passes_the_seat_on(client, offer, django_capture_on_commit_callbacks):
    offered, behind = offer
    url = reverse("enrollment:decline_offer", args=[offered.token])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, decline the seat" in confirm.text
    assert Enrollment.objects.get(pk=offered.pk).status == S.OFFERED  # a GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert Enrollment.objects.get(pk=offered.pk).status == S.WITHDRAWN
    assert "You have declined the seat in EMT-OFFER" in response.text
    assert Enrollment.objects.get(pk=behind.pk).status == S.OFFERED  # the waitlist settled in the same step
    event = AuditEvent.objects.get(enrollment=offered, action="enrollment.offer_declined")
    assert (event.from_status, event.to_status) == (S.OFFERED, S.WITHDRAWN)
    assert OutgoingEmail.objects.filter(enrollment=offered, kind="offer_declined").exists()
    assert any("declined the seat" in m.subject for m in mail.outbox)


def test_decline_is_refused_without_an_open_offer(client):
    enrolled = seat(make_cohort())
    with pytest.raises(services.EnrollmentError) as refused:
        services.decline_offer(enrollment=enrolled)
    assert refused.value.code == "invalid_transition"
    response = client.post(reverse("enrollment:decline_offer", args=[enrolled.token]), follow=True)
    assert "There is no open offer to decline" in response.text
    assert Enrollment.objects.get(pk=enrolled.pk).status == S.ENROLLED


# --- a staff move --------------------------------------------------------------------------------------------------


def test_a_moved_enrollment_links_to_the_new_one(client, superuser, django_capture_on_commit_callbacks):
    course = make_course()
    old_cohort = make_cohort(course, code="EMT-SPRING")
    new_cohort = make_cohort(course, code="EMT-SUMMER")
    old = seat(old_cohort)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.move(enrollment=old, to_cohort=new_cohort, actor=superuser)
    assert new.moved_from_id == old.pk

    html = client.get(old.get_absolute_url()).content.decode()
    assert "You have been moved to EMT-SUMMER." in html
    assert f'href="{new.get_absolute_url()}"' in html
    assert "You have withdrawn" not in html and "Sign up for another cohort" not in html
    assert "EMT-SUMMER" in client.get(new.get_absolute_url()).content.decode()

    (message,) = [m for m in mail.outbox if m.to == [old.student.email]]
    assert message.subject == "You have been moved from EMT-SPRING to EMT-SUMMER"
    assert "from cohort EMT-SPRING to cohort EMT-SUMMER" in message.body
    assert new.token in message.body


def test_the_moved_email_names_both_cohorts_in_html_too(superuser):
    course = make_course()
    old = seat(make_cohort(course, code="EMT-A"))
    new = services.move(enrollment=old, to_cohort=make_cohort(course, code="EMT-B"), actor=superuser)
    mail.outbox.clear()
    notifications.send_enrollment_email(new, "moved")
    html = mail.outbox[0].alternatives[0][0]
    assert "EMT-A" in html and "EMT-B" in html


# --- after a withdrawal, a lapse or a rejection -------------------------------------------------------------------


def test_after_a_withdrawal_the_page_offers_other_cohorts_not_the_old_classes(client):
    course = make_course(slug="emt")
    old_cohort = make_cohort(course, code="EMT-OLD")
    make_session(old_cohort, topic="Airway management")
    make_cohort(course, code="EMT-NEXT")
    make_cohort(course, code="EMT-DRAFT", status="draft")
    make_cohort(code="OTHER-COURSE")
    enrollment = seat(old_cohort)
    services.withdraw(enrollment=enrollment)
    html = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Sign up for another cohort" in html
    assert "EMT-NEXT" in html and "EMT-DRAFT" not in html and "OTHER-COURSE" not in html
    assert "Airway management" not in html and "Next classes" not in html
    assert 'href="/courses/"' in html


def test_a_rejected_student_is_offered_other_cohorts_too(client, superuser):
    course = make_course()
    cohort = make_cohort(course, capacity=0)
    waiting = seat(cohort)
    services.reject(enrollment=waiting, actor=superuser, reason="Incomplete paperwork.")
    html = client.get(waiting.get_absolute_url()).content.decode()
    assert "Sign up for another cohort" in html
    assert "No other cohort of" in html  # none open: says so, and links to all courses


def test_a_live_enrollment_still_shows_its_next_classes(client):
    cohort = make_cohort()
    make_session(cohort, topic="Airway management")
    html = client.get(seat(cohort).get_absolute_url()).content.decode()
    assert "Airway management" in html and "Sign up for another cohort" not in html


def test_an_enrolled_student_of_a_running_cohort_is_not_told_to_come_on_a_past_day(client):
    import datetime

    from django.utils import timezone

    from enrollment import services
    from tests.factories import make_cohort, student_details

    today = timezone.localdate()
    cohort = make_cohort(starts_on=today - datetime.timedelta(days=10), ends_on=today + datetime.timedelta(days=60))
    enrolled = services.request_seat(cohort=cohort, student=student_details(), confirmed=True, enforce_window=False)
    page = client.get(enrolled.get_absolute_url()).content.decode()
    assert "the course began on" in page and "see you on" not in page
