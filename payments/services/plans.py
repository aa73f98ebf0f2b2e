"""Payment plans: a seat's student share in instalments with due dates, and the one function that says what is paid
of each (derived from the ledger, payments going to the earliest instalment first), for many enrollments at once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from courses.dates import date_text
from courses.models import Cohort
from courses.seat_board import SeatBoardFlag
from enrollment.models import Enrollment, EnrollmentStatus
from enrollment.portal import RosterNote
from enrollment.readiness import Readiness
from enrollment.services import EnrollmentError, audit
from payments.models import Deposit, DueRule, EntryKind, Instalment, LedgerEntry, PaymentPlan, PlanStep
from payments.services.ledger import Balance, _lock, balances_of, cents


class InstalmentState:
    PAID = "paid"
    PART_PAID = "part_paid"
    DUE = "due"
    OVERDUE = "overdue"


STATE_LABELS = {
    InstalmentState.PAID: gettext_lazy("Paid"),
    InstalmentState.PART_PAID: gettext_lazy("Part paid"),
    InstalmentState.DUE: gettext_lazy("Due"),
    InstalmentState.OVERDUE: gettext_lazy("Overdue"),
}


def plan_for(cohort: Cohort) -> PaymentPlan | None:
    """The plan a new seat in `cohort` gets: the cohort's own, else the course's (applied automatically only)."""
    plans = PaymentPlan.objects.filter(
        Q(cohort_id=cohort.pk) | Q(course_id=cohort.course_id, cohort__isnull=True), applies_automatically=True
    ).order_by("cohort_id", "pk")
    chosen = None
    for plan in plans:
        if plan.cohort_id is not None:
            return plan
        chosen = chosen or plan
    return chosen


def due_date(step: PlanStep, *, enrolled_on: datetime.date, starts_on: datetime.date) -> datetime.date:
    """When a step of a plan falls due for a seat taken on `enrolled_on`; never before that day."""
    if step.due == DueRule.ON_DATE:
        day = step.due_on
    elif step.due == DueRule.BEFORE_START:
        day = starts_on - datetime.timedelta(days=step.days)
    else:
        day = enrolled_on + datetime.timedelta(days=step.days)
    return max(day, enrolled_on)


def split(
    steps: list[PlanStep], share: Decimal, *, enrolled_on: datetime.date, starts_on: datetime.date
) -> list[tuple[datetime.date, Decimal]]:
    """(due date, amount) per instalment, earliest first: each step's amount or percentage of `share`, never more
    than is left, the last taking the rest, so they add up to `share`. Empty instalments are left out."""
    dated = sorted(
        ((due_date(s, enrolled_on=enrolled_on, starts_on=starts_on), s) for s in steps), key=lambda d: (d[0], d[1].pk)
    )
    left = share
    result = []
    for index, (day, step) in enumerate(dated):
        if index == len(dated) - 1:
            amount = left
        else:
            amount = step.amount if step.amount is not None else cents(share * step.percent / 100)
            amount = min(amount, left)
        left -= amount
        if amount > 0:
            result.append((day, amount))
    return result


def _student_share(balance: Balance) -> Decimal:
    return next(p.share for p in balance.payers if p.payer is None)


def _enrolled_on(enrollment: Enrollment) -> datetime.date:
    """The day the seat's charges were posted (the seat confirmed), or today before then."""
    first = LedgerEntry.objects.filter(enrollment=enrollment, kind=EntryKind.CHARGE).aggregate(at=Min("at"))["at"]
    return timezone.localdate(first or timezone.now())


def write_instalments(
    *, enrollment: Enrollment, plan: PaymentPlan, enrolled_on: datetime.date, actor: AbstractBaseUser | None
) -> list[Instalment]:
    """Replace the enrollment's instalments with the plan's, for its student share as the ledger has it now. The
    caller holds the enrollment's lock."""
    share = _student_share(balances_of([enrollment.pk])[enrollment.pk])
    if share <= 0:
        raise EnrollmentError(
            _("The student owes nothing on this enrollment: there is nothing to pay in instalments."),
            code="nothing_to_plan",
        )
    steps = list(plan.steps.all())
    if not steps:
        raise EnrollmentError(_("Add at least one instalment to the plan first."), code="plan_empty")
    Instalment.objects.filter(enrollment=enrollment).delete()
    made = Instalment.objects.bulk_create(
        Instalment(enrollment=enrollment, due_on=day, amount=amount, plan=plan)
        for day, amount in split(steps, share, enrolled_on=enrolled_on, starts_on=enrollment.cohort.starts_on)
    )
    audit(
        action="payments.plan_applied",
        enrollment=enrollment,
        actor=actor,
        data={"plan": plan.name, "instalments": [[str(i.due_on), str(i.amount)] for i in made]},
    )
    return made


