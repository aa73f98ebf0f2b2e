"""The demo school's running cohort has lab days and affective evaluations (one student needing remediation), and the
scale data set has attempts and evaluations for the seated students of cohorts that have begun."""

import pytest
from django.core.management import call_command

from courses.models import CohortStatus
from skills.models import AffectiveEvaluation, AffectiveRating, Attempt

pytestmark = pytest.mark.django_db


def test_the_demo_and_the_scale_data_have_skills_attempts_and_evaluations():
    call_command("seed_demo", verbosity=0)
    demo_attempts = Attempt.objects.count()
    assert demo_attempts > 0
    running = Attempt.objects.filter(enrollment__cohort__status=CohortStatus.RUNNING)
    finished = Attempt.objects.filter(enrollment__cohort__status=CohortStatus.COMPLETED)
    assert running.exists() and finished.exists()  # lab days of the running cohort; the finished one passed them all
    assert running.count() + finished.count() == demo_attempts
    assert not finished.filter(result="fail").exists()
    assert running.filter(result="fail").exclude(failed_criteria=[]).exists()
    assert AffectiveEvaluation.objects.filter(rating=AffectiveRating.NEEDS_REMEDIATION).count() == 1
    # The demo reset removes the demo's append-only rows with its enrollments, and builds them again.
    call_command("seed_demo", reset=True, verbosity=0)
    assert Attempt.objects.count() == demo_attempts
    demo_evaluations = AffectiveEvaluation.objects.count()
    call_command("seed_scale", students=1000, cohorts=60, attendance=2000, attempts=5000, verbosity=0)
    scale_attempts = Attempt.objects.count() - demo_attempts
    assert 0 < scale_attempts <= 5000
    assert AffectiveEvaluation.objects.count() > demo_evaluations
