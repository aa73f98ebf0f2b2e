"""The optional deposit: a cohort (or every cohort of a course) asks for $X within N days of enrolling to keep the
seat. The deadline is fixed when the seat's charges are posted; a seat whose deposit is unpaid once its day is over
lapses through the enrollment app's one transition step, which passes the seat on to the waitlist in order."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.models import Cohort
from enrollment.models import Enrollment, EnrollmentStatus
from enrollment.services.core import lock_enrollment
from enrollment.services.transitions import transition
from payments.models import Deposit, DepositRule
from payments.services.plans import payment_status_of

DEPOSIT_LAPSED_EMAIL = "deposit_lapsed"


def deposit_rule_for(cohort: Cohort) -> DepositRule | None:
    """The cohort's own deposit rule, else its course's, else none."""
    rules = list(
        DepositRule.objects.filter(Q(cohort_id=cohort.pk) | Q(course_id=cohort.course_id, cohort__isnull=True))
    )
    return next((r for r in rules if r.cohort_id is not None), rules[0] if rules else None)


def deposit_when_seated(enrollment: Enrollment, *, now: datetime.datetime) -> Deposit | None:
    """Called once the seat's charges are posted (the listener's path): fix the deposit and its day, if any."""
    rule = deposit_rule_for(enrollment.cohort)
    if rule is None or Deposit.objects.filter(enrollment=enrollment).exists():
        return None
    return Deposit.objects.create(
        enrollment=enrollment,
        amount=rule.amount,
        due_on=timezone.localdate(now) + datetime.timedelta(days=rule.days),
    )


def lapse_unpaid_deposits(*, now: datetime.datetime | None = None) -> int:
    """The minute job: every seat whose deposit is unpaid after its last day lapses, and the seat goes to the next
    person waiting. Each is decided again under the cohort's lock (a payment may have just arrived). Returns how many
    lapsed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = list(
        Deposit.objects.filter(due_on__lt=today, enrollment__status=EnrollmentStatus.ENROLLED)
        .order_by("due_on", "enrollment_id")
        .values_list("enrollment_id", flat=True)
    )
    unpaid = [pk for pk, status in payment_status_of(candidates, today=today).items() if not status.deposit_paid]
    lapsed = 0
    for enrollment_id in unpaid:
        with transaction.atomic():
            _cohort, enrollment = lock_enrollment(enrollment_id)
            status = payment_status_of([enrollment_id], today=today)[enrollment_id]
            if enrollment.status != EnrollmentStatus.ENROLLED or status.deposit_paid:
                continue
            transition(
                enrollment,
                "lapse_unpaid",
                actor=None,
                reason=_("The deposit of %(amount)s was not paid by %(day)s.")
                % {"amount": f"${status.deposit.amount:,.2f}", "day": date_format(status.deposit.due_on, "M j, Y")},
                data={"deposit": str(status.deposit.amount), "due_on": status.deposit.due_on.isoformat()},
                email=DEPOSIT_LAPSED_EMAIL,
                now=now,
            )
            lapsed += 1
    return lapsed
