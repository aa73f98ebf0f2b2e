"""Staff back office: roles, the enrollment actions (each through a service, reported row by row, refusals never
half-applied), cohort capacity, the CSV export and the changelist's waitlist position and filters."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort
from enrollment import services
from enrollment.models import AuditEvent, Credential, CredentialStatus, Enrollment, EnrollmentStatus
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    student_details,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
ENROLLMENTS = reverse("admin:enrollment_enrollment_changelist")


# --- fixtures and helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("head", "head@elite-ems.example", "pw")


@pytest.fixture(params=["staff", "superuser"])
def back_office(request, client, staff_user, superuser):
    """A logged-in client, once as a Staff-group member and once as a superuser; `.user` is who is logged in."""
    user = staff_user if request.param == "staff" else superuser
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    client.user = staff_user
    return client


@pytest.fixture
def cpr():
    return make_credential_type("CPR_BLS", "CPR/BLS card")


@pytest.fixture
def reviewed_cohort(cpr):
    """An EMT cohort whose CPR card staff must verify: every signup starts pending review."""
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    return make_cohort(course, code="EMT-2027-SPR-EVE", capacity=3)


def sign_up(cohort: Cohort, cpr=None, **student) -> Enrollment:
    credentials = [credential_details(cpr)] if cpr is not None else []
    return services.request_seat(cohort=cohort, student=student_details(**student), credentials=credentials)


def run_action(client, action: str, enrollments, url: str = ENROLLMENTS, **extra):
    return client.post(url, {"action": action, "_selected_action": [e.pk for e in enrollments], "index": "0", **extra})


def apply_with_reason(client, action: str, enrollments, reason: str):
    """The intermediate page's submit: no `index`, as the page itself posts it."""
    return client.post(
        ENROLLMENTS, {"action": action, "_selected_action": [e.pk for e in enrollments], "apply": "1", "reason": reason}
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(enrollment: Enrollment) -> str:
    enrollment.refresh_from_db()
    return enrollment.status


# --- roles -------------------------------------------------------------------------------------------------------


def test_staff_group_from_migration_manages_the_school_but_not_users():
    perms = set(Group.objects.get(name="Staff").permissions.values_list("content_type__app_label", "codename"))
    assert ("enrollment", "change_enrollment") in perms
    assert ("courses", "add_cohort") in perms
    assert ("enrollment", "view_auditevent") in perms
    assert not {p for p in perms if p[1].endswith("_auditevent") and p[1] != "view_auditevent"}
    assert not {p for p in perms if p[0] == "auth"}
    assert not Group.objects.get(name="Instructors").permissions.exists()
    assert Permission.objects.filter(content_type__app_label="enrollment").exists()


def test_anonymous_is_sent_to_the_admin_login(client):
    for url in [reverse("admin:index"), ENROLLMENTS, reverse("admin:auth_user_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_instructor_cannot_reach_the_admin(client, django_user_model):
    instructor = django_user_model.objects.create_user("dana", "dana@elite-ems.example", "pw")
    instructor.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(instructor)
    for url in [reverse("admin:index"), ENROLLMENTS]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_cannot_reach_user_or_group_admin(staff_client):
    assert staff_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert staff_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert staff_client.get(ENROLLMENTS).status_code == 200
    assert staff_client.get(reverse("admin:enrollment_auditevent_changelist")).status_code == 200


# --- approve -----------------------------------------------------------------------------------------------------


def test_approve_action_confirms_pending_seats_and_audits(back_office, reviewed_cohort, cpr):
    pending = [sign_up(reviewed_cohort, cpr) for _ in range(2)]

    response = run_action(back_office, "approve_selected", pending)

    assert response.status_code == 302
    assert messages_of(response) == ["2 approved"]
    for enrollment in pending:
        assert status_of(enrollment) == S.ENROLLED
        event = enrollment.audit_events.get(action="enrollment.approved")
        assert (event.actor, event.from_status, event.to_status) == (back_office.user, S.PENDING_REVIEW, S.ENROLLED)
        assert enrollment.student.credentials.get().status == CredentialStatus.VERIFIED


def test_approve_action_skips_illegal_rows_with_the_services_message(staff_client, reviewed_cohort, cpr):
    pending = sign_up(reviewed_cohort, cpr)
    withdrawn = sign_up(reviewed_cohort, cpr, last_name="Okafor")
    services.withdraw(enrollment=withdrawn, reason="Changed plans.")
    events_before = AuditEvent.objects.count()

    response = run_action(staff_client, "approve_selected", [pending, withdrawn])

    assert messages_of(response) == [
        f"1 approved; 1 skipped: {withdrawn.student} in EMT-2027-SPR-EVE: Only enrollments pending review can be "
        "approved; this one is withdrawn."
    ]
    assert status_of(pending) == S.ENROLLED
    assert status_of(withdrawn) == S.WITHDRAWN
    assert AuditEvent.objects.count() == events_before + 1  # the approval only


# --- reject, withdraw: a reason on an intermediate page -------------------------------------------------------------


def test_reject_action_asks_for_a_reason_first(staff_client, reviewed_cohort, cpr):
    pending = sign_up(reviewed_cohort, cpr)

    response = run_action(staff_client, "reject_selected", [pending])

    assert response.status_code == 200
    assert "admin/enrollment/enrollment/action_form.html" in [t.name for t in response.templates]
    assert str(pending.student) in response.text
    assert status_of(pending) == S.PENDING_REVIEW


def test_reject_action_refuses_an_empty_reason(staff_client, reviewed_cohort, cpr):
    pending = sign_up(reviewed_cohort, cpr)

    response = apply_with_reason(staff_client, "reject_selected", [pending], "   ")

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert status_of(pending) == S.PENDING_REVIEW


def test_reject_action_rejects_with_the_reason_e_mailed(
    back_office, reviewed_cohort, cpr, mailoutbox, django_capture_on_commit_callbacks
):
    pending = sign_up(reviewed_cohort, cpr)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = apply_with_reason(back_office, "reject_selected", [pending], "Card number not in the registry.")

    assert response.status_code == 302
    assert messages_of(response) == ["1 rejected"]
    assert status_of(pending) == S.REJECTED
    event = pending.audit_events.get(action="enrollment.rejected")
    assert (event.actor, event.reason) == (back_office.user, "Card number not in the registry.")
    assert len(mailoutbox) == 1
    assert "Card number not in the registry." in mailoutbox[0].body


def test_withdraw_action_offers_the_freed_seat_to_the_waitlist(staff_client, cpr):
    cohort = make_cohort(capacity=1)
    seated = sign_up(cohort)
    waiting = sign_up(cohort)
    assert waiting.status == S.WAITLISTED

    response = apply_with_reason(staff_client, "withdraw_selected", [seated], "Moved to Peoria.")

    assert messages_of(response) == ["1 withdrawn"]
    assert status_of(seated) == S.WITHDRAWN
    assert seated.audit_events.get(action="enrollment.withdrawn").reason == "Moved to Peoria."
    assert status_of(waiting) == S.OFFERED
    assert waiting.audit_events.get(action="enrollment.offered").actor == staff_client.user


# --- completion --------------------------------------------------------------------------------------------------


@pytest.fixture
def emt_graduate_path(cpr):
    """An EMT course granting the EMT license (24 months) and a Paramedic course requiring it, verified."""
    emt = make_course(title="EMT")
    emt_license = make_credential_type("EMT", "EMT license", granted_by=emt, validity_months=24)
    paramedic = make_course(title="Paramedic", slug="paramedic")
    make_requirement(paramedic, emt_license, needs_verification=True)
    return emt, emt_license, paramedic


def test_complete_action_grants_a_verified_credential_that_opens_the_next_course(back_office, emt_graduate_path):
    emt, emt_license, paramedic = emt_graduate_path
    enrollment = sign_up(make_cohort(emt), email="grad@example.com")
    assert enrollment.status == S.ENROLLED

    response = run_action(back_office, "complete_selected", [enrollment])

    assert messages_of(response) == ["1 completed"]
    assert status_of(enrollment) == S.COMPLETED
    today = timezone.localdate()
    credential = Credential.objects.get(student=enrollment.student, credential_type=emt_license)
    assert credential.status == CredentialStatus.VERIFIED
    assert credential.verified_by == back_office.user
    assert credential.issued_on == today
    assert credential.expires_on == services.add_months(today, 24)
    assert enrollment.audit_events.filter(action="enrollment.completed", actor=back_office.user).exists()
    assert enrollment.audit_events.get(action="credential.granted").data["credentials"] == [credential.pk]

    # Nobody re-types anything: the graduate's verified license seats them in Paramedic without review.
    paramedic_cohort = make_cohort(paramedic, starts_on=today + datetime.timedelta(days=60))
    next_enrollment = services.request_seat(cohort=paramedic_cohort, student=student_details(email="grad@example.com"))
    assert next_enrollment.status == S.ENROLLED


def test_complete_action_refuses_a_waitlisted_enrollment_without_granting_anything(staff_client, emt_graduate_path):
    emt, emt_license, _ = emt_graduate_path
    cohort = make_cohort(emt, capacity=1, code="EMT-FULL")
    sign_up(cohort)
    waiting = sign_up(cohort)
    events_before = AuditEvent.objects.count()

    response = run_action(staff_client, "complete_selected", [waiting])

    assert messages_of(response) == [
        f"0 completed; 1 skipped: {waiting.student} in EMT-FULL: An enrollment that is waitlisted cannot become "
        "completed."
    ]
    assert status_of(waiting) == S.WAITLISTED
    assert not Credential.objects.filter(credential_type=emt_license).exists()
    assert AuditEvent.objects.count() == events_before


def test_did_not_complete_action_records_the_reason_and_grants_nothing(staff_client, emt_graduate_path):
    emt, emt_license, _ = emt_graduate_path
    enrollment = sign_up(make_cohort(emt))

    response = apply_with_reason(staff_client, "did_not_complete_selected", [enrollment], "Missed the skills exam.")

    assert messages_of(response) == ["1 marked as did not complete"]
    assert status_of(enrollment) == S.DID_NOT_COMPLETE
    event = enrollment.audit_events.get(action="enrollment.did_not_complete")
    assert (event.reason, event.actor) == ("Missed the skills exam.", staff_client.user)
    assert not Credential.objects.filter(credential_type=emt_license).exists()


def test_did_not_complete_refuses_a_pending_enrollment(staff_client, reviewed_cohort, cpr):
    pending = sign_up(reviewed_cohort, cpr)

    response = apply_with_reason(staff_client, "did_not_complete_selected", [pending], "No show.")

    assert "0 marked as did not complete; 1 skipped" in messages_of(response)[0]
    assert status_of(pending) == S.PENDING_REVIEW


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 24, datetime.date(2028, 11, 15)),
        (datetime.date(2026, 12, 31), 12, datetime.date(2027, 12, 31)),
        (datetime.date(2026, 3, 31), 11, datetime.date(2027, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_the_months_last(day, months, expected):
    assert services.add_months(day, months) == expected


# --- cohorts: offering seats and capacity ---------------------------------------------------------------------------


def cohort_form_data(cohort: Cohort, **changes) -> dict:
    data = {
        "course": cohort.course_id,
        "code": cohort.code,
        "status": cohort.status,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "schedule": cohort.schedule,
        "location": cohort.location,
        "capacity": cohort.capacity,
        "enrollment_opens_at_0": "",
        "enrollment_opens_at_1": "",
        "enrollment_closes_at_0": "",
        "enrollment_closes_at_1": "",
        "offer_hours": cohort.offer_hours,
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        # The read-only enrollments inline renders a management form too, which the browser posts back.
        "enrollments-TOTAL_FORMS": "0",
        "enrollments-INITIAL_FORMS": "0",
        "enrollments-MIN_NUM_FORMS": "0",
        "enrollments-MAX_NUM_FORMS": "1000",
    }
    return data | changes


def test_lowering_capacity_below_seats_held_is_refused(staff_client):
    cohort = make_cohort(capacity=3, code="EMT-2027-SPR-EVE")
    for _ in range(3):
        sign_up(cohort)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    response = staff_client.post(url, cohort_form_data(cohort, capacity=2))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["capacity"]
    assert [e.code for e in errors] == ["capacity_below_seats"]
    assert "EMT-2027-SPR-EVE has 3 seats taken, so its capacity cannot be lowered to 2" in response.text
    cohort.refresh_from_db()
    assert cohort.capacity == 3


def test_lowering_capacity_to_the_seats_held_is_allowed(staff_client):
    cohort = make_cohort(capacity=5)
    sign_up(cohort)
    sign_up(cohort)

    response = staff_client.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=2)
    )

    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.capacity == 2


def test_raising_capacity_offers_the_new_seats_to_the_waitlist_in_order(back_office):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    first, second, third = (sign_up(cohort) for _ in range(3))

    response = back_office.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=3)
    )

    assert response.status_code == 302
    assert [status_of(e) for e in (first, second, third)] == [S.OFFERED, S.OFFERED, S.WAITLISTED]
    assert first.audit_events.get(action="enrollment.offered").actor == back_office.user
    assert any("2 freed seat(s)" in m for m in messages_of(response))


