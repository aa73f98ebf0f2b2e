"""The instructor portal: who may see what, attendance rules, hours arithmetic, query counts and the CSV roster."""

from __future__ import annotations

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import CohortStatus
from courses.spreadsheet import spreadsheet_cell
from enrollment import portal
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
)
from enrollment.services import (
    AttendanceEntry,
    EnrollmentError,
    eligibility_on_file,
    record_attendance,
    withdraw,
)
from tests.factories import (
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_session,
    make_student,
)

pytestmark = pytest.mark.django_db

S = EnrollmentStatus
A = AttendanceStatus


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password="pw-for-tests-123", **extra)


def seat(cohort, status: str = S.ENROLLED, **student) -> Enrollment:
    return Enrollment.objects.create(student=make_student(**student), cohort=cohort, status=status)


@pytest.fixture
def school():
    today = timezone.localdate()
    course = make_course(nominal_hours=120, attendance_threshold=90)
    cohort = make_cohort(
        course=course,
        code="EMT-2026-FALL-EVE",
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=60),
        status=CohortStatus.RUNNING,
    )
    other = make_cohort(course=course, code="EMT-2026-FALL-DAY", status=CohortStatus.RUNNING)
    instructor = make_user("instructor1")
    instructor2 = make_user("instructor2")
    staff = make_user("staff", is_staff=True)
    cohort.instructors.add(instructor)
    other.instructors.add(instructor2)
    past = make_session(cohort, days_from_now=-7, hours=4, topic="Airway management")
    future = make_session(cohort, days_from_now=3, hours=4, topic="Trauma")
    other_session = make_session(other, days_from_now=-2, hours=4)
    enrollment = seat(cohort, first_name="Ana", last_name="Zapata")
    return {
        "cohort": cohort,
        "other": other,
        "instructor": instructor,
        "instructor2": instructor2,
        "staff": staff,
        "past": past,
        "future": future,
        "other_session": other_session,
        "enrollment": enrollment,
    }


def portal_urls(school) -> list[str]:
    c, s = school["cohort"].pk, school["past"].pk
    return [
        f"/instructor/cohorts/{c}/",
        f"/instructor/cohorts/{c}/roster.csv",
        f"/instructor/sessions/{s}/attendance/",
        f"/instructor/sessions/{s}/sign-in/",
        f"/instructor/sessions/{school['future'].pk}/sign-in/",
    ]


