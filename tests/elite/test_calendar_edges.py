"""The suite does not depend on today's date: on a leap day, late on New Year's Eve, the nights the clocks change, and
the day a default cohort would start on 29 February, the factories build a school and a person of a given age signs
up, through the public page and through the service.

Each test travels to its moment with time-machine; ELITE_TEST_TODAY (see tests/conftest.py) runs the whole suite on
a chosen day."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseDate
from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus
from enrollment.services import EnrollmentError
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_session,
    make_student,
    student_details,
    years_before,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
MOMENTS = {
    "leap-day": datetime.datetime(2028, 2, 29, 12, tzinfo=CHICAGO),
    "new-years-eve": datetime.datetime(2027, 12, 31, 23, 30, tzinfo=CHICAGO),
    "clocks-go-forward": datetime.datetime(2027, 3, 14, 1, 30, tzinfo=CHICAGO),  # 2 am CST becomes 3 am CDT
    "clocks-go-back": datetime.datetime(2027, 11, 7, 1, 30, tzinfo=CHICAGO),  # the first 1:30, CDT
    "cohort-starts-on-leap-day": datetime.datetime(2028, 1, 30, 12, tzinfo=CHICAGO),
}


@pytest.fixture(params=list(MOMENTS))
def moment(request):
    """The test runs at this moment, the clock ticking on from there."""
    with time_machine.travel(MOMENTS[request.param], tick=True):
        yield MOMENTS[request.param]


@pytest.fixture
def emt_cohort(moment):
    """An EMT cohort that needs a CPR card valid through its last day, with its first two class sessions."""
    course = make_course(title="Emergency Medical Technician")
    make_requirement(course, make_credential_type(), valid_through=CourseDate.END)
    cohort = make_cohort(course=course, capacity=2)
    make_session(cohort, days_from_now=30, topic="Scene size-up")
    make_session(cohort, days_from_now=32, topic="Airway management")
    return cohort


def test_the_factories_build_a_school_on_that_day(moment, emt_cohort):
    today = timezone.localdate()
    assert today == moment.date()
    assert (emt_cohort.starts_on, emt_cohort.ends_on) == (
        today + datetime.timedelta(days=30),
        today + datetime.timedelta(days=90),
    )
    first, second = emt_cohort.sessions.order_by("starts_at")
    assert timezone.is_aware(first.starts_at)
    assert first.ends_at - first.starts_at == datetime.timedelta(hours=4)
    assert second.starts_at - first.starts_at == datetime.timedelta(days=2)
    assert first.starts_at > timezone.now()

    born = years_before(emt_cohort.starts_on, 18)
    assert make_student(date_of_birth=born).age_on(emt_cohort.starts_on) == 18
    assert make_student(date_of_birth=born + datetime.timedelta(days=1)).age_on(emt_cohort.starts_on) == 17
    assert credential_details(make_credential_type()).expires_on > emt_cohort.ends_on


def test_someone_18_on_the_first_day_signs_up_on_the_public_page(
    client, emt_cohort, django_capture_on_commit_callbacks
):
    ctype = emt_cohort.course.requirements.get().credential_type
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "312-555-0142",
        "date_of_birth": years_before(emt_cohort.starts_on, 18).isoformat(),
        "privacy_consent": "on",
        f"cred_{ctype.pk}_number": "BLS-777",
        f"cred_{ctype.pk}_expires": emt_cohort.ends_on.isoformat(),
    }
    assert "Scene size-up" in client.get(emt_cohort.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrollment:signup", args=[emt_cohort.pk]), data)

    enrollment = Enrollment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment:signup_sent", args=[emt_cohort.pk])
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert "A seat is held for you." in client.get(response["Location"]).content.decode()
    assert "You are enrolled." in client.get(enrollment.get_absolute_url()).content.decode()


def test_someone_a_day_short_of_18_is_refused_by_the_service(emt_cohort):
    ctype = emt_cohort.course.requirements.get().credential_type
    born = years_before(emt_cohort.starts_on, 18) + datetime.timedelta(days=1)

    with pytest.raises(EnrollmentError) as error:
        services.request_seat(
            cohort=emt_cohort, student=student_details(date_of_birth=born), credentials=[credential_details(ctype)]
        )

    assert error.value.code == "too_young"
    assert not Enrollment.objects.exists()


def test_a_freed_seat_is_offered_for_the_cohorts_offer_hours_of_real_time(emt_cohort):
    ctype = emt_cohort.course.requirements.get().credential_type

    def sign_up():
        return services.request_seat(
            cohort=emt_cohort, student=student_details(), credentials=[credential_details(ctype)]
        )

    seated, _, waiting = sign_up(), sign_up(), sign_up()
    assert waiting.status == EnrollmentStatus.WAITLISTED

    services.withdraw(enrollment=seated)

    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.OFFERED
    hours = datetime.timedelta(hours=emt_cohort.offer_hours)
    assert hours - datetime.timedelta(minutes=1) < waiting.offer_expires_at - timezone.now() <= hours