def test_offer_next_seats_action_on_cohorts(staff_client):
    cohort = make_cohort(capacity=1, code="EMR-2027-SUM-DAY")
    seated = sign_up(cohort)
    waiting = sign_up(cohort)
    # A seat freed outside the services (e.g. a capacity fixed in the database) is offered by the action.
    Cohort.objects.filter(pk=cohort.pk).update(capacity=2)

    response = staff_client.post(
        reverse("admin:courses_cohort_changelist"),
        {"action": "offer_next_seats", "_selected_action": [cohort.pk], "index": "0"},
    )

    assert response.status_code == 302
    assert messages_of(response) == [f"EMR-2027-SUM-DAY: 1 offered ({waiting.student})"]
    assert status_of(waiting) == S.OFFERED
    assert status_of(seated) == S.ENROLLED


# --- export and changelist ---------------------------------------------------------------------------------------


def test_export_csv_lists_the_selection_with_waitlist_positions_and_neutralised_formulas(staff_client):
    cohort = make_cohort(capacity=1, code="EMT-2027-SPR-EVE")
    seated = sign_up(cohort, first_name='=HYPERLINK("http://evil")', last_name="Smith", phone="+1 312 555 0100")
    first = sign_up(cohort, first_name="@SUM(A1)", last_name="Jones")
    second = sign_up(cohort, first_name="-2+3", last_name="Lee")

    response = run_action(staff_client, "export_csv", [seated, first, second])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Student", "Email", "Phone", "Cohort", "Course", "Status", "Created", "Waitlist position"]
    by_email = {row[1]: row for row in rows[1:]}
    assert len(by_email) == 3
    assert by_email[seated.student.email][0] == '\'=HYPERLINK("http://evil") Smith'
    assert by_email[seated.student.email][2] == "'+1 312 555 0100"
    assert by_email[seated.student.email][3:6] == ["EMT-2027-SPR-EVE", cohort.course.title, "Enrolled"]
    assert by_email[seated.student.email][7] == ""
    assert by_email[first.student.email][0] == "'@SUM(A1) Jones"
    assert by_email[first.student.email][5:] == [
        "Waitlisted",
        timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M"),
        "1",
    ]
    assert by_email[second.student.email][0] == "'-2+3 Lee"
    assert by_email[second.student.email][7] == "2"


