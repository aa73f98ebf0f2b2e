"""Staff's money reports, each a fixed few queries whatever the size of the school:

- balances due per cohort (a page of cohorts at a time; the CSV in batches) and per enrollment of one cohort, from
  balances_of, so the split between the student and the sponsors is the ledger's own rule (a page costs the same in
  a school's first year and its tenth; the school-wide total is the CSV's last row);
- payments received by month and method (Chicago months), summed in the database;
- the clock hours a WIOA or GI Bill sponsor asks for: hours attended per student per week (Monday to Sunday,
  Chicago), from the enrollment app's one definition of attended minutes (EnrollmentQuerySet.with_hours), grouped
  by week in the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from courses.models import Cohort
from enrollment.models import Enrollment, Hours
from payments.models import EntryKind, LedgerEntry, PaymentMethod, Sponsor, SponsorKind
from payments.services.ledger import Balance, balances_of

# The sponsors that pay by the clock hour and ask for the hours attended.
CLOCK_HOUR_KINDS = (SponsorKind.WIOA, SponsorKind.GI_BILL)


@dataclass
class MoneyRow:
    """Charged, adjusted, paid (net of refunds) and due (the students' part and the sponsors'), for one enrollment,
    one cohort or the total. due == charged + adjusted - paid."""

    charged: Decimal = Decimal(0)
    adjusted: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    student_due: Decimal = Decimal(0)
    sponsors_due: Decimal = Decimal(0)
    enrollments: int = 0

    @property
    def due(self) -> Decimal:
        return self.student_due + self.sponsors_due

    def add(self, other: MoneyRow) -> None:
        self.charged += other.charged
        self.adjusted += other.adjusted
        self.paid += other.paid
        self.student_due += other.student_due
        self.sponsors_due += other.sponsors_due
        self.enrollments += other.enrollments

    @classmethod
    def of(cls, balance: Balance) -> MoneyRow:
        row = cls(charged=balance.charged, enrollments=1)
        for payer in balance.payers:
            row.adjusted += payer.adjusted
            row.paid += payer.paid - payer.refunded
            if payer.payer is None:
                row.student_due += payer.due
            else:
                row.sponsors_due += payer.due
        return row


@dataclass
class CohortBalances:
    cohort: Cohort
    money: MoneyRow


def cohorts_with_books() -> QuerySet[Cohort]:
    """Every cohort with an entry on its books, the newest first: the balances report's rows, a page at a time."""
    books = LedgerEntry.objects.filter(enrollment__cohort=OuterRef("pk"))
    return Cohort.objects.filter(Exists(books)).select_related("course").order_by("-starts_on", "code", "pk")


def balances_by_cohort(cohorts: Iterable[Cohort] | None = None) -> tuple[list[CohortBalances], MoneyRow]:
    """Each of `cohorts` (by default every cohort with books): its charges, payments and what is due (students vs
    sponsors), and their total. Four queries; the work grows with the enrollments of the cohorts asked for, so the
    page shows a page of cohorts and the CSV goes through them in batches (balances_in_batches)."""
    cohorts = list(cohorts_with_books() if cohorts is None else cohorts)
    # The enrollments with books, found through the cohorts' enrollments (an index each way), then their balances by
    # the ledger's own rule.
    with_books = Exists(LedgerEntry.objects.filter(enrollment=OuterRef("pk")))
    cohort_of = dict(
        Enrollment.objects.filter(with_books, cohort__in=[cohort.pk for cohort in cohorts]).values_list(
            "pk", "cohort_id"
        )
    )
    balances = balances_of(list(cohort_of))
    rows: dict[int, MoneyRow] = defaultdict(MoneyRow)
    for enrollment_id, cohort_id in cohort_of.items():
        rows[cohort_id].add(MoneyRow.of(balances[enrollment_id]))
    result = [CohortBalances(cohort, rows[cohort.pk]) for cohort in cohorts if cohort.pk in rows]
    total = MoneyRow()
    for row in result:
        total.add(row.money)
    return result, total


def balances_in_batches(batch: int = 500) -> Iterator[CohortBalances]:
    """Every cohort with books, the newest first, worked out `batch` cohorts at a time (the CSV export)."""
    cohorts = cohorts_with_books()
    for start in range(0, cohorts.count(), batch):
        rows, _total = balances_by_cohort(cohorts[start : start + batch])
        yield from rows


@dataclass
class EnrollmentBalances:
    enrollment: Enrollment
    money: MoneyRow


def balances_in_cohort(cohort: Cohort) -> tuple[list[EnrollmentBalances], MoneyRow]:
    """Each enrollment of `cohort` with entries on its books, and the cohort's total. Three queries."""
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort, ledger__isnull=False)
        .distinct()
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "pk")
    )
    balances = balances_of([e.pk for e in enrollments])
    result = [EnrollmentBalances(e, MoneyRow.of(balances[e.pk])) for e in enrollments]
    total = MoneyRow()
    for row in result:
        total.add(row.money)
    return result, total


