"""E-mails to students: written to the outbox (OutgoingEmail) in the same transaction as the change they report, and
sent off the request path by the job runner (django.tasks), with retries and exponential backoff for over a day.

No request talks to the mail server: `notify` writes a row and, once the transaction commits, enqueues
`deliver_email`. The minute job `send_due_emails` sends whatever is due, so an e-mail whose task was lost (a worker
killed mid-send, the queue's database restored from a backup) is still sent.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task, task_backends
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import SchoolProfile
from enrollment.models import EmailStatus, Enrollment, OutgoingEmail, confirm_window, retry_deadline

if TYPE_CHECKING:
    from enrollment.models import Student

logger = logging.getLogger(__name__)

# Each e-mail's subject, by kind: %(code)s is the cohort's code, %(from_code)s the one a moved student left.
SUBJECTS = {
    "enrolled": gettext_lazy("You are enrolled in %(code)s"),
    "pending_review": gettext_lazy("We received your signup for %(code)s: staff will verify your credentials"),
    "waitlisted": gettext_lazy("You are on the waitlist for %(code)s"),
    "offered": gettext_lazy("A seat in %(code)s is yours if you accept it"),
    "offer_lapsed": gettext_lazy("Your offer for %(code)s has lapsed"),
    "withdrawn": gettext_lazy("You have withdrawn from %(code)s"),
    "rejected": gettext_lazy("Your signup for %(code)s was not accepted"),
    "link_reminder": gettext_lazy("Your private link for %(code)s"),
    "staff_message": gettext_lazy("A message from the school about %(code)s"),
    "moved": gettext_lazy("You have been moved from %(from_code)s to %(code)s"),
    "offer_declined": gettext_lazy("You have declined the seat in %(code)s"),
    "exam_reminder": gettext_lazy("Register for your National Registry exam (%(code)s)"),
}
# A signup's own e-mails, which ask for confirmation while the signup is unconfirmed: their subjects then.
CONFIRM_SUBJECTS = {
    "enrolled": gettext_lazy("Please confirm: you are enrolled in %(code)s"),
    "pending_review": gettext_lazy(
        "Please confirm: we received your signup for %(code)s: staff will verify your credentials"
    ),
    "waitlisted": gettext_lazy("Please confirm: you are on the waitlist for %(code)s"),
}
# E-mails about the person rather than one enrollment.
STUDENT_KINDS = {"lost_links"}

# The first retry after 30 s, then twice the wait each time, at most an hour apart.
FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_WAIT = datetime.timedelta(hours=1)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, ... up to an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def notify(enrollment: Enrollment, kind: str, *, about_id: int | None = None) -> OutgoingEmail:
    """Queue an e-mail to the student about `enrollment`, in the caller's transaction (a rollback sends nothing).
    `about_id` names the row an e-mail of a registered kind is about (a document that expires soon)."""
    return _queue(OutgoingEmail(enrollment=enrollment, kind=kind, about_id=about_id))


# Senders of other apps' e-mails, by kind, registered by the apps that write them (the clinical app's preceptor links
# and document reminders): each renders and sends one outbox row. The outbox, its retries and its admin are shared.
SENDERS: dict[str, Callable[[OutgoingEmail], None]] = {}


class EmailNotNeeded(Exception):  # noqa: N818 (an outcome, not an error)
    """Raised by a sender whose e-mail has nothing left to say when its turn comes (the instalment it reminds of was
    paid since it was queued): the outbox records it as not sent and why, rather than as sent."""


def register_sender(kind: str, sender: Callable[[OutgoingEmail], None]) -> None:
    SENDERS[kind] = sender


def notify_address(to: str, kind: str, *, about_id: int) -> OutgoingEmail:
    """Queue an e-mail of a registered kind to `to` about row `about_id`, in the caller's transaction."""
    assert kind in SENDERS, f"register a sender for {kind!r} first"
    return _queue(OutgoingEmail(to_address=to, kind=kind, about_id=about_id))


