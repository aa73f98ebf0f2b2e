"""The back office: every page loads for a superuser, enrollments are added through the service, the audit trail
is read-only and the cohort changelist's query count does not grow with the number of cohorts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus, Course, CredentialType, Level, Requirement
from enrollment import services
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Credential,
    Enrollment,
    EnrollmentStatus,
    Student,
)

pytestmark = pytest.mark.django_db

OUR_MODELS = [Course, CredentialType, Requirement, Cohort, ClassSession, Student, Credential, Enrollment, Attendance]


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_course(**overrides: object) -> Course:
    values = {
        "level": Level.EMT,
        "slug": "emt-basic",
        "title": "EMT Basic",
        "summary": "Become an EMT.",
        "description": "The EMT course.",
        "scope": "Basic life support.",
        "nominal_hours": Decimal("180.0"),
        "tuition": Decimal("1450.00"),
        "min_age": 18,
    }
    return Course.objects.create(**(values | overrides))


def make_cohort(course: Course, code: str, **overrides: object) -> Cohort:
    starts_on = timezone.localdate() + datetime.timedelta(days=30)
    values = {
        "course": course,
        "code": code,
        "starts_on": starts_on,
        "ends_on": starts_on + datetime.timedelta(days=90),
        "schedule": "Tue/Thu 6-10 pm",
        "location": "Chicago, West Loop campus",
        "capacity": 20,
        "status": CohortStatus.OPEN,
    }
    return Cohort.objects.create(**(values | overrides))


def make_student(email: str, *, born: datetime.date = datetime.date(1995, 4, 2), **overrides: object) -> Student:
    values = {"first_name": "Dana", "last_name": "Reyes", "email": email, "phone": "312-555-0100"}
    return Student.objects.create(date_of_birth=born, **(values | overrides))


def details_of(student: Student) -> services.StudentDetails:
    return services.StudentDetails(
        first_name=student.first_name,
        last_name=student.last_name,
        email=student.email,
        date_of_birth=student.date_of_birth,
        phone=student.phone,
    )


@dataclass
class School:
    course: Course
    cpr: CredentialType
    requirement: Requirement
    cohort: Cohort
    session: ClassSession
    student: Student
    credential: Credential
    enrollment: Enrollment
    attendance: Attendance
    audit_event: AuditEvent

    def object_of(self, model: type) -> object:
        return {
            Course: self.course,
            CredentialType: self.cpr,
            Requirement: self.requirement,
            Cohort: self.cohort,
            ClassSession: self.session,
            Student: self.student,
            Credential: self.credential,
            Enrollment: self.enrollment,
            Attendance: self.attendance,
            AuditEvent: self.audit_event,
        }[model]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("head", "head@elite-ems.example", "pw-not-checked")


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def school(superuser) -> School:
    course = make_course()
    cpr = CredentialType.objects.create(code="CPR_BLS", name="CPR/BLS card", validity_months=24)
    requirement = Requirement.objects.create(course=course, credential_type=cpr, needs_verification=True)
    cohort = make_cohort(course, "EMT-2026-FALL-EVE")
    cohort.instructors.add(superuser)
    first_day = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(18)))
    session = ClassSession.objects.create(
        cohort=cohort, starts_at=first_day, ends_at=first_day + datetime.timedelta(hours=4), topic="Welcome"
    )
    ClassSession.objects.create(
        cohort=cohort,
        starts_at=first_day + datetime.timedelta(days=2),
        ends_at=first_day + datetime.timedelta(days=2, hours=3, minutes=30),
        kind="lab",
        topic="Airway skills",
    )
    student = make_student("dana.reyes@example.com")
    credential = Credential.objects.create(
        student=student, credential_type=cpr, number="BLS-1", expires_on=cohort.ends_on + datetime.timedelta(days=400)
    )
    enrollment = services.request_seat(cohort=cohort, student=details_of(student), actor=superuser)
    attendance = Attendance.objects.create(
        enrollment=enrollment, session=session, status=AttendanceStatus.PRESENT, minutes=240
    )
    return School(
        course=course,
        cpr=cpr,
        requirement=requirement,
        cohort=cohort,
        session=session,
        student=student,
        credential=credential,
        enrollment=enrollment,
        attendance=attendance,
        audit_event=enrollment.audit_events.get(),
    )


def test_every_model_of_the_school_is_registered():
    registered = set(admin.site._registry)
    assert set(OUR_MODELS) | {AuditEvent} <= registered


def test_admin_site_is_named_after_the_school(staff_client, settings):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert admin.site.site_header == f"{settings.SCHOOL_NAME} back office"
    assert f"{settings.SCHOOL_NAME} back office" in response.text


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_changelist_loads_for_superuser(staff_client, school, model):
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_changelist_search_works(staff_client, school, model):
    response = staff_client.get(admin_url(model, "changelist"), {"q": "dana"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_add_page_loads_for_superuser(staff_client, school, model):
    response = staff_client.get(admin_url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_change_page_loads_for_superuser(staff_client, school, model):
    response = staff_client.get(admin_url(model, "change", school.object_of(model).pk))
    assert response.status_code == 200


def test_audit_event_add_page_is_forbidden_even_for_superuser(staff_client, school):
    assert staff_client.get(admin_url(AuditEvent, "add")).status_code == 403
    assert staff_client.post(admin_url(AuditEvent, "add"), {"action": "enrollment.forged"}).status_code == 403
    assert not AuditEvent.objects.filter(action="enrollment.forged").exists()


def test_audit_event_cannot_be_changed_through_admin(staff_client, school):
    event = school.audit_event
    url = admin_url(AuditEvent, "change", event.pk)
    response = staff_client.post(url, {"action": "enrollment.forged", "reason": "rewritten"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "enrollment.pending_review"
    assert event.reason == ""


def test_audit_event_cannot_be_deleted_through_admin(staff_client, school):
    event = school.audit_event
    assert staff_client.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert staff_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    response = staff_client.post(
        admin_url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_enrollment_status_is_read_only_on_its_page(staff_client, school):
    enrollment = school.enrollment
    url = admin_url(Enrollment, "change", enrollment.pk)
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields
    assert 'name="status"' not in response.text
    assert staff_client.post(url, {"status": EnrollmentStatus.COMPLETED}).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PENDING_REVIEW


def test_enrollment_page_lists_its_audit_history(staff_client, school):
    response = staff_client.get(admin_url(Enrollment, "change", school.enrollment.pk))
    assert "enrollment.pending_review" in response.text
    history = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is AuditEvent)
    assert [form.original for form in history] == [school.audit_event]


def test_enrollment_cannot_be_deleted_through_admin(staff_client, school):
    assert staff_client.get(admin_url(Enrollment, "delete", school.enrollment.pk)).status_code == 403


def test_student_page_shows_enrollments_read_only(staff_client, school):
    response = staff_client.get(admin_url(Student, "change", school.student.pk))
    enrollments = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Enrollment)
    assert not enrollments.has_add_permission
    assert not enrollments.has_change_permission
    assert not enrollments.has_delete_permission
    assert [form.original for form in enrollments] == [school.enrollment]


def test_cohort_page_shows_sessions_with_hours(staff_client, school):
    response = staff_client.get(admin_url(Cohort, "change", school.cohort.pk))
    sessions = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is ClassSession)
    # The inline also renders the blank template row, whose hours cannot be computed yet.
    assert [form.original for form in sessions if form.original] == list(school.cohort.sessions.all())
    assert "4.0" in response.text
    assert "3.5" in response.text


def test_enrollment_add_page_requests_a_seat_through_the_service(
    staff_client, school, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    student = make_student("sam.okafor@example.com", first_name="Sam", last_name="Okafor")
    Credential.objects.create(
        student=student,
        credential_type=school.cpr,
        number="BLS-2",
        expires_on=school.cohort.ends_on + datetime.timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(admin_url(Enrollment, "add"), {"student": student.pk, "cohort": school.cohort.pk})

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(student=student, cohort=school.cohort)
    assert [m.to for m in mailoutbox] == [["sam.okafor@example.com"]]
    # The CPR card needs staff verification, as on the public signup: the service decided, not the admin.
    assert enrollment.status == EnrollmentStatus.PENDING_REVIEW
    event = enrollment.audit_events.get()
    assert event.action == "enrollment.pending_review"
    assert event.actor == superuser
    assert event.to_status == EnrollmentStatus.PENDING_REVIEW


def test_enrollment_add_page_ignores_the_enrollment_window(staff_client, school):
    closed = make_cohort(
        school.course,
        "EMT-2026-FALL-DAY",
        enrollment_opens_at=timezone.now() - datetime.timedelta(days=20),
        enrollment_closes_at=timezone.now() - datetime.timedelta(days=10),
    )
    response = staff_client.post(admin_url(Enrollment, "add"), {"student": school.student.pk, "cohort": closed.pk})
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=school.student, cohort=closed).exists()


def refusal_code(response) -> str:
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert len(errors) == 1
    return errors[0].code


def test_enrollment_add_page_shows_too_young_as_form_error(staff_client, school):
    teenager = make_student("teen@example.com", born=timezone.localdate() - datetime.timedelta(days=16 * 366))
    response = staff_client.post(admin_url(Enrollment, "add"), {"student": teenager.pk, "cohort": school.cohort.pk})

    assert response.status_code == 200
    assert refusal_code(response) == "too_young"
    assert "is open to people aged 18 or older" in response.text
    assert not Enrollment.objects.filter(student=teenager).exists()


def test_enrollment_add_page_shows_already_enrolled_as_form_error(staff_client, school):
    response = staff_client.post(
        admin_url(Enrollment, "add"), {"student": school.student.pk, "cohort": school.cohort.pk}
    )

    assert response.status_code == 200
    assert refusal_code(response) == "already_enrolled"
    assert "already has a place in EMT-2026-FALL-EVE" in response.text
    assert Enrollment.objects.filter(student=school.student).count() == 1


def test_enrollment_add_page_shows_missing_requirement_as_form_error(staff_client, school):
    student = make_student("no.card@example.com")
    response = staff_client.post(admin_url(Enrollment, "add"), {"student": student.pk, "cohort": school.cohort.pk})

    assert response.status_code == 200
    assert refusal_code(response) == "missing_requirement"
    assert not Enrollment.objects.filter(student=student).exists()


def test_enrollment_add_page_requires_student_and_cohort(staff_client, school):
    response = staff_client.post(admin_url(Enrollment, "add"), {"student": school.student.pk})
    assert response.status_code == 200
    assert "cohort" in response.context["adminform"].form.errors


def test_attendance_edited_in_the_admin_goes_through_the_service(staff_client, school, superuser):
    attendance = school.attendance
    # The fixture's session has not started yet: the admin refuses, as the portal does.
    data = {"enrollment": school.enrollment.pk, "session": school.session.pk, "status": "late", "minutes": 200}
    refused = staff_client.post(admin_url(Attendance, "change", attendance.pk), data)
    assert refused.status_code == 200
    assert "has not started yet" in refused.text

    # Once it has started and the student is seated, the change is recorded and audited.
    ClassSession.objects.filter(pk=school.session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=5), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    services.approve(enrollment=school.enrollment, actor=superuser)
    response = staff_client.post(admin_url(Attendance, "change", attendance.pk), data)
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert (attendance.status, attendance.minutes, attendance.recorded_by) == ("late", 200, superuser)
    event = AuditEvent.objects.filter(action="attendance.recorded").get()
    assert (event.actor, event.data["new_status"], event.data["new_minutes"]) == (superuser, "late", 200)


def fill_cohorts(course: Course, first: int, last: int) -> None:
    """Cohorts of capacity 1 with one seat taken and one person waiting, each signed up through the service."""
    for n in range(first, last):
        cohort = make_cohort(course, f"EMR-{n:03d}", capacity=1)
        for who in ("a", "b"):
            student = make_student(f"{who}{n}@example.com")
            services.request_seat(cohort=cohort, student=details_of(student))


def test_cohort_changelist_query_count_does_not_grow_with_cohorts(staff_client, superuser):
    course = make_course(slug="emr", title="EMR", level=Level.EMR)
    url = admin_url(Cohort, "changelist")

    fill_cohorts(course, 0, 3)
    staff_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 3

    fill_cohorts(course, 3, 30)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 30

    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    cohorts = response.context["cl"].result_list
    assert {(c.seats_taken, c.waitlisted) for c in cohorts} == {(1, 1)}
    assert '<td class="field-seats_taken">1</td>' in response.text


@pytest.mark.parametrize(
    ("term", "found"),
    [("dana", True), ("REYES@example", True), ("fall-eve", True), ("dana fall", True), ("zed", False)],
)
def test_enrollment_search_matches_student_or_cohort(staff_client, school, term, found):
    response = staff_client.get(admin_url(Enrollment, "changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == ([school.enrollment] if found else [])
