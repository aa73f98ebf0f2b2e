"""The demo school loaded by `manage.py seed_demo`: idempotent, consistent with the rules, and resettable."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus, Course, CredentialType, Requirement
from demo.management.commands.seed_demo import EVENINGS, lay_out_sessions
from enrollment import services
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Credential,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
    Student,
    with_seat_counts,
)
from enrollment.services import StudentDetails

S = EnrollmentStatus
MODELS = [Course, CredentialType, Requirement, Cohort, ClassSession, Student, Credential, Enrollment, Attendance]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    result = {model.__name__: model.objects.count() for model in MODELS}
    result["AuditEvent"] = AuditEvent.objects.count()
    result["User"] = get_user_model().objects.count()
    result["Group"] = Group.objects.count()
    return result


@pytest.fixture
def seeded() -> str:
    return seed()


@pytest.mark.django_db
def test_seed_demo_twice_duplicates_nothing(seeded):
    before = counts()
    seed()
    assert counts() == before


@pytest.mark.django_db
def test_seed_demo_builds_four_courses_six_cohorts_forty_students(seeded):
    assert sorted(Course.objects.values_list("slug", flat=True)) == ["aemt", "emr", "emt", "paramedic"]
    assert Cohort.objects.count() >= 6
    assert Student.objects.count() >= 40
    assert set(CredentialType.objects.values_list("code", flat=True)) == {
        "EMR",
        "EMT",
        "AEMT",
        "PARAMEDIC",
        "CPR_BLS",
        "TB_TEST",
        "FLU_SHOT",
        "BACKGROUND_CHECK",
        "DRUG_SCREEN",
    }


@pytest.mark.django_db
def test_seeded_requirements_match_the_school_rules(seeded):
    rules = {
        (r.course.slug, r.credential_type.code): (r.valid_through, r.needs_verification)
        for r in Requirement.objects.for_signup().select_related("course", "credential_type")
    }
    assert rules == {
        ("emt", "CPR_BLS"): ("end", False),
        ("aemt", "EMT"): ("start", True),
        ("aemt", "CPR_BLS"): ("end", False),
        ("paramedic", "EMT"): ("start", True),
        ("paramedic", "CPR_BLS"): ("end", False),
    }
    assert Course.objects.get(slug="emt").min_age == 18
    assert CredentialType.objects.get(code="EMT").granted_by.slug == "emt"


@pytest.mark.django_db
def test_seeded_sessions_add_up_to_course_hours_within_cohort_dates(seeded):
    for cohort in Cohort.objects.with_scheduled_hours().select_related("course"):
        hours = Decimal(cohort.scheduled_duration.total_seconds()) / 3600
        assert hours == cohort.course.nominal_hours, cohort.code
        sessions = list(cohort.sessions.order_by("starts_at"))
        assert timezone.localtime(sessions[0].starts_at).date() == cohort.starts_on, cohort.code
        assert timezone.localtime(sessions[-1].starts_at).date() == cohort.ends_on, cohort.code
        assert sessions[-1].kind == "exam"


def test_evening_sessions_stay_at_six_pm_chicago_across_the_clocks_change():
    # November 1, 2026: daylight saving time ends in Chicago.
    slots = lay_out_sessions(hours=Decimal(40), starts_on=datetime.date(2026, 10, 20), timetable=EVENINGS)
    assert len(slots) == 10
    assert {timezone.localtime(begins).hour for begins, _ in slots} == {18}
    assert {(ends - begins).total_seconds() for begins, ends in slots} == {4 * 3600}
    assert {begins.utcoffset() for begins, _ in slots} == {datetime.timedelta(hours=-5), datetime.timedelta(hours=-6)}


@pytest.mark.django_db
def test_seeded_open_cohorts_take_signups_and_close_before_they_start(seeded):
    open_cohorts = list(Cohort.objects.filter(status=CohortStatus.OPEN))
    assert len(open_cohorts) >= 5
    for cohort in open_cohorts:
        assert cohort.is_taking_signups(), cohort.code
        assert timezone.localtime(cohort.enrollment_closes_at).date() < cohort.starts_on
        assert cohort.starts_on > timezone.localdate()
        assert cohort.instructors.exists()
    assert max(c.starts_on for c in open_cohorts) <= timezone.localdate() + datetime.timedelta(days=190)


@pytest.mark.django_db
def test_seeded_cohorts_never_exceed_capacity(seeded):
    for cohort in Cohort.objects.all():
        assert Enrollment.objects.seat_holding().filter(cohort=cohort).count() <= cohort.capacity, cohort.code


@pytest.mark.django_db
def test_seed_demo_has_full_cohort_with_waitlist(seeded):
    full = [c for c in with_seat_counts(Cohort.objects.all()) if c.seats_taken == c.capacity and c.waitlisted]
    assert full
    assert 3 <= full[0].waitlisted <= 5


@pytest.mark.django_db
def test_seed_demo_has_nearly_full_cohort(seeded):
    assert any(1 <= c.seats_left <= 2 for c in with_seat_counts(Cohort.objects.filter(status=CohortStatus.OPEN)))


@pytest.mark.django_db
def test_seed_demo_has_pending_review_with_unverified_emt_license(seeded):
    pending = Enrollment.objects.filter(status=S.PENDING_REVIEW).select_related("cohort__course", "student")
    assert pending
    for enrollment in pending:
        assert enrollment.cohort.course.slug in {"aemt", "paramedic"}
        license = enrollment.student.credentials.get(credential_type__code="EMT")
        assert license.status == CredentialStatus.UNVERIFIED
        assert license.is_valid_on(enrollment.cohort.starts_on)


@pytest.mark.django_db
def test_seed_demo_has_running_cohort_with_attendance_for_past_sessions(seeded):
    cohort = Cohort.objects.get(status=CohortStatus.RUNNING)
    today = timezone.localdate()
    assert cohort.starts_on < today < cohort.ends_on
    attendance = Attendance.objects.filter(session__cohort=cohort)
    assert attendance.exists()
    assert not attendance.filter(session__ends_at__gt=timezone.now()).exists()
    assert set(attendance.values_list("status", flat=True)) == set(AttendanceStatus)
    for row in attendance.select_related("session"):
        assert 0 <= row.minutes <= row.session.minutes
        assert (row.minutes > 0) == (row.status in {AttendanceStatus.PRESENT, AttendanceStatus.LATE})
    assert cohort.instructors.filter(username="instructor1").exists()


@pytest.mark.django_db
def test_seeded_enrollments_all_have_an_audit_trail(seeded):
    assert not Enrollment.objects.annotate(n=Count("audit_events")).filter(n=0).exists()
    statuses = set(Enrollment.objects.values_list("status", flat=True))
    assert {S.ENROLLED, S.PENDING_REVIEW, S.WAITLISTED, S.OFFERED, S.WITHDRAWN, S.REJECTED} <= statuses


@pytest.mark.django_db
def test_demo_users_authenticate_with_demo_password(seeded, rf):
    # django-axes watches every authenticate() call and needs the request (client address) to do so.
    login = rf.post("/accounts/login/")
    for username in ["admin", "staff", "instructor1", "instructor2"]:
        assert authenticate(login, username=username, password="elite-demo-2026") is not None, username
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    staff = User.objects.get(username="staff")
    assert staff.is_staff and staff.groups.filter(name="Staff").exists()
    assert staff.has_perm("enrollment.change_enrollment")
    assert staff.has_perm("enrollment.view_auditevent")
    assert not staff.has_perm("enrollment.delete_auditevent")
    for username in ["instructor1", "instructor2"]:
        instructor = User.objects.get(username=username)
        assert not instructor.is_staff
        assert instructor.groups.filter(name="Instructors").exists()
        assert instructor.taught_cohorts.exists()


@pytest.mark.django_db
def test_seed_demo_again_resets_demo_passwords_from_environment(seeded, monkeypatch, rf):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass-42")
    output = seed()
    login = rf.post("/accounts/login/")
    assert authenticate(login, username="instructor1", password="another-demo-pass-42") is not None
    assert authenticate(login, username="instructor1", password="elite-demo-2026") is None
    assert get_user_model().objects.filter(username="instructor1").count() == 1
    assert "another-demo-pass-42" in output


@pytest.mark.django_db
def test_seed_demo_prints_summary_and_logins(seeded):
    assert "Courses: 4" in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded
    for username in ["admin", "staff", "instructor1", "instructor2"]:
        assert username in seeded


@pytest.mark.django_db
def test_reset_rebuilds_the_demo_without_duplicates(seeded):
    before = counts()
    old_cohorts = set(Cohort.objects.values_list("pk", flat=True))
    output = seed("--reset")
    assert counts() == before
    assert not old_cohorts & set(Cohort.objects.values_list("pk", flat=True))
    assert "built" in output


@pytest.mark.django_db
def test_reset_refuses_when_a_real_student_is_enrolled(seeded):
    cohort = Cohort.objects.filter(course__slug="emr", status=CohortStatus.OPEN).order_by("-starts_on").first()
    services.request_seat(
        cohort=cohort,
        student=StudentDetails(
            first_name="Real",
            last_name="Person",
            email="real.person@gmail.com",
            date_of_birth=datetime.date(1990, 5, 1),
        ),
    )
    before = counts()
    with pytest.raises(CommandError, match="does not look like a demo database"):
        seed("--reset")
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_seed_demo_emails_nobody():
    seed()
    assert Enrollment.objects.exists()
    assert mail.outbox == []


def test_the_demo_has_a_finished_cohort_completed_through_the_services(seeded_for_completion):
    from enrollment.models import AuditEvent, Certificate, EnrollmentStatus

    finished = Cohort.objects.get(status=CohortStatus.COMPLETED, course__slug="emr")
    statuses = dict(finished.enrollments.values_list("status").annotate(n=Count("pk")))
    assert statuses[EnrollmentStatus.COMPLETED] >= 4
    assert statuses[EnrollmentStatus.DID_NOT_COMPLETE] == 1
    assert statuses[EnrollmentStatus.WITHDRAWN] == 1
    certificates = Certificate.objects.filter(enrollment__cohort=finished)
    assert certificates.count() == statuses[EnrollmentStatus.COMPLETED]
    assert certificates.filter(exam_registered_on__isnull=False).count() == 1
    assert AuditEvent.objects.filter(action="certificate.issued", enrollment__cohort=finished).count() == (
        certificates.count()
    )
    assert finished.ends_on < timezone.localdate()


@pytest.fixture
def seeded_for_completion(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db
def test_the_demo_has_a_payment_plan_with_one_student_behind_and_a_deposit_owed(seeded):
    from payments.models import Deposit, Instalment
    from payments.services import payment_status_of

    on_plan = sorted(set(Instalment.objects.values_list("enrollment_id", flat=True)))
    assert len(on_plan) >= 2
    behind = [pk for pk, status in payment_status_of(on_plan).items() if status.overdue]
    assert len(behind) == 1
    [deposit] = Deposit.objects.all()
    assert not payment_status_of([deposit.enrollment_id])[deposit.enrollment_id].deposit_paid