def test_waitlist_position_counts_the_whole_waitlist_not_the_selection(staff_client):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    sign_up(cohort)
    third = sign_up(cohort)

    response = run_action(staff_client, "export_csv", [third])

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][7] == "2" == str(services.waitlist_position(third))


def test_changelist_shows_waitlist_position(staff_client):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    waiting = sign_up(cohort)

    response = staff_client.get(ENROLLMENTS)

    shown = {e.pk: e.waitlist_position for e in response.context["cl"].result_list}
    assert shown[waiting.pk] == 1
    assert '<td class="field-waitlist_position">1</td>' in response.text


def test_pending_for_more_than_48_hours_filter(staff_client, reviewed_cohort, cpr):
    old = sign_up(reviewed_cohort, cpr)
    recent = sign_up(reviewed_cohort, cpr)
    Enrollment.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=49))
    Enrollment.objects.filter(pk=recent.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=47))

    response = staff_client.get(ENROLLMENTS, {"pending": "over48h"})

    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].result_list] == [old.pk]


# --- review queue ------------------------------------------------------------------------------------------------

REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")


def test_admin_index_links_to_the_review_queue_with_a_count(staff_client, reviewed_cohort, cpr):
    sign_up(reviewed_cohort, cpr)
    sign_up(reviewed_cohort, cpr)

    response = staff_client.get(reverse("admin:index"))

    assert f'href="{REVIEW_QUEUE}"' in response.text
    assert 'aria-label="2 pending">2</strong>' in response.text