@transaction.atomic
def apply_plan(*, enrollment: Enrollment, plan: PaymentPlan, actor: AbstractBaseUser | None) -> list[Instalment]:
    """Staff put one enrollment on a plan of its course: its instalments are replaced by the plan's."""
    enrollment = _lock(enrollment)
    cohort = Cohort.objects.get(pk=enrollment.cohort_id)
    if plan.course_id != cohort.course_id or plan.cohort_id not in (None, cohort.pk):
        raise EnrollmentError(_("Choose a plan of this enrollment's course and cohort."), code="plan_not_for_course")
    enrollment.cohort = cohort
    return write_instalments(enrollment=enrollment, plan=plan, enrolled_on=_enrolled_on(enrollment), actor=actor)


def plan_when_seated(enrollment: Enrollment, *, actor: AbstractBaseUser | None, now: datetime.datetime) -> None:
    """Called once the seat's charges are posted (the listener's path): the cohort's or course's plan, if any."""
    plan = plan_for(enrollment.cohort)
    if plan is None or Instalment.objects.filter(enrollment=enrollment).exists():
        return
    try:
        write_instalments(enrollment=enrollment, plan=plan, enrolled_on=timezone.localdate(now), actor=actor)
    except EnrollmentError:
        return  # nothing owed by the student (a sponsor pays it all), or a plan still being set up: no instalments


@dataclass
class InstalmentLine:
    instalment: Instalment
    amount: Decimal  # the instalment's, less any of it a sponsor's share added since has taken over
    paid: Decimal
    state: str

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class PaymentStatus:
    """Where one enrollment's money stands: its balance, each instalment and the deposit."""

    enrollment_id: int
    balance: Balance
    instalments: list[InstalmentLine] = field(default_factory=list)
    deposit: Deposit | None = None
    deposit_paid: bool = True
    today: datetime.date | None = None

    @property
    def overdue(self) -> list[InstalmentLine]:
        return [line for line in self.instalments if line.state == InstalmentState.OVERDUE]

    @property
    def overdue_amount(self) -> Decimal:
        return sum((line.left for line in self.overdue), Decimal(0))

    @property
    def next_due(self) -> InstalmentLine | None:
        return next((line for line in self.instalments if line.state != InstalmentState.PAID), None)

    @property
    def deposit_overdue(self) -> bool:
        return self.deposit is not None and not self.deposit_paid and self.deposit.due_on < self.today

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue) or self.deposit_overdue

    @property
    def next_payment(self) -> Decimal | None:
        """What the student pays now to be up to date, when it is less than all they owe: the rest of an unpaid
        deposit, else everything overdue and the next instalment. None when there is no such step (no plan, or the
        next step is all that is owed)."""
        due = self.balance.student.due
        if due <= 0:
            return None
        if self.deposit is not None and not self.deposit_paid:
            amount = self.deposit.amount - self.balance.student.paid
        else:
            amount = Decimal(0)
            for line in self.instalments:
                amount += line.left
                if line.state not in {InstalmentState.PAID, InstalmentState.OVERDUE}:
                    break
        return amount if Decimal(0) < amount < due else None


def payment_status_of(enrollment_ids: list[int], *, today: datetime.date | None = None) -> dict[int, PaymentStatus]:
    """Each enrollment's instalments (paid, part paid, due or overdue) and deposit (paid or not), in four queries
    whatever their number.

    What the student has paid (payments less refunds and adjustments) goes to the earliest instalment first. Should
    the student's share have shrunk since the instalments were written (a sponsor's share added), the latest
    instalments shrink by the difference. The deposit is paid once the student has paid it, or owes less than it (a
    sponsor covering the seat)."""
    today = today or timezone.localdate()
    balances = balances_of(enrollment_ids)
    instalments: dict[int, list[Instalment]] = {pk: [] for pk in enrollment_ids}
    for instalment in Instalment.objects.filter(enrollment_id__any_of=enrollment_ids).order_by("due_on", "pk"):
        instalments[instalment.enrollment_id].append(instalment)
    deposits = {d.enrollment_id: d for d in Deposit.objects.filter(enrollment_id__any_of=enrollment_ids)}
    result = {}
    for pk in enrollment_ids:
        balance = balances[pk]
        student = next(p for p in balance.payers if p.payer is None)
        total = sum((i.amount for i in instalments[pk]), Decimal(0))
        trim = max(total - student.share, Decimal(0))
        amounts = []
        for instalment in reversed(instalments[pk]):
            cut = min(trim, instalment.amount)
            trim -= cut
            amounts.append(instalment.amount - cut)
        credit = max(student.share - student.due, Decimal(0))
        lines = []
        for instalment, amount in zip(instalments[pk], reversed(amounts), strict=True):
            paid = min(credit, amount)
            credit -= paid
            if paid == amount:
                state = InstalmentState.PAID
            elif instalment.due_on < today:
                state = InstalmentState.OVERDUE
            elif paid > 0:
                state = InstalmentState.PART_PAID
            else:
                state = InstalmentState.DUE
            lines.append(InstalmentLine(instalment, amount, paid, state))
        deposit = deposits.get(pk)
        deposit_paid = True
        if deposit is not None:
            needed = min(deposit.amount, student.share)
            deposit_paid = student.share - student.due >= needed
        result[pk] = PaymentStatus(pk, balance, lines, deposit, deposit_paid, today)
    return result


