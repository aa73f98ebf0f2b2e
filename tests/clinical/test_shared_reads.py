"""The status page and the roster gather what several apps say about a student (readiness, clinicals, skills): each
reads what they share once. The cohort and course come with the enrollments, the course's clinical minimums are read
once per page although the clinicals section, the readiness checklist and the roster's line all ask for them, and
the roster's clinical and skills lines are written from its one readiness pass."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment import readiness as readiness_module
from skills.models import AffectiveRating
from skills.services import record_affective
from tests.factories import make_skill_sheets

pytestmark = pytest.mark.django_db


def tables_read(queries) -> list[str]:
    """The table each SELECT reads from (its FROM clause), one entry per query."""
    return [
        match.group(1)
        for q in queries
        if (match := re.search(r'\bFROM "(\w+)"', q["sql"])) and q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_the_status_page_reads_the_cohort_and_the_minimums_once(client, clinic, monkeypatch):
    make_skill_sheets()  # the checklist then has skills and the affective evaluation
    enrollment = clinic.student()
    instructor = get_user_model().objects.create_user("evaluator", password="pw-for-tests-123")
    clinic.cohort.instructors.add(instructor)
    record_affective(enrollment=enrollment, rating=AffectiveRating.MEETS, note="", evaluator=instructor)
    passes = []
    original = readiness_module.readiness_of

    def counting(enrollments):
        passes.append(1)
        return original(enrollments)

    monkeypatch.setattr(readiness_module, "readiness_of", counting)
    client.get(f"/my/{enrollment.token}/")  # the first visit may write a session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/my/{enrollment.token}/")
    assert response.status_code == 200
    assert "Clinical and field experience" in response.text  # the section that asks for the minimums
    assert "Hours in a hospital emergency department" in response.text  # and the checklist that does too
    read = tables_read(queries.captured_queries)
    assert read.count("clinical_clinicalminimum") == 1, read
    assert "courses_cohort" not in read and "courses_course" not in read, read  # they came with the enrollment
    # A student's page reads no staff account (the affective evaluation's evaluator is for the instructors' page).
    assert "Affective evaluation: meets expectations." in response.text
    assert not [q["sql"] for q in queries.captured_queries if '"auth_user"' in q["sql"]]
    assert len(passes) == 2  # one readiness pass per page (this function is called twice: two requests)


def test_the_roster_reads_what_the_apps_share_once(client, clinic):
    make_skill_sheets()  # the data migration's sheets (a transactional test run earlier flushes them)
    students = [clinic.student() for _ in range(3)]
    instructor = get_user_model().objects.create_user("teacher", password="pw-for-tests-123")
    clinic.cohort.instructors.add(instructor)
    client.force_login(instructor)
    record_affective(
        enrollment=students[1], rating=AffectiveRating.NEEDS_REMEDIATION, note="Late twice", evaluator=instructor
    )
    url = f"/instructor/cohorts/{clinic.cohort.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert students[0].student.last_name in response.text
    read = tables_read(queries.captured_queries)
    assert read.count("clinical_clinicalminimum") == 1, read
    # The cohort is read once to check who may see it (with its course); the readiness providers reuse it.
    assert read.count("courses_cohort") <= 2 and "courses_course" not in read, read
    # The clinical and skills lines are written from the readiness pass, which read the signed shifts, the skills
    # and the passes once for every student.
    assert read.count("clinical_booking") == 1, read
    assert read.count("skills_skill") == 1 and read.count("skills_attempt") == 1, read
    # The affective evaluations once too: the remediation flag comes from the checklist's "affective" item.
    assert read.count("skills_affectiveevaluation") == 1, read
    page = response.content.decode()
    assert page.count("Affective: needs remediation") == 2  # the one student's card and table row
    assert page.count("Clinicals: ED h 0 of 24 · ambulance h 0 of 24 · contacts 0 of 10") == 2 * len(students)
    assert "Skills: 0 of " in page
