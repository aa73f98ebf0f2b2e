"""The cohort calendar feed (/cohorts/<id>/calendar.ics), parsed back with the icalendar library."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from courses.models import CohortStatus, Level, SessionKind
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_course, make_session, make_student

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def feed(client, cohort) -> Calendar:
    response = client.get(f"/cohorts/{cohort.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_has_one_event_per_session_with_times_summary_and_place(client):
    cohort = make_cohort(course=make_course(level=Level.EMT), code="EMT-2027-SPR-EVE", location="Main campus")
    # 6 pm Chicago time on both sides of the change to daylight saving time (March 14, 2027).
    lecture = make_session(
        cohort,
        starts_at=datetime.datetime(2027, 3, 9, 18, tzinfo=CHICAGO),
        ends_at=datetime.datetime(2027, 3, 9, 22, tzinfo=CHICAGO),
        topic="Airway management",
    )
    lab = make_session(
        cohort,
        starts_at=datetime.datetime(2027, 3, 16, 18, tzinfo=CHICAGO),
        ends_at=datetime.datetime(2027, 3, 16, 22, tzinfo=CHICAGO),
        topic="Splinting",
        kind=SessionKind.LAB,
        location="Skills lab B, 1200 W Harrison St",
    )

    calendar = feed(client, cohort)

    assert calendar["X-WR-CALNAME"] == "Elite EMS Academy: EMT-2027-SPR-EVE"
    assert "America/Chicago" in {tz.tz_name for tz in calendar.timezones}
    events = calendar.events
    assert [str(e["UID"]) for e in events] == [f"session-{lecture.pk}@127.0.0.1", f"session-{lab.pk}@127.0.0.1"]
    assert [e["SUMMARY"] for e in events] == ["EMT Lecture: Airway management", "EMT Skills lab: Splinting"]
    assert [(e.start, e.end) for e in events] == [
        (lecture.starts_at, lecture.ends_at),
        (lab.starts_at, lab.ends_at),
    ]
    assert [e.start.utcoffset() for e in events] == [datetime.timedelta(hours=-6), datetime.timedelta(hours=-5)]
    assert [e.start.hour for e in events] == [18, 18]
    assert [e["LOCATION"] for e in events] == ["Main campus", "Skills lab B, 1200 W Harrison St"]
    assert all("EMT-2027-SPR-EVE" in e["DESCRIPTION"] for e in events)


def test_uids_are_stable_between_fetches_whatever_the_host(client):
    cohort = make_cohort()
    make_session(cohort)
    first = feed(client, cohort).events[0]["UID"]
    second = Calendar.from_ical(client.get(f"/cohorts/{cohort.pk}/calendar.ics", HTTP_HOST="localhost").content).events[
        0
    ]["UID"]
    assert first == second


def test_the_feed_has_no_student_data(client):
    cohort = make_cohort()
    make_session(cohort)
    student = make_student(first_name="Zenobia", last_name="Quarterman", email="zenobia@example.com")
    Enrollment.objects.create(student=student, cohort=cohort, status=EnrollmentStatus.ENROLLED)
    body = client.get(f"/cohorts/{cohort.pk}/calendar.ics").content.decode()
    for private in ["Zenobia", "Quarterman", "zenobia@example.com", student.phone]:
        assert private not in body


def test_a_cohort_without_sessions_gives_an_empty_calendar(client):
    assert feed(client, make_cohort()).events == []


@pytest.mark.parametrize("status", [CohortStatus.DRAFT, CohortStatus.CANCELLED])
def test_draft_and_cancelled_cohorts_have_no_feed(client, status):
    cohort = make_cohort(status=status)
    make_session(cohort)
    assert client.get(f"/cohorts/{cohort.pk}/calendar.ics").status_code == 404


def test_unpublished_courses_and_unknown_cohorts_have_no_feed(client):
    hidden = make_cohort(course=make_course(is_published=False))
    assert client.get(f"/cohorts/{hidden.pk}/calendar.ics").status_code == 404
    assert client.get("/cohorts/999999/calendar.ics").status_code == 404


def test_the_feed_runs_the_same_queries_for_5_and_50_sessions(client):
    cohort = make_cohort()
    counts = []
    for size in (5, 50):
        while cohort.sessions.count() < size:
            make_session(cohort, days_from_now=cohort.sessions.count() + 1)
        with CaptureQueriesContext(connection) as context:
            assert len(feed(client, cohort).events) == size
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]


def test_the_public_cohort_page_and_the_roster_link_to_the_feed(client):
    cohort = make_cohort()
    make_session(cohort)
    url = f"/cohorts/{cohort.pk}/calendar.ics"
    page = client.get(cohort.get_absolute_url()).content.decode()
    assert f'href="{url}">Add the sessions to your calendar' in page
    instructor = get_user_model().objects.create_user("instructor1")
    cohort.instructors.add(instructor)
    client.force_login(instructor)
    assert (
        f'href="{url}">Add the sessions to your calendar'
        in client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
    )


def test_the_roster_of_a_draft_cohort_does_not_link_to_a_missing_feed(client):
    cohort = make_cohort(status=CohortStatus.DRAFT)
    instructor = get_user_model().objects.create_user("instructor1")
    cohort.instructors.add(instructor)
    client.force_login(instructor)
    assert "calendar.ics" not in client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
