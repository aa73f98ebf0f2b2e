"""Small typed builders for test data: make_course(**overrides) and friends."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus, Course, CourseDate, CredentialType, Level, Requirement
from enrollment.models import Credential, CredentialStatus, Student
from enrollment.services import CredentialDetails, StudentDetails

_seq = itertools.count(1)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` years earlier, or 28 February for a 29 February that year lacks.

    It is the latest date of birth of someone who is `years` old on `day`; a day later is the earliest of someone a
    year younger. (`day.replace(year=...)` raises on 29 February, which is how the suite used to fail on leap days.)
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def make_course(**overrides) -> Course:
    n = next(_seq)
    fields = {
        "level": Level.EMT,
        "slug": f"emt-{n}",
        "title": f"Emergency Medical Technician {n}",
        "summary": "Assessment, stabilisation and transport.",
        "description": "The EMT course.",
        "scope": "Assess, stabilise and transport patients.",
        "nominal_hours": Decimal("120"),
        "min_age": 18,
        "tuition": Decimal("1450.00"),
    }
    fields.update(overrides)
    # As the database gives them back: pages read the course object the test holds (hours_display needs a Decimal).
    for name in ("nominal_hours", "tuition"):
        fields[name] = Decimal(fields[name])
    return Course.objects.create(**fields)


def make_credential_type(code: str = "CPR_BLS", name: str = "CPR/BLS card", **overrides) -> CredentialType:
    ctype, _ = CredentialType.objects.get_or_create(code=code, defaults={"name": name, **overrides})
    return ctype


def make_requirement(course: Course, ctype: CredentialType, **overrides) -> Requirement:
    fields = {"valid_through": CourseDate.END, "needs_verification": False}
    fields.update(overrides)
    return Requirement.objects.create(course=course, credential_type=ctype, **fields)


def make_cohort(course: Course | None = None, **overrides) -> Cohort:
    n = next(_seq)
    today = timezone.localdate()
    fields = {
        "course": course or make_course(),
        "code": f"EMT-{n}",
        "starts_on": today + datetime.timedelta(days=30),
        "ends_on": today + datetime.timedelta(days=90),
        "schedule": "Tue/Thu 6-10 pm",
        "location": "Main campus, 1200 W Harrison St, Chicago",
        "capacity": 10,
        "status": CohortStatus.OPEN,
    }
    fields.update(overrides)
    return Cohort.objects.create(**fields)


def make_session(cohort: Cohort, *, days_from_now: int = 1, hours: int = 4, **overrides) -> ClassSession:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days_from_now)
    fields = {"starts_at": start, "ends_at": start + datetime.timedelta(hours=hours), "topic": "Patient assessment"}
    fields.update(overrides)
    return ClassSession.objects.create(cohort=cohort, **fields)


def student_details(**overrides) -> StudentDetails:
    n = next(_seq)
    fields = {
        "first_name": "Jordan",
        "last_name": f"Rivera{n}",
        "email": f"student{n}@example.com",
        "phone": "(312) 555-0100",
        "date_of_birth": datetime.date(1995, 5, 17),
    }
    fields.update(overrides)
    return StudentDetails(**fields)


def credential_details(
    ctype: CredentialType, *, expires_on: datetime.date | None = None, **overrides
) -> CredentialDetails:
    fields = {
        "credential_type": ctype,
        "number": "BLS-123456",
        "expires_on": expires_on or timezone.localdate() + datetime.timedelta(days=700),
    }
    fields.update(overrides)
    return CredentialDetails(**fields)


def make_student(**overrides) -> Student:
    details = student_details()
    fields = {
        "first_name": details.first_name,
        "last_name": details.last_name,
        "email": details.email,
        "phone": details.phone,
        "date_of_birth": details.date_of_birth,
    }
    fields.update(overrides)
    return Student.objects.create(**fields)


def make_credential(student: Student, ctype: CredentialType, **overrides) -> Credential:
    fields = {
        "number": "LIC-1",
        "expires_on": timezone.localdate() + datetime.timedelta(days=700),
        "status": CredentialStatus.UNVERIFIED,
    }
    fields.update(overrides)
    return Credential.objects.create(student=student, credential_type=ctype, **fields)


def details_of(student: Student) -> StudentDetails:
    """What `student` would type into the signup form: the service then finds them by e-mail."""
    return StudentDetails(
        first_name=student.first_name,
        last_name=student.last_name,
        email=student.email,
        date_of_birth=student.date_of_birth,
        phone=student.phone,
    )


# The data migrations that make the Staff and Instructors groups and grant their permissions, in order.
GROUP_MIGRATIONS = (
    ("enrollment", "0002_staff_and_instructor_groups", "create_groups"),
    ("enrollment", "0006_outbox_on_the_job_runner", "staff_see_the_outbox"),
    ("enrollment", "0012_staff_make_instructors_and_unlock_logins", "staff_make_instructors_and_unlock_logins"),
    ("courses", "0005_school_profile_row", "staff_edit_the_profile"),
    ("clinical", "0002_staff_permissions", "staff_run_clinicals"),
    ("enrollment", "0016_staff_certificates_and_exam_attempts", "staff_keep_certificates"),
    ("payments", "0002_staff_permissions", "staff_run_payments"),
    ("payments", "0004_staff_run_plans_and_deposits", "staff_run_plans"),
    ("payments", "0007_staff_see_online_payments", "staff_see_online_payments"),
    ("payments", "0009_default_refund_policy", "staff_settle_refunds"),
    ("skills", "0002_staff_permissions", "staff_keep_skills"),
)


def make_groups() -> None:
    """The Staff and Instructors groups with their permissions, as the data migrations make them.

    A transactional test flushes the database, and the migrations' rows with it, so each migration's function is run
    again (they are idempotent) against the migration state it was written for.
    """
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    loader = MigrationExecutor(connection).loader
    for app, name, function in GROUP_MIGRATIONS:
        module = importlib.import_module(f"{app}.migrations.{name}")
        state_apps = loader.project_state((app, name)).apps
        getattr(module, function)(state_apps, SimpleNamespace(connection=connection))


def make_skill_sheets() -> None:
    """The skill sheets the skills app's data migration loads (EMR, EMT, Paramedic), loaded again: a transactional
    test flushes them, and a later test in the same run would otherwise find none. Idempotent."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    name = "0003_load_skill_sheets"
    module = importlib.import_module(f"skills.migrations.{name}")
    state_apps = MigrationExecutor(connection).loader.project_state(("skills", name)).apps
    module.load_sheets(state_apps, SimpleNamespace(connection=connection))


