"""The scale data set has a certificate for every completed enrollment, and Registry exam attempts for some."""

import pytest
from django.core.management import call_command

from enrollment.models import Certificate, Enrollment, EnrollmentStatus, ExamAttempt

pytestmark = pytest.mark.django_db


def test_seed_scale_gives_every_completed_enrollment_a_certificate():
    call_command("seed_demo", verbosity=0)
    call_command("seed_scale", students=1000, cohorts=60, attendance=2000, verbosity=0)
    completed = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED)
    assert completed.count() > 100
    assert not completed.filter(certificate__isnull=True).exists()
    assert Certificate.objects.count() == completed.count()
    assert len(set(Certificate.objects.values_list("code", flat=True))) == Certificate.objects.count()
    assert ExamAttempt.objects.filter(number=2, result="pass").exists()
