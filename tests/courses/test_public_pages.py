import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CourseDate
from enrollment import services
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_session,
    student_details,
)

pytestmark = pytest.mark.django_db


def build_school():
    cpr = make_credential_type()
    courses = []
    for i in range(3):
        course = make_course(slug=f"course-{i}")
        make_requirement(course, cpr, valid_through=CourseDate.END)
        courses.append(course)
    return courses


def add_cohorts(courses, n: int):
    cpr = make_credential_type()
    made = []
    for i in range(n):
        cohort = make_cohort(course=courses[i % 3], capacity=2)
        make_session(cohort)
        make_session(cohort, days_from_now=2)
        for _ in range(i % 4):  # a mix of free, nearly full and waitlisted cohorts
            services.request_seat(cohort=cohort, student=student_details(), credentials=[credential_details(cpr)])
        made.append(cohort)
    return made


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["/", "/courses/", "course", "cohort", "signup"])
def test_public_pages_run_the_same_queries_with_3_and_60_cohorts(client, page):
    def url(course, cohort):
        return {
            "course": course.get_absolute_url(),
            "cohort": cohort.get_absolute_url(),
            "signup": f"/cohorts/{cohort.pk}/signup/",
        }.get(page, page)

    courses = build_school()
    first = add_cohorts(courses, 3)[0]
    small = count_queries(client, url(courses[0], first))
    add_cohorts(courses, 57)
    large = count_queries(client, url(courses[0], first))
    assert small == large
    assert large <= 6


def test_courses_page_lists_the_next_six_cohorts_of_each_course_and_links_to_the_rest(client):
    course = make_course(slug="emt")
    cohorts = [make_cohort(course=course, code=f"EMT-WAVE-{i:02d}") for i in range(8)]
    html = client.get("/courses/").content.decode()
    assert sum(cohort.code in html for cohort in cohorts) == 6
    assert "All upcoming Emergency Medical Technician (EMT) cohorts" in html  # the level's name, never its code
    detail = client.get("/courses/emt/").content.decode()
    assert all(cohort.code in detail for cohort in cohorts)


def test_the_course_pages_know_what_day_it_is_in_a_long_running_process(client):
    """A cohort that starts tomorrow is upcoming today and gone from the listings once it has started, without a
    restart (the listings' querysets are built per request, not when the module is imported)."""
    import datetime

    import time_machine
    from django.utils import timezone

    from tests.factories import make_cohort

    cohort = make_cohort(code="EMT-TOMORROW", starts_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "EMT-TOMORROW" in client.get("/courses/").content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert "EMT-TOMORROW" not in client.get("/courses/").content.decode()
        assert "EMT-TOMORROW" not in client.get(cohort.course.get_absolute_url()).content.decode()
