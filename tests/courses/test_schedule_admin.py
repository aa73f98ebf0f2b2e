"""The cohort page's staff screens: a small page that links to its sessions, the schedule generator (form errors,
preview, save exactly what was previewed), the roster export, and no "Delete" where deleting would be refused."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import ClassSession, Cohort, Course, CredentialType
from enrollment.models import Enrollment, EnrollmentStatus, Student
from enrollment.services import AttendanceEntry, record_attendance
from tests.factories import make_cohort, make_course, make_credential_type, make_requirement, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def cohort():
    course = make_course(nominal_hours=Decimal("36"))
    return make_cohort(
        course, code="EMT-2026-FALL-EVE", starts_on=datetime.date(2026, 10, 27), ends_on=datetime.date(2026, 11, 26)
    )


def schedule_url(cohort: Cohort) -> str:
    return reverse("admin:courses_cohort_schedule", args=[cohort.pk])


def form_data(**overrides) -> dict:
    data = {
        "weekdays": ["1", "3"],
        "starts_at": "18:00",
        "ends_at": "22:00",
        "first_day": "2026-10-27",
        "last_day": "2026-11-26",
        "holidays": "",
        "skip_federal_holidays": "on",
        "topic_pattern": "Session {n}",
        "kind": "lecture",
        "location": "",
        "preview": "Preview sessions",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- the cohort page ------------------------------------------------------------------------------------------------


def test_cohort_page_with_300_sessions_is_small_and_links_to_them(staff_client, cohort):
    start = datetime.datetime(2026, 10, 27, 18, tzinfo=CHICAGO)
    ClassSession.objects.bulk_create(
        ClassSession(
            cohort=cohort,
            starts_at=start + datetime.timedelta(days=n),
            ends_at=start + datetime.timedelta(days=n, hours=4),
            topic=f"Session {n}",
        )
        for n in range(300)
    )
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    staff_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(response.content) < 200_000, f"{len(response.content)} bytes"
    assert "Session 299" not in response.text
    assert f'href="{schedule_url(cohort)}"' in response.text
    assert "Add sessions" in response.text
    assert f'href="{reverse("admin:courses_cohort_roster", args=[cohort.pk])}"' in response.text
    assert "1200.0 h scheduled" in response.text  # the total is still shown, counted in the database
    assert len(queries) < 30


def test_an_instructor_or_stranger_cannot_reach_the_generator(client, django_user_model, cohort):
    assert client.get(schedule_url(cohort)).status_code == 302  # to the login
    instructor = django_user_model.objects.create_user("dana", password="pw")
    instructor.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(instructor)
    assert client.get(schedule_url(cohort)).status_code == 302


def test_staff_without_the_add_session_permission_get_403(client, django_user_model, cohort):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    assert client.get(schedule_url(cohort)).status_code == 403
    assert client.post(schedule_url(cohort), form_data(save="Save")).status_code == 403
    assert not ClassSession.objects.exists()


def test_unknown_or_impossible_cohort_keys_are_404(staff_client):
    for key in ["99999", "abc", "99999999999999999999999"]:
        assert staff_client.get(f"/admin/courses/cohort/{key}/schedule/").status_code == 404


# --- the generator --------------------------------------------------------------------------------------------------


def test_the_form_starts_with_the_cohorts_dates(back_office, cohort):
    response = back_office.get(schedule_url(cohort))
    assert response.status_code == 200
    assert 'value="2026-10-27"' in response.text
    assert 'value="2026-11-26"' in response.text
    assert "Preview sessions" in response.text
    assert "schedule-preview" not in response.text


def test_preview_lists_the_sessions_in_chicago_time_with_hours_and_holidays(staff_client, cohort):
    response = staff_client.post(schedule_url(cohort), form_data())
    assert response.status_code == 200
    plan = response.context["plan"]
    assert len(plan.sessions) == 9
    assert "Preview: 9 sessions" in response.text
    assert "Thu Nov 26, 2026 (Thanksgiving Day)" in response.text
    assert "Tue Nov 3, 2026" in response.text  # after the clocks went back: still 6 pm
    assert response.text.count("6:00 PM–10:00 PM") == 9
    assert "36.0 h in these sessions" in response.text
    assert "That matches the course's 36 h." in response.text
    assert "Save 9 sessions" in response.text
    assert not ClassSession.objects.exists()  # a preview makes nothing


def test_save_makes_exactly_the_previewed_sessions(staff_client, cohort, messages_of):
    preview = staff_client.post(schedule_url(cohort), form_data(holidays="2026-11-10, 11/12/2026"))
    shown = [(s.starts_at, s.ends_at, s.topic) for s in preview.context["plan"].sessions]
    assert len(shown) == 7
    response = staff_client.post(
        schedule_url(cohort),
        form_data(holidays="2026-11-10, 11/12/2026", save="Save", fingerprint=preview.context["plan"].fingerprint),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:courses_classsession_changelist") + f"?cohort={cohort.pk}&o=2"
    made = [(s.starts_at, s.ends_at, s.topic) for s in ClassSession.objects.filter(cohort=cohort).order_by("starts_at")]
    assert made == shown
    assert messages_of(response) == ["EMT-2026-FALL-EVE: Added 7 class sessions."]


def test_save_refuses_when_the_schedule_changed_since_the_preview(staff_client, cohort):
    preview = staff_client.post(schedule_url(cohort), form_data(topic_pattern="Class {n}"))
    fingerprint = preview.context["plan"].fingerprint
    # The form was edited after the preview: what would be made is no longer what was shown.
    response = staff_client.post(
        schedule_url(cohort), form_data(topic_pattern="Lecture {n}", save="Save", fingerprint=fingerprint)
    )
    assert response.status_code == 200
    assert "changed since the preview" in response.text
    assert response.context["plan"].sessions[0].topic == "Lecture 1"  # the new preview, to check and save
    assert not ClassSession.objects.exists()


def test_clashes_are_flagged_in_the_preview(staff_client, cohort):
    make_session(
        cohort,
        days_from_now=0,
        starts_at=datetime.datetime(2026, 10, 29, 19, tzinfo=CHICAGO),
        ends_at=datetime.datetime(2026, 10, 29, 21, tzinfo=CHICAGO),
        topic="Airway lab",
    )
    response = staff_client.post(schedule_url(cohort), form_data())
    assert "1 session clashes with one already scheduled" in response.text
    assert 'class="clash-row"' in response.text
    assert "Airway lab (Oct 29, 7:00 PM)" in response.text
    assert "38.0 h in all" in response.text
    assert "More than the course's 36 h." in response.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "17:00"}, "ends_at", "The class must end after it starts"),
        ({"weekdays": None}, "weekdays", "Choose at least one day of the week."),
        ({"last_day": "2026-10-01"}, "last_day", "The last day is before the first day"),
        ({"last_day": "2030-12-31", "weekdays": [str(d) for d in range(7)]}, "last_day", "more than 400 sessions"),
        ({"last_day": "9999-12-31"}, "last_day", "more than 400 sessions"),
        ({"holidays": "next tuesday"}, "holidays", "next is not a date"),
        ({"topic_pattern": "{n.__class__}"}, "topic_pattern", "remove the other braces"),
        ({"first_day": "2026-02-30"}, "first_day", "Enter a valid date."),
        ({"starts_at": "25:00"}, "starts_at", "Enter a valid time."),
    ],
)
def test_bad_input_gives_form_errors_not_a_server_error(staff_client, cohort, overrides, field, message):
    response = staff_client.post(schedule_url(cohort), form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors
    assert response.context["plan"] is None
    assert 'name="save"' not in response.text  # nothing to save until a preview stands
    assert not ClassSession.objects.exists()


def test_generator_page_runs_a_fixed_number_of_queries(staff_client, cohort):
    url = schedule_url(cohort)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        staff_client.post(url, form_data(last_day="2026-10-29"))
    with CaptureQueriesContext(connection) as many:
        staff_client.post(url, form_data(last_day="2027-06-30"))
    assert len(many) == len(few)


# --- the roster export ----------------------------------------------------------------------------------------------


def test_export_roster_is_excel_ready_utf8_with_formulas_neutralised(back_office, cohort, sign_up):
    maria = sign_up(cohort, first_name="María", last_name="González")
    sign_up(cohort, first_name='=HYPERLINK("http://evil")', last_name="@Smith", phone="+1 312 555 0100")
    session = make_session(
        cohort,
        days_from_now=0,
        starts_at=datetime.datetime(2026, 10, 27, 18, tzinfo=CHICAGO),
        ends_at=datetime.datetime(2026, 10, 27, 22, tzinfo=CHICAGO),
    )
    record_attendance(session=session, entries=[AttendanceEntry(maria, "late", 150)], actor=None)

    response = back_office.get(reverse("admin:courses_cohort_roster", args=[cohort.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="roster-EMT-2026-FALL-EVE.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "González,María".encode() in response.content  # UTF-8, not Latin-1
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert header[:5] == ["Last name", "First name", "E-mail", "Phone", "Status"]
    evil, gonzalez = rows
    assert evil[:2] == ["'@Smith", '\'=HYPERLINK("http://evil")']
    assert evil[3] == "'+1 312 555 0100"
    assert gonzalez[:2] == ["González", "María"]
    assert gonzalez[4] == "Enrolled"
    assert gonzalez[6:] == ["2.5", "4", "36"]


def test_export_roster_needs_the_enrollment_view_permission(client, django_user_model, cohort):
    url = reverse("admin:courses_cohort_roster", args=[cohort.pk])
    assert client.get(url).status_code == 302
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    assert client.get(url).status_code == 403


def test_export_roster_runs_a_fixed_number_of_queries(staff_client, cohort, sign_up):
    url = reverse("admin:courses_cohort_roster", args=[cohort.pk])
    sign_up(cohort)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for _ in range(8):
        sign_up(cohort)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)
    assert len(response.content.decode("utf-8-sig").splitlines()) == 10
    assert len(many) == len(few)


# --- "Delete" only where it would be allowed ------------------------------------------------------------------------


def delete_offered(client, model: type, obj) -> bool:
    meta = model._meta
    page = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]) in page.text


def test_delete_is_offered_only_where_it_would_succeed(back_office, cohort, sign_up):
    empty = make_cohort(cohort.course)
    unused_course = make_course()
    unused_type = make_credential_type("UNUSED", "Unused card")
    enrollment = sign_up(cohort)
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    make_requirement(cohort.course, cpr)
    lone_session = make_session(empty)

    assert not delete_offered(back_office, Cohort, cohort)  # it has an enrollment
    assert delete_offered(back_office, Cohort, empty)
    assert not delete_offered(back_office, Course, cohort.course)  # it has cohorts
    assert delete_offered(back_office, Course, unused_course)
    assert not delete_offered(back_office, CredentialType, cpr)  # a course requires it
    assert delete_offered(back_office, CredentialType, unused_type)
    assert not delete_offered(back_office, Student, enrollment.student)  # they signed up
    assert delete_offered(back_office, ClassSession, lone_session)
    # Nor beside a key that protects the row it points at (a cohort's course, a requirement's credential type).
    cohort_page = back_office.get(reverse("admin:courses_cohort_change", args=[empty.pk])).text
    assert 'id="delete_id_course"' not in cohort_page
    assert 'id="change_id_course"' in cohort_page
    # The page refuses too, however it is reached.
    response = back_office.post(reverse("admin:courses_cohort_delete", args=[cohort.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ENROLLED).exists()
