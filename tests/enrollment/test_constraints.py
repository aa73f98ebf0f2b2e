"""The database's own checks on students and enrollments."""

import pytest
from django.db import IntegrityError, transaction

from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_student

S = EnrollmentStatus


@pytest.mark.django_db
def test_one_live_enrollment_per_student_and_cohort():
    cohort, student = make_cohort(), make_student()
    Enrollment.objects.create(student=student, cohort=cohort, status=S.WITHDRAWN)
    Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)  # ended ones do not count
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=student, cohort=cohort, status=S.WAITLISTED)


@pytest.mark.django_db
def test_student_email_is_unique_whatever_its_case():
    make_student(email="Case@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_student(email="case@example.com")


@pytest.mark.django_db
def test_an_offer_needs_a_deadline():
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=make_student(), cohort=make_cohort(), status=S.OFFERED)