def make_refund_policy() -> None:
    """The school's default refund policy, as its data migration loads it (a transactional test flushes it).
    Idempotent."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from payments.models import RefundPolicy

    if RefundPolicy.objects.filter(course__isnull=True).exists():
        return
    name = "0009_default_refund_policy"
    module = importlib.import_module(f"payments.migrations.{name}")
    state_apps = MigrationExecutor(connection).loader.project_state(("payments", name)).apps
    module.load_default_policy(state_apps, SimpleNamespace(connection=connection))


def attend_in_full(enrollment) -> None:
    """Give `enrollment` every classroom hour its course asks (one past session of the course's length, attended in
    full), so the readiness checklist's hours item is met."""
    from enrollment.models import Attendance, AttendanceStatus

    course = enrollment.cohort.course
    minutes = int(course.nominal_hours * 60)
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=minutes + 60)
    session = ClassSession.objects.create(
        cohort=enrollment.cohort,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        topic="Everything, at once",
    )
    Attendance.objects.create(enrollment=enrollment, session=session, status=AttendanceStatus.PRESENT, minutes=minutes)


def make_skills_ready(enrollment, evaluator=None) -> None:
    """Every active skill of the course's level passed as often as it asks, and a "meets" affective evaluation:
    the skills app's readiness items all met (for tests of completion that need a ready student)."""
    from django.contrib.auth import get_user_model

    from skills import services as skills
    from skills.models import Skill

    if evaluator is None:
        evaluator, _ = get_user_model().objects.get_or_create(username="skills-evaluator", defaults={"is_staff": True})
    sheets = list(Skill.objects.active().of_level(enrollment.cohort.course.level))
    if not sheets:
        return
    for round_ in range(max(sheet.attempts_required for sheet in sheets)):
        entries = [
            skills.AttemptEntry(enrollment, sheet, "pass") for sheet in sheets if round_ < sheet.attempts_required
        ]
        skills.record_lab_day(cohort=enrollment.cohort, entries=entries, evaluator=evaluator)
    skills.record_affective(enrollment=enrollment, rating="meets", note="", evaluator=evaluator)
