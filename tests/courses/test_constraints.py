"""The database's own checks on cohorts and class sessions."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import make_cohort, make_session


@pytest.mark.django_db
def test_capacity_cannot_be_negative():
    cohort = make_cohort()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(cohort).objects.filter(pk=cohort.pk).update(capacity=-1)


@pytest.mark.django_db
def test_session_must_end_after_it_starts():
    cohort = make_cohort()
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(cohort, starts_at=start, ends_at=start)


@pytest.mark.django_db
def test_cohort_cannot_end_before_it_starts():
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_cohort(starts_on=today, ends_on=today - datetime.timedelta(days=1))
