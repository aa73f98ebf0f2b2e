"""The enrollment admin's pages: the audit trail is read-only, an enrollment's status cannot be edited or the
enrollment deleted, one is added through the service (its refusals shown as form errors), attendance is edited
through the service; and the enrollment changelist: search, waitlist position, the pending filter, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession
from enrollment import services
from enrollment.models import Attendance, AuditEvent, Credential, Enrollment, EnrollmentStatus, Student
from tests.factories import make_cohort, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

ENROLLMENTS = reverse("admin:enrollment_enrollment_changelist")


# --- the audit trail ----------------------------------------------------------------------------------------------


def test_audit_event_add_page_is_forbidden_even_for_superuser(superuser_client, school, admin_url):
    assert superuser_client.get(admin_url(AuditEvent, "add")).status_code == 403
    assert superuser_client.post(admin_url(AuditEvent, "add"), {"action": "enrollment.forged"}).status_code == 403
    assert not AuditEvent.objects.filter(action="enrollment.forged").exists()


def test_audit_event_cannot_be_changed_through_admin(superuser_client, school, admin_url):
    event = school.audit_event
    url = admin_url(AuditEvent, "change", event.pk)
    response = superuser_client.post(url, {"action": "enrollment.forged", "reason": "rewritten"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "enrollment.pending_review"
    assert event.reason == ""


def test_audit_event_cannot_be_deleted_through_admin(superuser_client, school, admin_url):
    event = school.audit_event
    assert superuser_client.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert superuser_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    response = superuser_client.post(
        admin_url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- enrollment and student pages ---------------------------------------------------------------------------------


def test_enrollment_status_is_read_only_on_its_page(superuser_client, school, admin_url):
    enrollment = school.enrollment
    url = admin_url(Enrollment, "change", enrollment.pk)
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields
    assert 'name="status"' not in response.text
    assert superuser_client.post(url, {"status": EnrollmentStatus.COMPLETED}).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PENDING_REVIEW


def test_enrollment_page_lists_its_audit_history(superuser_client, school, admin_url):
    response = superuser_client.get(admin_url(Enrollment, "change", school.enrollment.pk))
    assert response.context["history"] == [school.audit_event]
    assert "Signed up; seat held pending review" in response.text


def test_enrollment_cannot_be_deleted_through_admin(superuser_client, school, admin_url):
    assert superuser_client.get(admin_url(Enrollment, "delete", school.enrollment.pk)).status_code == 403


def test_student_page_shows_enrollments_read_only(superuser_client, school, admin_url):
    response = superuser_client.get(admin_url(Student, "change", school.student.pk))
    enrollments = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Enrollment)
    assert not enrollments.has_add_permission
    assert not enrollments.has_change_permission
    assert not enrollments.has_delete_permission
    assert [form.original for form in enrollments] == [school.enrollment]


# --- adding an enrollment goes through the service ----------------------------------------------------------------


def test_enrollment_add_page_requests_a_seat_through_the_service(
    superuser_client, school, superuser, django_capture_on_commit_callbacks, mailoutbox, admin_url
):
    student = make_student(email="sam.okafor@example.com", first_name="Sam", last_name="Okafor")
    Credential.objects.create(
        student=student,
        credential_type=school.cpr,
        number="BLS-2",
        expires_on=school.cohort.ends_on + datetime.timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            admin_url(Enrollment, "add"), {"student": student.pk, "cohort": school.cohort.pk}
        )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(student=student, cohort=school.cohort)
    assert [m.to for m in mailoutbox] == [["sam.okafor@example.com"]]
    # The CPR card needs staff verification, as on the public signup: the service decided, not the admin.
    assert enrollment.status == EnrollmentStatus.PENDING_REVIEW
    event = enrollment.audit_events.get()
    assert event.action == "enrollment.pending_review"
    assert event.actor == superuser
    assert event.to_status == EnrollmentStatus.PENDING_REVIEW


def test_enrollment_add_page_ignores_the_enrollment_window(superuser_client, school, admin_url):
    closed = make_cohort(
        school.course,
        code="EMT-2026-FALL-DAY",
        enrollment_opens_at=timezone.now() - datetime.timedelta(days=20),
        enrollment_closes_at=timezone.now() - datetime.timedelta(days=10),
    )
    response = superuser_client.post(admin_url(Enrollment, "add"), {"student": school.student.pk, "cohort": closed.pk})
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=school.student, cohort=closed).exists()


def refusal_code(response) -> str:
    errors = response.context["form"].non_field_errors().as_data()
    assert len(errors) == 1
    return errors[0].code


def test_enrollment_add_page_shows_too_young_as_form_error(superuser_client, school, admin_url):
    teenager = make_student(
        email="teen@example.com", date_of_birth=timezone.localdate() - datetime.timedelta(days=16 * 366)
    )
    response = superuser_client.post(admin_url(Enrollment, "add"), {"student": teenager.pk, "cohort": school.cohort.pk})

    assert response.status_code == 200
    assert refusal_code(response) == "too_young"
    assert "is open to people aged 18 or older" in response.text
    assert not Enrollment.objects.filter(student=teenager).exists()


def test_enrollment_add_page_shows_already_enrolled_as_form_error(superuser_client, school, admin_url):
    response = superuser_client.post(
        admin_url(Enrollment, "add"), {"student": school.student.pk, "cohort": school.cohort.pk}
    )

    assert response.status_code == 200
    assert refusal_code(response) == "already_enrolled"
    assert "already has a place in EMT-2026-FALL-EVE" in response.text
    assert Enrollment.objects.filter(student=school.student).count() == 1


def test_enrollment_add_page_shows_missing_requirement_as_form_error(superuser_client, school, admin_url):
    student = make_student(email="no.card@example.com")
    response = superuser_client.post(admin_url(Enrollment, "add"), {"student": student.pk, "cohort": school.cohort.pk})

    assert response.status_code == 200
    assert refusal_code(response) == "missing_requirement"
    assert not Enrollment.objects.filter(student=student).exists()


def test_enrollment_add_page_requires_student_and_cohort(superuser_client, school, admin_url):
    response = superuser_client.post(admin_url(Enrollment, "add"), {"student": school.student.pk})
    assert response.status_code == 200
    assert "cohort" in response.context["form"].errors


def test_attendance_edited_in_the_admin_goes_through_the_service(superuser_client, school, superuser, admin_url):
    attendance = school.attendance
    # The fixture's session has not started yet: the admin refuses, as the portal does.
    data = {"enrollment": school.enrollment.pk, "session": school.session.pk, "status": "late", "minutes": 200}
    correct = reverse("admin:enrollment_attendance_correct", args=[attendance.pk])
    # Its own page is read-only: it offers "Correct this record", which goes through the service.
    page = superuser_client.get(admin_url(Attendance, "change", attendance.pk))
    assert correct in page.text
    assert superuser_client.post(admin_url(Attendance, "change", attendance.pk), data).status_code == 403
    refused = superuser_client.post(correct, data)
    assert refused.status_code == 200
    assert "has not started yet" in refused.text

    # Once it has started and the student is seated, the change is recorded and audited.
    ClassSession.objects.filter(pk=school.session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=5), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    services.approve(enrollment=school.enrollment, actor=superuser)
    response = superuser_client.post(correct, data)
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert (attendance.status, attendance.minutes, attendance.recorded_by) == ("late", 200, superuser)
    event = AuditEvent.objects.filter(action="attendance.recorded").get()
    assert (event.actor, event.data["new_status"], event.data["new_minutes"]) == (superuser, "late", 200)


# --- the changelist -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "found"),
    [("dana", True), ("REYES@example", True), ("fall-eve", True), ("dana fall", True), ("zed", False)],
)
def test_enrollment_search_matches_student_or_cohort(superuser_client, school, term, found, admin_url):
    response = superuser_client.get(admin_url(Enrollment, "changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == ([school.enrollment] if found else [])


def test_changelist_shows_waitlist_position(staff_client, sign_up):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    waiting = sign_up(cohort)

    response = staff_client.get(ENROLLMENTS)

    shown = {e.pk: e.waitlist_position for e in response.context["cl"].result_list}
    assert shown[waiting.pk] == 1
    assert '<td class="field-status_detail">Waitlisted (#1)</td>' in response.text


def test_pending_for_more_than_48_hours_filter(staff_client, reviewed_cohort, cpr, sign_up):
    old = sign_up(reviewed_cohort, cpr)
    recent = sign_up(reviewed_cohort, cpr)
    Enrollment.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=49))
    Enrollment.objects.filter(pk=recent.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=47))

    response = staff_client.get(ENROLLMENTS, {"pending": "over48h"})

    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].result_list] == [old.pk]


def test_enrollment_changelist_query_count_does_not_grow_with_rows(staff_client, sign_up):
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


def test_enrollment_changelist_runs_the_same_queries_with_10_and_200_rows(staff_client, bulk_school):
    # 10 then 200 enrollments, 10 per cohort.
    bulk_school(cohorts=1, per_cohort=10)
    staff_client.get(ENROLLMENTS)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as ten:
        response = staff_client.get(ENROLLMENTS)
    assert response.context["cl"].result_count == 10

    bulk_school(cohorts=19, per_cohort=10)
    with CaptureQueriesContext(connection) as two_hundred:
        response = staff_client.get(ENROLLMENTS)
    assert response.context["cl"].result_count == 200

    assert len(two_hundred) == len(ten), "\n".join(q["sql"] for q in two_hundred.captured_queries)
