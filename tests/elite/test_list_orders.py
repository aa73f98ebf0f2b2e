"""The back office's big lists are read a page at a time from an index in their order, never sorted whole: at
100,000 students, a list whose order no index serves sorts every row for each page (the certificates and the skills
attempts took about a second each, bench/PROFILE.md). And the counts they show come from the planner's estimate."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import models
from django.test import RequestFactory

from clinical.models import Shift
from courses.models import ClassSession, Cohort
from courses.pagination import LargeTablePaginator
from enrollment.models import Attendance, AuditEvent, Certificate, Credential, Enrollment, Student
from payments.models import CheckoutAttempt, LedgerEntry, SponsorInvoice
from skills.models import Attempt

# The tables that reach hundreds of thousands of rows in the scale data (seed_scale), and the seat board.
BIG_LISTS = [
    Enrollment,
    AuditEvent,
    Attendance,
    Student,
    Certificate,
    Attempt,
    LedgerEntry,
    Shift,
    Cohort,
    ClassSession,
]


def column(model: type[models.Model], name: str) -> str:
    name = name.removeprefix("-")
    return model._meta.pk.column if name == "pk" else model._meta.get_field(name).column


def indexes(model: type[models.Model]) -> list[list[str]]:
    """Each index's columns, in order (Meta.indexes without a condition, and single-column field indexes)."""
    found = [
        [column(model, name) for name in index.fields]
        for index in model._meta.indexes
        if index.condition is None and index.fields
    ]
    found += [[f.column] for f in model._meta.concrete_fields if f.db_index or f.unique or f.primary_key]
    return found


@pytest.mark.parametrize("model", BIG_LISTS, ids=lambda m: m.__name__)
def test_each_big_list_is_read_in_an_indexed_order(model, admin_user):
    model_admin = site._registry[model]
    request = RequestFactory().get("/")
    request.user = admin_user
    ordering = [o for o in (model_admin.get_ordering(request) or model._meta.ordering) if isinstance(o, str)]
    assert ordering, f"{model.__name__}'s list has no order"
    # The table's own columns (a related table's name, as the shift list's site, is sorted within the indexed order).
    own = ordering[: next((k for k, name in enumerate(ordering) if "__" in name), len(ordering))]
    wanted = [column(model, name) for name in own]
    # One direction throughout, so that a B-tree serves it forwards or backwards.
    assert len({name.startswith("-") for name in own}) == 1, ordering
    served = [cols for cols in indexes(model) if cols == wanted[: len(cols)]]
    assert served, f"no index leads with {wanted[0]!r} for {model.__name__}'s list order {ordering}"


@pytest.mark.parametrize(
    "model", [Enrollment, AuditEvent, Attendance, Student, Certificate, Attempt, LedgerEntry, Shift, CheckoutAttempt]
)
def test_big_lists_count_from_the_estimate_and_only_once(model):
    model_admin = site._registry[model]
    assert model_admin.paginator is LargeTablePaginator
    assert model_admin.show_full_result_count is False


def test_a_sponsors_invoices_are_read_newest_first_from_an_index():
    # The sponsor's invoices page: one sponsor's, newest first (a department invoiced every cohort for years).
    order = [column(SponsorInvoice, name) for name in ["sponsor", *SponsorInvoice._meta.ordering]]
    assert order in indexes(SponsorInvoice), indexes(SponsorInvoice)


def test_shift_booking_counts_do_not_group_the_shift_list():
    """The live-booking count is a subquery per shift: grouping the list joined every booking before the page was
    cut (3.7 s for the admin's shift list at scale)."""
    query = Shift.objects.with_booked().order_by("starts_at")[:100].query
    assert query.group_by is None


def test_credentials_on_file_do_not_join_every_enrollment():
    """on_file() asks NOT EXISTS of the few unconfirmed enrollments: a join to the enrollments let PostgreSQL merge
    the whole table (0.8 s for the roster at scale)."""
    sql = str(Credential.objects.on_file().query)
    assert 'JOIN "enrollment_enrollment"' not in sql
    assert "NOT (EXISTS" in sql or "NOT EXISTS" in sql
