"""Reminders through the outbox: an instalment 7 and 1 days before it falls due and once when it is overdue, a deposit
3 and 1 days before its last day. One e-mail per instalment (or deposit) per reminder: the outbox row is the record
of what was sent, so the minute job may run as often as it likes and a day missed while the worker was down is caught
up, never sent twice."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Enrollment, EnrollmentStatus, OutgoingEmail
from enrollment.notifications import EmailNotNeeded, notify, school_context, send_message
from payments.models import Deposit, Instalment
from payments.services.deposits import DEPOSIT_LAPSED_EMAIL
from payments.services.plans import InstalmentState, payment_status_of

INSTALMENT_REMINDER_DAYS = (7, 1)
DEPOSIT_REMINDER_DAYS = (3, 1)
INSTALMENT_OVERDUE_EMAIL = "instalment_overdue"


def instalment_kind(days: int) -> str:
    return f"instalment_due_{days}"


def deposit_kind(days: int) -> str:
    return f"deposit_due_{days}"


INSTALMENT_KINDS = [*(instalment_kind(d) for d in INSTALMENT_REMINDER_DAYS), INSTALMENT_OVERDUE_EMAIL]
DEPOSIT_KINDS = [deposit_kind(d) for d in DEPOSIT_REMINDER_DAYS]


def _reminder(days_left: int, reminder_days: tuple[int, ...]) -> int | None:
    """Which reminder an item `days_left` days from its day is in: the shortest that has come (a 7-day reminder is
    not sent when the item is found 1 day out), None before the longest."""
    come = [d for d in reminder_days if 0 <= days_left <= d]
    return min(come) if come else None


def send_payment_reminders(*, today: datetime.date | None = None) -> int:
    """The minute job's work: queue every reminder that has come and is not sent yet. Returns how many."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(INSTALMENT_REMINDER_DAYS + DEPOSIT_REMINDER_DAYS))
    seated = {"enrollment__status": EnrollmentStatus.ENROLLED}
    instalments = list(Instalment.objects.filter(due_on__lte=horizon, **seated).values_list("pk", "enrollment_id"))
    deposits = list(
        Deposit.objects.filter(due_on__gte=today, due_on__lte=horizon, **seated).values_list("pk", "enrollment_id")
    )
    sent = set(
        OutgoingEmail.objects.filter(
            kind__in=INSTALMENT_KINDS + DEPOSIT_KINDS,
            about_id__in=[pk for pk, _e in instalments + deposits],
        ).values_list("kind", "about_id")
    )
    statuses = payment_status_of(sorted({e for _pk, e in instalments + deposits}), today=today)
    wanted: list[tuple[int, str, int]] = []
    for status in statuses.values():
        for line in status.instalments:
            if line.state == InstalmentState.PAID or line.instalment.due_on > horizon:
                continue
            days_left = (line.instalment.due_on - today).days
            if days_left < 0:
                kind = INSTALMENT_OVERDUE_EMAIL
            else:
                days = _reminder(days_left, INSTALMENT_REMINDER_DAYS)
                kind = instalment_kind(days) if days is not None else None
            if kind and (kind, line.instalment.pk) not in sent:
                wanted.append((status.enrollment_id, kind, line.instalment.pk))
        deposit = status.deposit
        if deposit is not None and not status.deposit_paid and deposit.due_on >= today:
            days = _reminder((deposit.due_on - today).days, DEPOSIT_REMINDER_DAYS)
            if days is not None and (deposit_kind(days), deposit.pk) not in sent:
                wanted.append((status.enrollment_id, deposit_kind(days), deposit.pk))
    for enrollment_id, kind, about_id in wanted:
        with transaction.atomic():
            notify(Enrollment(pk=enrollment_id), kind, about_id=about_id)
    return len(wanted)


def _context(enrollment: Enrollment) -> dict:
    return {
        "enrollment": enrollment,
        "student": enrollment.student,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "payments_url": settings.SITE_URL + f"/my/{enrollment.token}/payments/",
        **school_context(),
    }


def send_instalment_reminder(email: OutgoingEmail) -> None:
    """The outbox's sender for instalment reminders: what is left to pay of it, and by when."""
    enrollment = email.enrollment
    lines = payment_status_of([enrollment.pk])[enrollment.pk].instalments
    line = next((line for line in lines if line.instalment.pk == email.about_id), None)
    if line is None:
        raise EmailNotNeeded("The instalment is no longer on the student's plan (the plan was replaced).")
    if line.state == InstalmentState.PAID:
        raise EmailNotNeeded("The instalment was paid after this reminder was queued.")
    instalment = line.instalment
    overdue = email.kind == INSTALMENT_OVERDUE_EMAIL
    if overdue:
        subject = _("A payment for %(code)s is overdue") % {"code": enrollment.cohort.code}
    else:
        subject = _("A payment for %(code)s is due soon") % {"code": enrollment.cohort.code}
    context = {**_context(enrollment), "instalment": instalment, "left": line.left, "overdue": overdue}
    send_message(email.recipient_email, subject, "payments/email/instalment_reminder", context)


def send_deposit_reminder(email: OutgoingEmail) -> None:
    """The outbox's sender for deposit warnings: pay by the day, or the seat goes to the next person waiting."""
    enrollment = email.enrollment
    status = payment_status_of([enrollment.pk])[enrollment.pk]
    deposit = status.deposit
    if deposit is None or deposit.pk != email.about_id:
        raise EmailNotNeeded("The enrollment no longer owes this deposit.")
    if status.deposit_paid:
        raise EmailNotNeeded("The deposit was paid after this warning was queued.")
    subject = _("Pay your deposit to keep your seat in %(code)s") % {"code": enrollment.cohort.code}
    send_message(
        email.recipient_email, subject, "payments/email/deposit_reminder", {**_context(enrollment), "deposit": deposit}
    )


def send_deposit_lapsed(email: OutgoingEmail) -> None:
    """The outbox's sender for a seat lapsed for its unpaid deposit."""
    enrollment = email.enrollment
    subject = _("Your seat in %(code)s has lapsed") % {"code": enrollment.cohort.code}
    deposit = Deposit.objects.filter(enrollment=enrollment).first()
    send_message(
        email.recipient_email, subject, "payments/email/deposit_lapsed", {**_context(enrollment), "deposit": deposit}
    )


SENDERS = {
    **dict.fromkeys(INSTALMENT_KINDS, send_instalment_reminder),
    **dict.fromkeys(DEPOSIT_KINDS, send_deposit_reminder),
    DEPOSIT_LAPSED_EMAIL: send_deposit_lapsed,
}
