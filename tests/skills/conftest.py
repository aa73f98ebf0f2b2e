"""A skills lab: an EMT cohort (the EMT sheets come from the data migration) with three seated students, its
instructor, an instructor of another cohort and a staff member."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from enrollment import services as enrollment_services
from enrollment.models import Enrollment
from skills.models import Skill
from tests.factories import make_cohort, make_course, make_groups, make_skill_sheets, student_details


@pytest.fixture(autouse=True)
def skill_sheets(db):
    """The data migrations' sheets and groups, whatever ran before: a transactional test elsewhere in the run flushes
    them."""
    make_skill_sheets()
    make_groups()


@dataclass
class Lab:
    cohort: object
    other_cohort: object
    students: list[Enrollment]
    instructor: object
    other_instructor: object
    staff: object

    @property
    def bvm(self) -> Skill:
        return Skill.objects.get(code="EMT-BVM")

    @property
    def oxygen(self) -> Skill:
        return Skill.objects.get(code="EMT-O2-NRB")


@pytest.fixture
def lab(db) -> Lab:
    users = get_user_model().objects
    course = make_course()
    cohort = make_cohort(course=course, code="EMT-LAB", capacity=20)
    other = make_cohort(course=course, code="EMT-OTHER", capacity=20)
    instructor = users.create_user("teacher", password="pw-for-tests-123", first_name="Terry", last_name="Teach")
    other_instructor = users.create_user("elsewhere", password="pw-for-tests-123")
    staff = users.create_user("office", password="pw-for-tests-123", is_staff=True)
    cohort.instructors.add(instructor)
    other.instructors.add(other_instructor)
    students = [
        enrollment_services.request_seat(
            cohort=cohort, student=student_details(last_name=name, first_name="Sam"), confirmed=True
        )
        for name in ("Avila", "Brooks", "Chen")
    ]
    return Lab(cohort, other, students, instructor, other_instructor, staff)