@dataclass
class MonthOfPayments:
    month: datetime.date  # its first day
    by_method: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_method.values(), Decimal(0))


def payments_by_month(
    *, since: datetime.date | None = None
) -> tuple[list[MonthOfPayments], list[tuple[str, str]], MonthOfPayments | None]:
    """Money received per Chicago month and method (payments net of their reversals, each counted in the month it was
    recorded; refunds are not payments), from the month of `since` on (None: every month), the methods that occur
    (value, label) and the totals per method. One query."""
    chicago = timezone.get_default_timezone()
    payments = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT)
    if since is not None:
        first = datetime.datetime.combine(since.replace(day=1), datetime.time(0), tzinfo=chicago)
        payments = payments.filter(at__gte=first)
    sums = (
        payments.annotate(month=TruncMonth("at", tzinfo=chicago))
        .values("month", "method")
        .annotate(total=Sum("amount"))
        .order_by("month", "method")
    )
    months: dict[datetime.date, dict[str, Decimal]] = {}
    for row in sums:
        day = timezone.localtime(row["month"], chicago).date()
        months.setdefault(day, {})[row["method"]] = -row["total"]
    used = {method for by_method in months.values() for method in by_method}
    methods = [(value, str(label)) for value, label in PaymentMethod.choices if value in used]
    methods += [(value, value or "—") for value in sorted(used - set(PaymentMethod.values))]
    rows = [MonthOfPayments(month, by_method) for month, by_method in sorted(months.items(), reverse=True)]
    if not rows:
        return [], methods, None
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for method, amount in row.by_method.items():
            totals[method] += amount
    return rows, methods, MonthOfPayments(rows[-1].month, dict(totals))


@dataclass
class StudentHours:
    enrollment: Enrollment
    minutes_by_week: dict[datetime.date, int] = field(default_factory=dict)
    weekly: list[str] = field(default_factory=list)  # hours per week of the report, as shown

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes_by_week.values())

    @property
    def total(self) -> str:
        return Hours.text(self.total_minutes)

    def hours(self, weeks: list[datetime.date]) -> list[str]:
        return [Hours.text(self.minutes_by_week.get(week, 0)) for week in weeks]


@dataclass
class ClockHours:
    """Clock hours attended per student per week (Monday, Chicago), with the totals per week and overall."""

    weeks: list[datetime.date]
    students: list[StudentHours]

    def week_totals(self) -> list[str]:
        return [Hours.text(sum(s.minutes_by_week.get(week, 0) for s in self.students)) for week in self.weeks]

    @property
    def total(self) -> str:
        return Hours.text(sum(s.total_minutes for s in self.students))


def clock_hour_enrollments(*, sponsor: Sponsor | None = None, cohort: Cohort | None = None):
    """The enrollments the report covers: those `sponsor` has a share of, or those of `cohort` that a WIOA or GI Bill
    sponsor has a share of."""
    if sponsor is not None:
        enrollments = Enrollment.objects.filter(sponsor_shares__sponsor=sponsor)
    else:
        enrollments = Enrollment.objects.filter(sponsor_shares__sponsor__kind__in=CLOCK_HOUR_KINDS)
    if cohort is not None:
        enrollments = enrollments.filter(cohort=cohort)
    return enrollments.distinct()


def clock_hours(*, sponsor: Sponsor | None = None, cohort: Cohort | None = None) -> ClockHours:
    """Hours attended per student per week for a sponsor's students (or a cohort's WIOA and GI Bill students). Two
    queries: the students, and their attended minutes grouped by the Chicago week of the session in the database
    (late arrivals count the minutes recorded; absences count none: Hours' rule, through with_hours())."""
    students = [
        StudentHours(enrollment)
        for enrollment in clock_hour_enrollments(sponsor=sponsor, cohort=cohort)
        .select_related("student", "cohort")
        .order_by("cohort__starts_on", "cohort__code", "student__last_name", "student__first_name", "pk")
    ]
    by_pk = {row.enrollment.pk: row for row in students}
    chicago = timezone.get_default_timezone()
    weekly = (
        Enrollment.objects.filter(pk__in=by_pk, attendance__isnull=False)
        .values("pk", week=TruncWeek("attendance__session__starts_at", tzinfo=chicago))
        .with_hours()
        .values_list("pk", "week", "attended_minutes")
        .order_by()
    )
    weeks = set()
    for pk, week, minutes in weekly:
        monday = timezone.localtime(week, chicago).date()
        weeks.add(monday)
        by_pk[pk].minutes_by_week[monday] = by_pk[pk].minutes_by_week.get(monday, 0) + minutes
    weeks = sorted(weeks)
    for row in students:
        row.weekly = row.hours(weeks)
    return ClockHours(weeks=weeks, students=students)