def notify_student(student: Student, kind: str) -> OutgoingEmail:
    """Queue an e-mail to a person about all their enrollments (`lost_links`)."""
    assert kind in STUDENT_KINDS, kind
    return _queue(OutgoingEmail(student=student, kind=kind))


# At most this many "your links" e-mails to one person an hour, whoever asks for them.
LOST_LINKS_PER_HOUR = 3


def request_lost_links(email: str) -> None:
    """The lost-link page: the job runner looks the address up and, when it is on file, e-mails its links."""
    transaction.on_commit(lambda: _enqueue_task(send_lost_links_to, email))


@task
def send_lost_links_to(email: str) -> str:
    """The job: queue the "your links" e-mail for whoever has this address, at most LOST_LINKS_PER_HOUR an hour."""
    from enrollment.models import Student

    student = Student.objects.with_email(email).first()
    if student is None:
        return "unknown"
    recent = student.outgoing_emails.filter(
        kind="lost_links", created_at__gte=timezone.now() - datetime.timedelta(hours=1)
    ).count()
    if recent >= LOST_LINKS_PER_HOUR:
        return "capped"
    with transaction.atomic():
        notify_student(student, "lost_links")
    return "queued"


def _enqueue_task(job, *args) -> None:
    try:
        job.enqueue(*args)
    except Exception:
        logger.exception("Could not enqueue %s", job.name)


def _queue(email: OutgoingEmail) -> OutgoingEmail:
    email.save()
    # Enqueued once the change commits: not before (a queue elsewhere could run it first), and not inside the
    # transaction, which on the signup path holds the cohort's lock. Should the enqueue be lost, the outbox row is
    # still there and the minute job sends it.
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Hand the e-mail to the job runner. Should that fail (its database down), the row stays pending and the minute
    job sends it: a committed change never turns into an error page because of its e-mail."""
    try:
        if run_after is not None:
            if not task_backends[deliver_email.backend].supports_defer:
                return  # the minute job retries it when it is due
            deliver_email.using(run_after=run_after).enqueue(email_id)
        else:
            deliver_email.enqueue(email_id)
    except Exception:
        logger.exception("Could not enqueue e-mail %s; the minute job will send it.", email_id)


@task
def deliver_email(email_id: int) -> str:
    """The job: send one queued e-mail (see deliver)."""
    return deliver(email_id)


# The minute job leaves an e-mail this long to its own task (enqueued with it, or deferred to its retry time), so the
# two do not both try it at once.
SWEEP_GRACE = datetime.timedelta(seconds=15)


@task
def send_due_emails(grace_seconds: float = SWEEP_GRACE.total_seconds()) -> int:
    """The minute job: send every pending e-mail whose next attempt is overdue (its task lost, or a backend that
    cannot defer a retry). Returns how many were tried."""
    tried = 0
    overdue = OutgoingEmail.objects.due(timezone.now() - datetime.timedelta(seconds=grace_seconds))
    for email_id in list(overdue.values_list("pk", flat=True)[:500]):
        deliver(email_id)
        tried += 1
    return tried


def deliver(email_id: int) -> str:
    """Send a pending e-mail once: "sent", "retry" (failed; tried again later with backoff), "failed" (failed past
    its retry deadline: left for staff), "not_needed" (its sender found nothing left to say: see EmailNotNeeded) or
    "skipped" (already sent, or another worker is sending it)."""
    with transaction.atomic():
        # SKIP LOCKED: two workers never send the same e-mail, and neither waits for the other.
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailStatus.PENDING)
            .first()
        )
        if email is None:
            return "skipped"
        # Its enrollment by its own key, not joined to the locked row: with the outbox's statistics behind its newest
        # rows, PostgreSQL merge-joined the whole enrollment table for that join (0.26 s an e-mail at 500,000).
        if email.enrollment_id is not None:
            email.enrollment = Enrollment.objects.select_related("student", "cohort__course").get(
                pk=email.enrollment_id
            )
        try:
            _send(email)
        except EmailNotNeeded as why:
            email.status = EmailStatus.NOT_NEEDED
            email.attempts += 1
            email.last_error = str(why)[:2000]
            email.save(update_fields=["status", "attempts", "last_error"])
            outcome = "not_needed"
        except Exception as error:  # whatever the mail server says, the row records it and waits
            now = timezone.now()
            email.attempts += 1
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if now >= email.retry_until:
                email.status = EmailStatus.FAILED
                outcome = "failed"
            else:
                email.next_attempt_at = now + backoff(email.attempts)
                outcome = "retry"
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("E-mail %s (%s) not sent, attempt %s: %s", email.pk, email.kind, email.attempts, error)
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.attempts += 1
            email.save(update_fields=["status", "sent_at", "attempts"])
            outcome = "sent"
    if outcome == "retry":
        _enqueue(email.pk, run_after=email.next_attempt_at)
    return outcome


def send_again(email: OutgoingEmail) -> OutgoingEmail:
    """Staff's "send again": back to pending now, with a fresh day of retries (a sent e-mail is sent once more)."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
        email.status = EmailStatus.PENDING
        email.next_attempt_at = timezone.now()
        email.retry_until = retry_deadline()
        email.save(update_fields=["status", "next_attempt_at", "retry_until"])
        transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _send(email: OutgoingEmail) -> None:
    if email.kind in SENDERS:
        SENDERS[email.kind](email)
    elif email.kind in STUDENT_KINDS:
        send_lost_links(email.student)
    elif email.kind == "exam_reminder":
        certificate = email.enrollment.certificate
        send_enrollment_email(email.enrollment, email.kind, extra={"certificate": certificate})
    elif email.kind == "staff_message":
        # The message this outbox row was written for, not the enrollment's latest one.
        send_enrollment_email(email.enrollment, email.kind, extra={"message": email.student_message})
    else:
        send_enrollment_email(email.enrollment, email.kind)


