"""Fixtures shared by the tests of every app; an app's own fixtures live in tests/<app>/conftest.py."""

import datetime
import itertools
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

# Playwright runs an event loop in the test thread; Django refuses ORM calls there unless told it is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- running the whole suite on another day ---------------------------------------------------------------------
#
# ELITE_TEST_TODAY=2028-02-29 runs every test as if it were noon that day in Chicago (a full ISO time such as
# 2027-12-31T23:30 or 2027-03-14T01:30-06:00 picks the moment; without an offset it is Chicago time). The clock keeps
# ticking from there (tick=True), so durations and expiry still pass as they do in real life.
#
# The travel starts in pytest_configure rather than in a session fixture, so that collection (parametrize values)
# and modules first imported while tests run see the same day as the tests do. Browser tests travel too: the server
# and the test see the travelled clock while Chromium keeps the real one, which is fine since the pages do no date
# arithmetic in the browser and Django's cookies carry a Max-Age, which Chromium counts from its own clock.

TRAVEL_TIME_ZONE = "America/Chicago"
_traveller = None


def travel_destination(value: str) -> datetime.datetime:
    """The moment ELITE_TEST_TODAY names: a date (noon that day) or a date and time, in Chicago unless it says."""
    import zoneinfo

    moment = datetime.datetime.fromisoformat(value if len(value) > 10 else f"{value}T12:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=zoneinfo.ZoneInfo(TRAVEL_TIME_ZONE))


def pytest_configure(config):
    global _traveller
    if value := os.environ.get("ELITE_TEST_TODAY"):
        import time_machine

        _traveller = time_machine.travel(travel_destination(value), tick=True)
        _traveller.start()


def pytest_unconfigure(config):
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config):
    if value := os.environ.get("ELITE_TEST_TODAY"):
        return f"ELITE_TEST_TODAY: the suite runs as if it were {travel_destination(value).isoformat()}"
    return None


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence goes to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters live in the (database) cache; each database test starts with none."""
    from courses.models import SchoolProfile

    # The school profile is kept in the process's memory (SchoolProfile.current). Each test starts with the
    # defaults there, as a running site has the profile in memory after its first page: a rolled-back edit must not
    # outlive its test, and query counts measure a page, not the first read of the profile since start-up.
    # It is the row the migration writes (saved, not being added: the back office offers no second one).
    profile = SchoolProfile(pk=1)
    profile._state.adding = False
    SchoolProfile.remember(profile)
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def groups_from_migration(db):
    """The Staff and Instructors groups, as the data migrations make them (tests.factories.make_groups)."""
    from tests.factories import make_groups

    make_groups()


@pytest.fixture
def staff_user(django_user_model, groups_from_migration):
    """A back-office user in the Staff group (not a superuser)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("renee", "renee@elite-ems.example", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    return user


# --- the back office: who is logged in ------------------------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model):
    """A superuser: every page of the back office, the user and group admin included."""
    return django_user_model.objects.create_superuser("head", "head@elite-ems.example", "pw")


def _logged_in(client, user):
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def superuser_client(client, superuser):
    """A client logged in as the superuser; `.user` is who is logged in."""
    return _logged_in(client, superuser)


@pytest.fixture
def staff_client(client, staff_user):
    """A client logged in as a member of the Staff group (not a superuser); `.user` is who is logged in."""
    return _logged_in(client, staff_user)


@pytest.fixture(params=["staff", "superuser"])
def back_office(request, client, staff_user, superuser):
    """A logged-in client, once as a Staff-group member and once as a superuser; `.user` is who is logged in."""
    return _logged_in(client, staff_user if request.param == "staff" else superuser)


@pytest.fixture
def admin_url():
    """admin_url(Model, "changelist" | "add" | "change" | ..., *args): the URL of one of the model's admin pages."""
    from django.urls import reverse

    def admin_url(model: type, view: str, *args: object) -> str:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)

    return admin_url


@pytest.fixture
def messages_of():
    """messages_of(response): the texts of the messages the response's request left for the next page."""
    from django.contrib.messages import get_messages

    def messages_of(response) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]

    return messages_of


@pytest.fixture
def status_of():
    """status_of(enrollment): its status as the database has it now."""

    def status_of(enrollment) -> str:
        enrollment.refresh_from_db()
        return enrollment.status

    return status_of


