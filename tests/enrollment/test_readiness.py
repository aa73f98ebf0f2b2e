"""The readiness checklist: one function, the classroom hours from enrollment and every registered app's items."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Level
from enrollment import services
from enrollment.models import Enrollment
from enrollment.readiness import readiness, readiness_of
from enrollment.services import AttendanceEntry
from tests.factories import make_cohort, make_course, make_session, student_details

pytestmark = pytest.mark.django_db


# AEMT has no skill sheets (the skills app's data migration loads EMR, EMT and Paramedic ones), so the skills app adds
# no item to these courses' readiness; tests/skills covers its items.
NO_SKILLS = Level.AEMT


def seated(cohort):
    return services.request_seat(cohort=cohort, student=student_details(), confirmed=True)


def test_classroom_hours_are_met_at_the_attendance_threshold_of_the_course_hours():
    course = make_course(nominal_hours=Decimal(8), attendance_threshold=75, level=NO_SKILLS)
    cohort = make_cohort(course=course, capacity=5)
    first, second = make_session(cohort, days_from_now=-3, hours=4), make_session(cohort, days_from_now=-2, hours=4)
    enrolled = seated(cohort)
    services.record_attendance(session=first, entries=[AttendanceEntry(enrolled, "present", 240)], actor=None)
    [hours] = readiness(enrolled).items
    assert (hours.key, hours.met) == ("hours", False)
    assert "4 h attended; 6 h are required (8 h course)" in hours.sentence
    services.record_attendance(session=second, entries=[AttendanceEntry(enrolled, "late", 120)], actor=None)
    assert readiness(enrolled).ready


def test_readiness_of_a_whole_cohort_runs_the_same_queries_for_more_students():
    cohort = make_cohort(capacity=50)
    few = [seated(cohort) for _ in range(2)]
    many = few + [seated(cohort) for _ in range(10)]

    def count(enrollments) -> int:
        # Fresh from the database each time: readiness_of() loads their cohorts and courses itself.
        fresh = list(Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]))
        with CaptureQueriesContext(connection) as queries:
            readiness_of(fresh)
        return len(queries)

    assert count(many) == count(few)


def test_the_clinical_app_adds_its_minimums_and_clearance():
    from clinical.models import ClinicalMinimum, MinimumKind

    course = make_course(level=NO_SKILLS)
    ClinicalMinimum.objects.create(course=course, kind=MinimumKind.CONTACTS, amount=Decimal(10))
    enrolled = seated(make_cohort(course=course))
    keys = {item.key: item for item in readiness(enrolled).items}
    assert set(keys) == {"hours", "clinical:contacts"}
    assert keys["clinical:contacts"].sentence.startswith("Patient contacts: 0 of 10 signed so far.")