def overdue_in(cohort_ids: list[int] | None, *, today: datetime.date) -> dict[int, PaymentStatus]:
    """The payment status of every seated enrollment in these cohorts (None: every cohort) with an instalment or
    deposit overdue, by enrollment pk. Five queries at most, whatever the number of cohorts and students."""
    return {pk: status for pk, (_cohort_id, status) in _overdue(cohort_ids, today=today).items()}


def _overdue(cohort_ids: list[int] | None, *, today: datetime.date) -> dict[int, tuple[int, PaymentStatus]]:
    """overdue_in() with each enrollment's cohort pk, read with the candidates (the seat board counts per cohort)."""
    seated = Enrollment.objects.filter(status=EnrollmentStatus.ENROLLED)
    if cohort_ids is not None:
        seated = seated.filter(cohort_id__in=cohort_ids)
    candidates = dict(
        seated.filter(Q(instalments__due_on__lt=today) | Q(deposit__due_on__lt=today))
        .order_by()
        .values_list("pk", "cohort_id")
        .distinct()
    )
    statuses = payment_status_of(sorted(candidates), today=today)
    return {pk: (candidates[pk], status) for pk, status in statuses.items() if status.is_overdue}


def seat_board_flags(cohorts: list[Cohort]) -> dict[int, list[SeatBoardFlag]]:
    """The seat board's line per cohort: how many of its students are behind with a payment."""
    counts: dict[int, int] = {}
    for cohort_id, _status in _overdue([c.pk for c in cohorts], today=timezone.localdate()).values():
        counts[cohort_id] = counts.get(cohort_id, 0) + 1
    return {
        cohort_id: [
            SeatBoardFlag(
                ngettext("%(count)d student behind on payments", "%(count)d students behind on payments", count)
                % {"count": count}
            )
        ]
        for cohort_id, count in counts.items()
    }


def roster_notes(
    cohort: Cohort, enrollments: list[Enrollment], now: datetime.datetime, readiness: dict[int, Readiness]
) -> dict[int, list[RosterNote]]:
    """The roster's money line for a student behind on a payment ("Payment overdue: $250.00 since Mar 3"). Four
    queries per roster (the readiness pass has nothing about money)."""
    statuses = payment_status_of([e.pk for e in enrollments], today=timezone.localdate(now))
    notes = {}
    for pk, status in statuses.items():
        if status.overdue:
            first = status.overdue[0]
            notes[pk] = [
                RosterNote(
                    _("Payment overdue: %(amount)s since %(day)s")
                    % {"amount": money_text(status.overdue_amount), "day": date_text(first.instalment.due_on, "M j")}
                )
            ]
        elif status.deposit_overdue:
            notes[pk] = [
                RosterNote(_("Deposit overdue since %(day)s") % {"day": date_text(status.deposit.due_on, "M j")})
            ]
    return notes


def money_text(amount: Decimal) -> str:
    """ "$1,495.00" (the money template filter's text, for Python-built lines)."""
    return f"${cents(amount):,.2f}"


def overdue_report(*, today: datetime.date) -> list[dict]:
    """The staff's "overdue payments" rows: each overdue instalment and deposit of a seated student, the oldest
    first. Six queries whatever the number of rows. Each row names its enrollment by pk; `with_overdue_people(rows)`
    loads the enrollment, student and cohort of the rows about to be shown (a page of them, or all for a download):
    one query more."""
    statuses = overdue_in(None, today=today)
    # Ordered by the student's last name among payments due the same day: the names only, not every row's people.
    last_names = dict(Enrollment.objects.filter(pk__any_of=list(statuses)).values_list("pk", "student__last_name"))
    rows = []
    instalment_text, deposit_text = _("Instalment"), _("Deposit")  # once, not once per row
    for pk, status in statuses.items():
        base = {"enrollment_id": pk, "last_name": last_names[pk]}
        for line in status.overdue:
            rows.append(
                {
                    **base,
                    "what": instalment_text,
                    "due_on": line.instalment.due_on,
                    "amount": line.instalment.amount,
                    "paid": line.paid,
                    "left": line.left,
                    "days": (today - line.instalment.due_on).days,
                }
            )
        if status.deposit_overdue:
            deposit = status.deposit
            rows.append(
                {
                    **base,
                    "what": deposit_text,
                    "due_on": deposit.due_on,
                    "amount": deposit.amount,
                    "paid": Decimal(0),
                    "left": deposit.amount,
                    "days": (today - deposit.due_on).days,
                }
            )
    rows.sort(key=lambda row: (row["due_on"], row["last_name"], row["enrollment_id"]))
    return rows


def with_overdue_people(rows: list[dict]) -> list[dict]:
    """The overdue report's rows with their enrollment, student and cohort, in one query whatever their number."""
    enrollments = Enrollment.objects.select_related("student", "cohort").in_bulk({row["enrollment_id"] for row in rows})
    for row in rows:
        enrollment = enrollments[row["enrollment_id"]]
        row.update(enrollment=enrollment, student=enrollment.student, cohort=enrollment.cohort)
    return rows