def test_review_queue_lists_pending_oldest_first_with_credentials(staff_client, reviewed_cohort, cpr):
    newer = sign_up(reviewed_cohort, cpr, last_name="Newer")
    older = sign_up(reviewed_cohort, cpr, last_name="Older")
    Enrollment.objects.filter(pk=older.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=3))
    sign_up(make_cohort(), last_name="Seated")  # enrolled at once: not in the queue

    response = staff_client.get(REVIEW_QUEUE)

    assert response.status_code == 200
    assert [e.pk for e in response.context["enrollments"]] == [older.pk, newer.pk]
    expires = older.student.credentials.get().expires_on
    assert f"expires {expires:%b} {expires.day}, {expires.year}" in response.text
    assert "Seated" not in response.text


def test_review_queue_query_count_does_not_grow_with_rows(staff_client, reviewed_cohort, cpr):
    Cohort.objects.filter(pk=reviewed_cohort.pk).update(capacity=30)
    for _ in range(2):
        sign_up(reviewed_cohort, cpr)
    staff_client.get(REVIEW_QUEUE)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        staff_client.get(REVIEW_QUEUE)
    for _ in range(10):
        sign_up(reviewed_cohort, cpr)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(REVIEW_QUEUE)
    assert len(response.context["enrollments"]) == 12
    assert len(many) == len(few)


def test_review_queue_approve_button_runs_the_approve_action(staff_client, reviewed_cohort, cpr):
    pending = sign_up(reviewed_cohort, cpr)

    response = staff_client.post(
        ENROLLMENTS, {"action": "approve_selected", "_selected_action": [pending.pk], "index": "0"}
    )

    assert messages_of(response) == ["1 approved"]
    assert status_of(pending) == S.ENROLLED


def test_review_queue_needs_the_change_permission(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", "clerk@elite-ems.example", "pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_enrollment"))
    client.force_login(clerk)

    assert client.get(REVIEW_QUEUE).status_code == 403
    assert f'href="{REVIEW_QUEUE}"' not in client.get(reverse("admin:index")).text


def test_enrollment_changelist_query_count_does_not_grow_with_rows(staff_client):
    cohort = make_cohort(capacity=2)
    for _ in range(3):
        sign_up(cohort)
    staff_client.get(ENROLLMENTS)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        staff_client.get(ENROLLMENTS)
    for _ in range(12):
        sign_up(cohort)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(ENROLLMENTS)
    assert response.context["cl"].result_count == 15
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