# --- the school ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sign_up():
    """sign_up(cohort, cpr=None, **student): a signup through the service, with a card of type `cpr` when given."""
    from enrollment import services
    from tests.factories import credential_details, student_details

    def sign_up(cohort, cpr=None, **student):
        credentials = [credential_details(cpr)] if cpr is not None else []
        return services.request_seat(cohort=cohort, student=student_details(**student), credentials=credentials)

    return sign_up


@dataclass
class School:
    """One of everything the back office shows, each object reachable by its model."""

    course: object
    cpr: object
    requirement: object
    cohort: object
    session: object
    student: object
    credential: object
    enrollment: object
    attendance: object
    audit_event: object

    def object_of(self, model: type) -> object:
        return next(value for value in vars(self).values() if type(value) is model)


@pytest.fixture
def school(superuser) -> School:
    """An EMT cohort (its CPR card needs verifying, two sessions) with Dana Reyes signed up for it through the service,
    pending review, and one attendance record; the superuser teaches it."""
    from courses.models import ClassSession, CredentialType, Requirement
    from enrollment import services
    from enrollment.models import Attendance, AttendanceStatus, Credential
    from tests.factories import details_of, make_cohort, make_course, make_student

    course = make_course(
        slug="emt-basic",
        title="EMT Basic",
        summary="Become an EMT.",
        scope="Basic life support.",
        nominal_hours=Decimal("180.0"),
    )
    cpr = CredentialType.objects.create(code="CPR_BLS", name="CPR/BLS card", validity_months=24)
    requirement = Requirement.objects.create(course=course, credential_type=cpr, needs_verification=True)
    starts_on = timezone.localdate() + datetime.timedelta(days=30)
    cohort = make_cohort(
        course,
        code="EMT-2026-FALL-EVE",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=90),
        location="Chicago, West Loop campus",
        capacity=20,
    )
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
    student = make_student(
        first_name="Dana",
        last_name="Reyes",
        email="dana.reyes@example.com",
        phone="312-555-0100",
        date_of_birth=datetime.date(1995, 4, 2),
    )
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


@pytest.fixture
def bulk_school():
    """bulk_school(cohorts, per_cohort=n): `cohorts` cohorts with `per_cohort` enrollments each, cycling enrolled,
    pending, offered and waitlisted; built with bulk_create, for tests where only the number of rows matters."""
    from courses.models import Cohort, CohortStatus
    from enrollment.models import Enrollment, EnrollmentStatus, Student
    from tests.factories import make_course

    S = EnrollmentStatus
    seq = itertools.count(1)

    def bulk_school(cohorts: int, *, per_cohort: int) -> None:
        course = make_course()
        today = timezone.localdate()
        made = Cohort.objects.bulk_create(
            Cohort(
                course=course,
                code=f"BULK-{next(seq):05d}",
                starts_on=today + datetime.timedelta(days=30 + i),
                ends_on=today + datetime.timedelta(days=120 + i),
                schedule="Tue/Thu 6-10 pm",
                location="Chicago",
                capacity=3,
                status=CohortStatus.OPEN,
            )
            for i in range(cohorts)
        )
        students = Student.objects.bulk_create(
            Student(
                first_name="Bulk",
                last_name=f"Student{n}",
                email=f"bulk{n}@example.com",
                date_of_birth=datetime.date(1990, 1, 1),
            )
            for n in (next(seq) for _ in range(cohorts * per_cohort))
        )
        statuses = [S.ENROLLED, S.PENDING_REVIEW, S.OFFERED, S.WAITLISTED]
        now = timezone.now()
        Enrollment.objects.bulk_create(
            Enrollment(
                student=students[i * per_cohort + j],
                cohort=cohort,
                status=statuses[j % 4],
                waitlisted_at=now if statuses[j % 4] == S.WAITLISTED else None,
                offer_expires_at=now + datetime.timedelta(hours=10) if statuses[j % 4] == S.OFFERED else None,
            )
            for i, cohort in enumerate(made)
            for j in range(per_cohort)
        )

    return bulk_school


@pytest.fixture
def race():
    """race(n, work): run work(i) in n threads released together behind a barrier, as a rush of visitors would;
    returns the unexpected errors. Each thread closes its own database connection."""
    import threading

    from django.db import connection

    def run_race(n: int, work) -> list[BaseException]:
        barrier = threading.Barrier(n)
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                work(i)
            except BaseException as error:  # collected and asserted on by the test
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return errors

    return run_race
