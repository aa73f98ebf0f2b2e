"""The admin index: a link to the review queue with its count, and the school at a glance (upcoming cohorts, offers
about to expire, credentials that expire before their cohort ends) in the same number of queries however much there
is."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort
from enrollment.models import Credential, Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_course, make_credential, make_requirement, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")


def test_admin_index_links_to_the_review_queue_with_a_count(staff_client, reviewed_cohort, cpr, sign_up):
    sign_up(reviewed_cohort, cpr)
    sign_up(reviewed_cohort, cpr)

    response = staff_client.get(reverse("admin:index"))

    assert f'href="{REVIEW_QUEUE}"' in response.text
    assert 'aria-label="2 pending">2</strong>' in response.text


def glance_data(cpr, n: int) -> None:
    """`n` upcoming cohorts, each with a seated student whose required card expires before the cohort ends and an
    offer that expires within 24 h."""
    course = make_course()
    make_requirement(course, cpr)
    for _ in range(n):
        cohort = make_cohort(course, capacity=2)
        student = make_student()
        make_credential(student, cpr, expires_on=cohort.ends_on - datetime.timedelta(days=1))
        Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)
        Enrollment.objects.create(
            student=make_student(),
            cohort=cohort,
            status=S.OFFERED,
            offer_expires_at=timezone.now() + datetime.timedelta(hours=3),
        )


def test_index_shows_the_school_at_a_glance(staff_client, cpr):
    glance_data(cpr, 1)
    cohort = Cohort.objects.get()
    offer = Enrollment.objects.get(status=S.OFFERED)
    credential = Credential.objects.get()

    response = staff_client.get(reverse("admin:index"))

    text = response.text
    assert "School at a glance" in text
    assert "Upcoming cohorts" in text
    assert reverse("admin:courses_cohort_change", args=[cohort.pk]) in text
    assert 'class="fill-bar fill-100" role="img" aria-label="2 of 2 seats taken"' in text
    assert "Offers that expire within 24 h" in text
    assert reverse("admin:enrollment_enrollment_change", args=[offer.pk]) in text
    assert "Credentials that expire before their cohort ends" in text
    assert reverse("admin:enrollment_credential_change", args=[credential.pk]) in text


def test_index_runs_the_same_queries_however_much_there_is(staff_client, cpr):
    glance_data(cpr, 1)
    staff_client.get(reverse("admin:index"))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("admin:index"))
    glance_data(cpr, 15)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(reverse("admin:index"))
    assert response.text.count("aria-label=") > 10
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
