"""Staff deletions are audited or impossible: attendance is corrected, never deleted, and a class session that has
attendance cannot be removed."""

import datetime

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession
from enrollment import services
from enrollment.models import Attendance
from enrollment.services import AttendanceEntry
from tests.factories import make_cohort, make_session, student_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def attended(staff_user):
    cohort = make_cohort()
    enrollment = services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
    session = make_session(cohort, days_from_now=-1)
    services.record_attendance(
        session=session, entries=[AttendanceEntry(enrollment=enrollment, status="present", minutes=60)], actor=None
    )
    return session


def test_a_session_with_attendance_cannot_be_deleted(attended):
    with pytest.raises(ProtectedError):
        attended.delete()
    assert Attendance.objects.filter(session=attended).exists()


def test_the_admin_refuses_to_delete_it_and_says_why(client, staff_user, attended):
    client.force_login(staff_user)
    url = reverse("admin:courses_classsession_delete", args=[attended.pk])
    page = client.get(url, follow=True)
    assert "has attendance on record, so it cannot be removed" in page.text
    assert "correct the attendance" in page.text
    client.post(url, {"post": "yes"})
    assert ClassSession.objects.filter(pk=attended.pk).exists()


def test_the_cohort_page_has_no_session_forms_to_delete_it_through(client, superuser, attended):
    client.force_login(superuser)
    page = client.get(reverse("admin:courses_cohort_change", args=[attended.cohort.pk]))
    assert not [f for f in page.context["inline_admin_formsets"] if f.opts.model is ClassSession]
    assert "sessions-TOTAL_FORMS" not in page.text


def test_the_session_page_offers_no_delete_link_once_it_has_attendance(client, superuser, attended):
    client.force_login(superuser)
    page = client.get(reverse("admin:courses_classsession_change", args=[attended.pk]))
    assert reverse("admin:courses_classsession_delete", args=[attended.pk]) not in page.text
    assert page.context["has_delete_permission"] is False


def test_a_session_without_attendance_can_still_be_removed(staff_user):
    session = make_session(make_cohort(), days_from_now=3)
    session.delete()
    assert not ClassSession.objects.filter(pk=session.pk).exists()


def test_attendance_rows_cannot_be_deleted_in_the_admin(client, superuser, attended):
    client.force_login(superuser)
    row = Attendance.objects.get(session=attended)
    assert client.post(reverse("admin:enrollment_attendance_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert Attendance.objects.filter(pk=row.pk).exists()
    assert timezone.now() - datetime.timedelta(days=2) < row.recorded_at
