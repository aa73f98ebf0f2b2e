"""`__any_of`: the same rows as `__in` for a list of keys, one array parameter on PostgreSQL, no query for an empty
list (courses/lookups.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Cohort
from enrollment.models import Enrollment
from tests.factories import make_cohort, make_course, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohorts() -> list[Cohort]:
    course = make_course()
    return [make_cohort(course) for _ in range(4)]


def test_any_of_finds_the_same_rows_as_in_by_key_and_by_relation(cohorts):
    for cohort in cohorts:
        Enrollment.objects.create(student=make_student(), cohort=cohort)
    wanted = [cohorts[0].pk, cohorts[2].pk, cohorts[2].pk, 10**9]

    assert set(Cohort.objects.filter(pk__any_of=wanted)) == {cohorts[0], cohorts[2]}
    by_relation = Enrollment.objects.filter(cohort_id__any_of=wanted).order_by("pk")
    assert list(by_relation) == list(Enrollment.objects.filter(cohort_id__in=wanted).order_by("pk"))
    assert list(Enrollment.objects.filter(cohort__any_of=set(wanted)).order_by("pk")) == list(by_relation)
    # Excluded, too: everything else.
    assert set(Cohort.objects.exclude(pk__any_of=wanted)) == {cohorts[1], cohorts[3]}


def test_any_of_sends_a_long_list_as_one_parameter_on_postgresql(cohorts):
    # Beyond a 32-bit integer too, and below zero: the keys are the column's type (bigint), not the driver's guess.
    keys = [c.pk for c in cohorts] + list(range(10**6, 10**6 + 2000)) + [2**40, -7]
    with CaptureQueriesContext(connection) as queries:
        found = set(Cohort.objects.filter(pk__any_of=keys).values_list("pk", flat=True))
    assert found == {c.pk for c in cohorts}
    [query] = queries.captured_queries
    if connection.vendor == "postgresql":
        assert "= ANY(" in query["sql"] and " IN (" not in query["sql"]
        assert "::bigint[]" in query["sql"]
    else:
        assert " IN (" in query["sql"]


def test_an_empty_list_matches_nothing_without_a_query(cohorts):
    with CaptureQueriesContext(connection) as queries:
        assert list(Cohort.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0


def test_any_of_refuses_what_is_not_a_key(cohorts):
    with pytest.raises(ValueError):
        list(Cohort.objects.filter(pk__any_of=["1; drop table courses_cohort"]))
