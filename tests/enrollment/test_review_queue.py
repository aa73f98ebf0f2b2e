"""The review queue: enrollments pending review, oldest first, with the credentials to check, one approve button each;
its query count does not grow with its rows, and it needs the permission to change enrollments."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort
from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import make_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
ENROLLMENTS = reverse("admin:enrollment_enrollment_changelist")


REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")


def test_review_queue_lists_pending_oldest_first_with_credentials(staff_client, reviewed_cohort, cpr, sign_up):
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


def test_review_queue_query_count_does_not_grow_with_rows(staff_client, reviewed_cohort, cpr, sign_up):
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


def test_review_queue_approve_button_runs_the_approve_action(
    staff_client, reviewed_cohort, cpr, messages_of, sign_up, status_of
):
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