# --- access -----------------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, school):
    for url in ["/instructor/", *portal_urls(school)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_a_students_private_link_gives_no_access_to_the_portal(client, school):
    assert client.get(school["enrollment"].get_absolute_url()).status_code == 200
    for url in ["/instructor/", *portal_urls(school)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_the_cohorts_instructor_sees_every_page(client, school):
    client.force_login(school["instructor"])
    for url in ["/instructor/", *portal_urls(school)]:
        assert client.get(url).status_code == 200, url


def test_another_instructor_gets_404_never_403(client, school):
    client.force_login(school["instructor2"])
    for url in portal_urls(school):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/instructor/sessions/{school['past'].pk}/attendance/", {}).status_code == 404
    page = client.get("/instructor/").content.decode()
    assert "EMT-2026-FALL-DAY" in page
    assert "EMT-2026-FALL-EVE" not in page


def test_staff_see_every_cohort(client, school):
    client.force_login(school["staff"])
    for url in ["/instructor/", *portal_urls(school)]:
        assert client.get(url).status_code == 200, url
    page = client.get("/instructor/").content.decode()
    assert "EMT-2026-FALL-DAY" in page
    assert "EMT-2026-FALL-EVE" in page


def test_login_page_logs_an_instructor_in_to_my_cohorts(client, school):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "instructor1", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert response["Location"] == "/instructor/"
    assert "Log out" in client.get("/instructor/").content.decode()
    assert client.post("/accounts/logout/").status_code == 200
    assert client.get("/instructor/").status_code == 302


def test_password_reset_sends_an_email(client, school, mailoutbox):
    school["instructor"].email = "dana@elite-ems.example"
    school["instructor"].save()
    response = client.post("/accounts/password_reset/", {"email": "dana@elite-ems.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_the_password_reset_email_names_the_school_as_its_profile_does(client, school, mailoutbox):
    from courses.models import SchoolProfile

    profile = SchoolProfile.current()
    profile.name = "Lakeshore EMS Institute"
    profile.save()
    school["instructor"].email = "dana@elite-ems.example"
    school["instructor"].save()
    client.post("/accounts/password_reset/", {"email": "dana@elite-ems.example"})
    assert "your Lakeshore EMS Institute account" in mailoutbox[0].body


# --- attendance rules -------------------------------------------------------------------------------------------


def test_attendance_is_refused_for_a_session_not_started(school):
    with pytest.raises(EnrollmentError) as error:
        record_attendance(
            session=school["future"],
            entries=[AttendanceEntry(school["enrollment"], A.PRESENT, 240)],
            actor=school["instructor"],
        )
    assert error.value.code == "session_not_started"
    assert "has not started yet" in error.value.message
    assert not Attendance.objects.exists()


def test_attendance_page_of_a_future_session_says_so_and_records_nothing(client, school):
    client.force_login(school["instructor"])
    url = f"/instructor/sessions/{school['future'].pk}/attendance/"
    assert "has not started yet" in client.get(url).content.decode()
    pk = school["enrollment"].pk
    response = client.post(url, {f"status_{pk}": "present", f"minutes_{pk}": "240"})
    assert response.status_code == 200
    assert "has not started yet" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("minutes", [-1, 241])
def test_minutes_are_bounded_by_the_session_length(school, minutes):
    with pytest.raises(EnrollmentError) as error:
        record_attendance(
            session=school["past"],
            entries=[AttendanceEntry(school["enrollment"], A.PRESENT, minutes)],
            actor=school["instructor"],
        )
    assert error.value.code == "minutes_out_of_range"
    assert not Attendance.objects.exists()


def test_only_seated_students_have_attendance(school):
    waiting = seat(school["cohort"], status=S.WAITLISTED)
    with pytest.raises(EnrollmentError) as error:
        record_attendance(
            session=school["past"], entries=[AttendanceEntry(waiting, A.PRESENT, 240)], actor=school["instructor"]
        )
    assert error.value.code == "not_seated"


def test_every_change_is_audited_and_unchanged_rows_are_not(school):
    enrollment, session, actor = school["enrollment"], school["past"], school["instructor"]
    record_attendance(session=session, entries=[AttendanceEntry(enrollment, A.PRESENT, 240)], actor=actor)
    record_attendance(session=session, entries=[AttendanceEntry(enrollment, A.PRESENT, 240)], actor=actor)
    record_attendance(session=session, entries=[AttendanceEntry(enrollment, A.LATE, 200)], actor=actor)
    row = Attendance.objects.get()
    assert (row.status, row.minutes, row.recorded_by) == (A.LATE, 200, actor)
    events = list(AuditEvent.objects.filter(action="attendance.recorded").order_by("pk"))
    assert len(events) == 2
    assert events[1].enrollment == enrollment
    assert events[1].actor == actor
    assert events[1].data == {
        "session": session.pk,
        "old_status": "present",
        "new_status": "late",
        "old_minutes": 240,
        "new_minutes": 200,
    }


def test_absent_and_excused_record_no_minutes(school):
    record_attendance(
        session=school["past"], entries=[AttendanceEntry(school["enrollment"], A.EXCUSED, 240)], actor=None
    )
    assert Attendance.objects.get().minutes == 0


def test_the_attendance_form_defaults_to_the_full_session_and_saves(client, school):
    client.force_login(school["instructor"])
    url = f"/instructor/sessions/{school['past'].pk}/attendance/"
    page = client.get(url).content.decode()
    pk = school["enrollment"].pk
    assert f'name="minutes_{pk}" id="id_minutes_{pk}" value="240"' in page
    response = client.post(url, {f"status_{pk}": "late", f"minutes_{pk}": "185"})
    assert response.status_code == 302
    assert response["Location"] == f"/instructor/cohorts/{school['cohort'].pk}/"
    assert Attendance.objects.get().minutes == 185
    roster = client.get(response["Location"]).content.decode()
    assert "3.1 of 120 h" in roster
    # Editable later: the saved values come back in the form.
    assert f'name="minutes_{pk}" id="id_minutes_{pk}" value="185"' in client.get(url).content.decode()


# --- hours arithmetic -------------------------------------------------------------------------------------------


def test_hours_count_late_minutes_and_leave_excused_sessions_out_of_the_rate(school):
    cohort = school["cohort"]
    s1 = school["past"]
    s2 = make_session(cohort, days_from_now=-5, hours=4)
    s3 = make_session(cohort, days_from_now=-3, hours=4)
    excused = school["enrollment"]  # Zapata
    steady = seat(cohort, first_name="Bo", last_name="Adams")
    absent = seat(cohort, first_name="Cy", last_name="Moreno")
    for session, rows in [
        (s1, [(excused, A.PRESENT, 240), (steady, A.PRESENT, 240), (absent, A.PRESENT, 240)]),
        (s2, [(excused, A.LATE, 180), (steady, A.PRESENT, 240), (absent, A.PRESENT, 240)]),
        (s3, [(excused, A.EXCUSED, 0), (steady, A.LATE, 210), (absent, A.ABSENT, 0)]),
    ]:
        record_attendance(session=session, entries=[AttendanceEntry(*row) for row in rows], actor=None)

    roster = portal.build_roster(cohort)
    assert roster.scheduled_hours == "12"  # three past 4-hour sessions; the future one is not counted
    by_name = {row.student.last_name: row for row in roster.rows}
    assert [row.student.last_name for row in roster.rows] == ["Adams", "Moreno", "Zapata"]

    # 240 + 180 late + 0 excused = 7 h of 12 scheduled, but 7 of the 8 h not excused: 87 % < 90 %.
    assert by_name["Zapata"].attended_hours == "7"
    assert by_name["Zapata"].progress == "7 of 120 h"
    assert by_name["Zapata"].attendance_percent == 87
    assert by_name["Zapata"].at_risk
    # 240 + 240 + 210 = 11.5 h of 12: 95 %.
    assert by_name["Adams"].attended_hours == "11.5"
    assert by_name["Adams"].attendance_percent == 95
    assert not by_name["Adams"].at_risk
    # An unexcused absence counts against the rate: 8 of 12 h.
    assert by_name["Moreno"].attendance_percent == 66
    assert by_name["Moreno"].at_risk


def test_pending_and_waitlisted_people_are_counted_not_listed(client, school):
    seat(school["cohort"], status=S.PENDING_REVIEW, last_name="Pendingperson")
    seat(school["cohort"], status=S.WAITLISTED, last_name="Waitingperson")
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/cohorts/{school['cohort'].pk}/").content.decode()
    assert "1 pending review" in page
    assert "1 on the waitlist" in page
    assert "Pendingperson" not in page
    assert "Waitingperson" not in page
    assert "Zapata" in page


# --- query counts -----------------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("path", ["/instructor/", "/instructor/cohorts/{pk}/", "/instructor/cohorts/{pk}/roster.csv"])
def test_portal_pages_run_the_same_queries_for_5_and_40_students(client, school, path):
    client.force_login(school["staff"])
    cohort = school["cohort"]
    counts = []
    for size in (5, 40):
        while Enrollment.objects.filter(cohort=cohort, status=S.ENROLLED).count() < size:
            enrollment = seat(cohort)
            record_attendance(session=school["past"], entries=[AttendanceEntry(enrollment, A.LATE, 200)], actor=None)
        counts.append(_queries(client, path.format(pk=cohort.pk)))
    assert counts[0] == counts[1]


def test_attendance_and_sign_in_pages_run_the_same_queries_for_5_and_40_students(client, school):
    client.force_login(school["instructor"])
    cohort = school["cohort"]
    counts = []
    for size in (5, 40):
        while Enrollment.objects.filter(cohort=cohort, status=S.ENROLLED).count() < size:
            seat(cohort)
        counts.append(
            (
                _queries(client, f"/instructor/sessions/{school['past'].pk}/attendance/"),
                _queries(client, f"/instructor/sessions/{school['past'].pk}/sign-in/"),
            )
        )
    assert counts[0] == counts[1]


# --- CSV --------------------------------------------------------------------------------------------------------


def test_roster_csv_is_formula_safe_and_named_for_the_cohort(client, school):
    seat(school["cohort"], first_name="@SUM(A1)", last_name='=HYPERLINK("http://x.example","y")', phone="+1 312")
    record_attendance(session=school["past"], entries=[AttendanceEntry(school["enrollment"], A.LATE, 150)], actor=None)
    client.force_login(school["instructor"])
    response = client.get(f"/instructor/cohorts/{school['cohort'].pk}/roster.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-EMT-2026-FALL-EVE.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Last name", "First name", "E-mail", "Phone"]
    evil, zapata = rows[1], rows[2]
    assert evil[0] == '\'=HYPERLINK("http://x.example","y")'
    assert evil[1] == "'@SUM(A1)"
    assert evil[3] == "'+1 312"
    assert zapata[0] == "Zapata"
    assert zapata[6:10] == ["2.5", "4", "120", "62"]
    assert zapata[10] == "yes"


def test_spreadsheet_cell_neutralises_every_formula_start():
    for start in "=+-@":
        assert spreadsheet_cell(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_cell("Rivera") == "Rivera"
    assert spreadsheet_cell(None) == ""


def test_sign_in_sheet_has_the_school_the_session_and_a_row_per_student(client, school):
    seat(school["cohort"], first_name="Bo", last_name="Adams")
    seat(school["cohort"], status=S.WAITLISTED, last_name="Waitingperson")
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/sessions/{school['past'].pk}/sign-in/").content.decode()
    assert "Elite EMS Academy" in page
    assert "EMT-2026-FALL-EVE" in page
    assert "Airway management" in page
    assert "Signature" in page
    assert page.index("Adams, Bo") < page.index("Zapata, Ana")
    assert "Waitingperson" not in page
    assert "style=" not in page
    assert "<script>" not in page


def test_password_change_pages_use_the_site_layout(client, school):
    client.force_login(school["instructor"])
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    assert "Change your password" in page.content.decode()
    assert "My cohorts" in page.content.decode()


# --- the student's private status page ----------------------------------------------------------------------------


def test_the_students_history_shows_status_changes_not_attendance_marks(client, school):
    enrollment, session = school["enrollment"], school["past"]
    record_attendance(session=session, entries=[AttendanceEntry(enrollment, A.PRESENT, 240)], actor=None)
    record_attendance(session=session, entries=[AttendanceEntry(enrollment, A.LATE, 200)], actor=None)
    withdraw(enrollment=enrollment, reason="Moving to Peoria")
    assert AuditEvent.objects.filter(enrollment=enrollment, action="attendance.recorded").count() == 2
    page = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Withdrew (Moving to Peoria)" in page
    assert "Attendance recorded" not in page


# --- the next class -----------------------------------------------------------------------------------------------

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def test_my_cohorts_links_the_next_class_to_its_attendance_and_sign_in_sheet(client, school):
    client.force_login(school["instructor"])
    page = client.get("/instructor/").content.decode()
    future = school["future"].pk
    assert f'href="/instructor/sessions/{future}/attendance/"' in page
    assert f'href="/instructor/sessions/{future}/sign-in/"' in page
    assert "Take attendance for" in page
    # The past session is not the next class; another instructor's cohort is not there at all.
    assert f"/instructor/sessions/{school['past'].pk}/" not in page
    assert f"/instructor/sessions/{school['other_session'].pk}/" not in page


def test_another_instructor_gets_no_shortcut_to_a_cohort_they_do_not_teach(client, school):
    client.force_login(school["instructor2"])
    page = client.get("/instructor/").content.decode()
    assert f"/instructor/sessions/{school['future'].pk}/" not in page
    assert client.get(f"/instructor/sessions/{school['future'].pk}/attendance/").status_code == 404


def test_a_cohort_with_no_class_ahead_says_so(client, school):
    school["future"].delete()
    client.force_login(school["instructor"])
    page = client.get("/instructor/").content.decode()
    assert "No more classes scheduled." in page
    assert "Take attendance for" not in page
    roster = client.get(f"/instructor/cohorts/{school['cohort'].pk}/").content.decode()
    assert "No more classes are scheduled." in roster


def test_tonights_class_stays_the_next_class_until_midnight_in_chicago(client, school):
    """Attendance is often taken after class: tonight's class stays at the top until the day is over."""
    cohort = school["cohort"]
    evening = datetime.datetime(2026, 10, 13, 18, 0, tzinfo=CHICAGO)
    tonight = make_session(cohort, starts_at=evening, ends_at=evening + datetime.timedelta(hours=4), topic="Shock")
    thursday = make_session(
        cohort,
        starts_at=evening + datetime.timedelta(days=2),
        ends_at=evening + datetime.timedelta(days=2, hours=4),
        topic="Burns",
    )
    school["future"].delete()
    school["past"].delete()
    client.force_login(school["instructor"])
    for moment, expected in [
        (datetime.datetime(2026, 10, 13, 9, 0, tzinfo=CHICAGO), tonight),  # this morning
        (datetime.datetime(2026, 10, 13, 19, 0, tzinfo=CHICAGO), tonight),  # in class
        (datetime.datetime(2026, 10, 13, 23, 30, tzinfo=CHICAGO), tonight),  # after class, the same evening
        (datetime.datetime(2026, 10, 14, 0, 30, tzinfo=CHICAGO), thursday),  # the next day
    ]:
        with time_machine.travel(moment, tick=False):
            page = client.get("/instructor/").content.decode()
            roster = client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
        shortcut = f'href="/instructor/sessions/{expected.pk}/attendance/"'
        assert shortcut in page, moment
        assert roster.index(shortcut) < roster.index("Class sessions"), moment


def test_the_roster_lists_the_next_session_first_then_the_others(client, school):
    cohort = school["cohort"]
    earlier = make_session(cohort, days_from_now=-14, topic="Scene size-up")
    later = make_session(cohort, days_from_now=10, topic="Childbirth")
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
    sessions = page[page.index("Class sessions") :]
    order = [
        sessions.index(f"/instructor/sessions/{s.pk}/sign-in/")
        for s in (school["future"], school["past"], earlier, later)
    ]
    assert order == sorted(order), "next class, then the latest past ones first, then the later ones"
    assert "Next class" in sessions[: order[0]]
    # The card above the roster leads to the same class.
    top = page[: page.index("Class sessions")]
    assert f'href="/instructor/sessions/{school["future"].pk}/attendance/"' in top


# --- the roster on a phone: contact links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "href"),
    [("(312) 555-0101", "tel:3125550101"), ("+1 312 555 0101", "tel:+13125550101"), ("312.555.0101", "tel:3125550101")],
)
def test_phone_numbers_are_tel_links_and_addresses_mailto_links(client, school, typed, href):
    seat(school["cohort"], first_name="Bo", last_name="Adams", phone=typed, email="bo.adams@example.com")
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/cohorts/{school['cohort'].pk}/").content.decode()
    # Once in the phone's cards, once in the table.
    assert page.count(f'href="{href}"') == 2
    assert page.count('href="mailto:bo.adams@example.com"') == 2


def test_tel_href_keeps_digits_and_a_leading_plus():
    assert portal.tel_href("(312) 555-0101 ") == "tel:3125550101"
    assert portal.tel_href(" +44 20 7946 0958") == "tel:+442079460958"
    assert portal.tel_href("") == ""
    assert portal.tel_href("call the office") == ""


# --- credentials: "not yet verified" only where the course asks staff to verify ---------------------------------------


@pytest.fixture
def two_requirements(school):
    course = school["cohort"].course
    cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
    license = make_credential_type("EMT", "EMT license")
    make_requirement(course, cpr, needs_verification=False)
    make_requirement(course, license, needs_verification=True)
    return cpr, license


def _lines(cohort, last_name: str) -> dict[str, str]:
    row = next(r for r in portal.build_roster(cohort).rows if r.student.last_name == last_name)
    return {line.name: line.flag for line in row.credentials}


def test_not_yet_verified_is_flagged_only_for_credentials_the_course_asks_staff_to_verify(
    client, school, two_requirements
):
    cpr, license = two_requirements
    cohort = school["cohort"]
    student = school["enrollment"].student
    make_credential(student, cpr, status=CredentialStatus.UNVERIFIED)
    make_credential(student, license, status=CredentialStatus.UNVERIFIED)
    assert _lines(cohort, "Zapata") == {"CPR/BLS card": "", "EMT license": "not yet verified"}

    client.force_login(school["instructor"])
    page = client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
    assert page.count("not yet verified") == 2  # the license, in the card and in the table; never the CPR card
    assert "Not yet verified" not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/instructor/cohorts/{cohort.pk}/roster.csv").content.decode())))
    credentials = rows[1][5]
    assert "CPR/BLS card: expires" in credentials
    assert "EMT license: not yet verified, expires" in credentials


def test_a_verified_licence_says_verified_and_a_missing_or_expired_one_says_so(school, two_requirements):
    cpr, license = two_requirements
    cohort = school["cohort"]
    student = school["enrollment"].student
    make_credential(student, license, status=CredentialStatus.VERIFIED)
    make_credential(student, cpr, expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert _lines(cohort, "Zapata") == {"CPR/BLS card": "expired", "EMT license": "verified"}

    other = seat(cohort, last_name="Young").student
    make_credential(other, license, status=CredentialStatus.REJECTED)
    assert _lines(cohort, "Young") == {"CPR/BLS card": "missing", "EMT license": "rejected"}


def test_the_flag_follows_the_eligibility_check(school, two_requirements):
    """One rule: the roster's "not yet verified" is exactly the eligibility check's `awaiting`."""
    cpr, license = two_requirements
    cohort = school["cohort"]
    student = school["enrollment"].student
    make_credential(student, cpr)
    make_credential(student, license)
    eligibility = eligibility_on_file(cohort, student)
    flagged = {name for name, flag in _lines(cohort, "Zapata").items() if flag == "not yet verified"}
    assert flagged == set(eligibility.awaiting_names) == {"EMT license"}


def test_roster_with_credentials_runs_the_same_queries_for_5_and_40_students(client, school, two_requirements):
    cpr, license = two_requirements
    client.force_login(school["instructor"])
    cohort = school["cohort"]
    counts = []
    for size in (5, 40):
        while Enrollment.objects.filter(cohort=cohort, status=S.ENROLLED).count() < size:
            student = seat(cohort).student
            make_credential(student, cpr)
            make_credential(student, license, status=CredentialStatus.VERIFIED)
        counts.append(
            (
                _queries(client, "/instructor/"),
                _queries(client, f"/instructor/cohorts/{cohort.pk}/"),
                _queries(client, f"/instructor/cohorts/{cohort.pk}/roster.csv"),
            )
        )
    assert counts[0] == counts[1]


def test_the_roster_renders_each_rows_cells_once_for_the_card_and_the_table(client, school, monkeypatch):
    """The page shows every student twice (a card on a phone, a table row otherwise): the contact, credentials and
    "ready" cells are rendered once per row and placed in both."""
    cohort = school["cohort"]
    for n in range(3):
        seat(cohort, first_name=f"Student{n}", last_name="Adams", email=f"student{n}@example.com")
    renders: dict[str, int] = {}
    real_get_template = portal.get_template

    def counting_get_template(name):
        template = real_get_template(name)

        class Counting:
            def render(self, context):
                renders[name] = renders.get(name, 0) + 1
                return template.render(context)

        return Counting()

    monkeypatch.setattr(portal, "get_template", counting_get_template)
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/cohorts/{cohort.pk}/").content.decode()
    assert renders == {f"{portal.ROSTER_TEMPLATE}#{cell}": 4 for cell in portal.ROSTER_CELLS}
    for n in range(3):  # each cell's markup in both places
        assert page.count(f'<a class="text-break" href="mailto:student{n}@example.com">') == 2
    assert page.count('<span class="ready-no">') == 8
    # The template itself renders none of them (it would render each twice per row again).
    source = (settings.BASE_DIR / "templates" / portal.ROSTER_TEMPLATE).read_text()
    assert "{% partial " not in source


# --- attendance on a phone ------------------------------------------------------------------------------------------


def test_attendance_rows_tie_each_choice_to_its_minutes_and_load_the_script(client, school):
    client.force_login(school["instructor"])
    page = client.get(f"/instructor/sessions/{school['past'].pk}/attendance/").content.decode()
    pk = school["enrollment"].pk
    assert page.count(f'data-minutes-input="id_minutes_{pk}"') == 4
    assert 'src="/static/js/attendance.js"' in page
    assert "style=" not in page
    assert "<script>" not in page


def test_a_disabled_minutes_field_is_not_sent_and_absent_still_records_zero(client, school):
    """Without the minutes (a disabled field is not submitted) Absent and Excused record 0, Present the session."""
    bo = seat(school["cohort"], first_name="Bo", last_name="Adams")
    client.force_login(school["instructor"])
    url = f"/instructor/sessions/{school['past'].pk}/attendance/"
    pk = school["enrollment"].pk
    response = client.post(url, {f"status_{pk}": "absent", f"status_{bo.pk}": "present"})
    assert response.status_code == 302
    minutes = dict(Attendance.objects.values_list("enrollment__student__last_name", "minutes"))
    assert minutes == {"Zapata": 0, "Adams": 240}


def test_staff_and_superusers_get_every_cohorts_next_class(client, school):
    root = get_user_model().objects.create_superuser("root", password="pw-for-tests-123")
    other_next = make_session(school["other"], days_from_now=2, topic="Vitals")
    for user in (school["staff"], root):
        client.force_login(user)
        page = client.get("/instructor/").content.decode()
        assert f'href="/instructor/sessions/{school["future"].pk}/attendance/"' in page
        assert f'href="/instructor/sessions/{other_next.pk}/attendance/"' in page
        assert client.get(f"/instructor/sessions/{other_next.pk}/attendance/").status_code == 200