def school_context() -> dict[str, object]:
    """The school's name and contact details, which every e-mail ends with (enrollment/email/_signature.txt)."""
    profile = SchoolProfile.current()
    return {"school": profile, "school_name": profile.display_name, "site_url": settings.SITE_URL}


def send_enrollment_email(enrollment: Enrollment, kind: str, *, extra: dict | None = None) -> None:
    context = {
        **(extra or {}),
        "enrollment": enrollment,
        "student": enrollment.student,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "status_url": settings.SITE_URL + enrollment.get_absolute_url(),
        "position": enrollment.get_waitlist_position(),
        **school_context(),
        # An unconfirmed signup's e-mail asks the owner of the address to open the link in time.
        "confirm_by": None if enrollment.confirmed_at else enrollment.created_at + confirm_window(),
    }
    moved_from = enrollment.moved_from.cohort if enrollment.moved_from_id else None
    context["moved_from"] = moved_from
    codes = {"code": enrollment.cohort.code, "from_code": moved_from.code if moved_from else ""}
    if context["confirm_by"] is not None and kind in CONFIRM_SUBJECTS:
        subject = CONFIRM_SUBJECTS[kind] % codes
    else:
        subject = SUBJECTS[kind] % codes
    send_message(enrollment.student.email, subject, f"enrollment/email/{kind}", context)


def send_lost_links(student: Student) -> None:
    """E-mail a student the private links of all their enrollments (the "lost your link?" page)."""
    enrollments = list(student.enrollments.select_related("cohort__course").order_by("-created_at"))
    context = {
        "student": student,
        "links": [(e, settings.SITE_URL + e.get_absolute_url()) for e in enrollments],
        **school_context(),
    }
    subject = _("Your %(school_name)s enrollment links") % {"school_name": context["school_name"]}
    send_message(student.email, subject, "enrollment/email/lost_links", context)


def send_message(
    to: str, subject: str, template: str, context: dict, *, attachments: list[tuple[str, bytes, str]] = ()
) -> None:
    """Render and send one e-mail (text and the same words as HTML); `attachments` are (filename, bytes, type)."""
    text = render_to_string(f"{template}.txt", context)
    # The HTML part is the same words, laid out: one source for both so they never disagree.
    html = render_to_string("enrollment/email/message.html", {**context, "body_template": f"{template}.txt"})
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
