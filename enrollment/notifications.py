"""E-mails to students about their enrollment, sent only after the change that caused them has committed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

if TYPE_CHECKING:
    from enrollment.models import Enrollment, Student

SUBJECTS = {
    "enrolled": "You are enrolled in {code}",
    "pending_review": "We received your signup for {code}: staff will verify your credentials",
    "waitlisted": "You are on the waitlist for {code}",
    "offered": "A seat in {code} is yours if you accept it",
    "offer_lapsed": "Your offer for {code} has lapsed",
    "withdrawn": "You have withdrawn from {code}",
    "rejected": "Your signup for {code} was not accepted",
    "link_reminder": "Your private link for {code}",
}


# A queued e-mail that failed this many times is left for staff to look at (OutgoingEmail.last_error).
MAX_ATTEMPTS = 5


def notify(enrollment: Enrollment, kind: str) -> None:
    """E-mail the student about `enrollment` once the current transaction commits (never for a rollback).

    EMAIL_DELIVERY=inline (the default) sends it right after the commit, in the request. EMAIL_DELIVERY=queued
    writes an OutgoingEmail row in the same transaction instead, for `manage.py send_queued_email` to send: the
    request then never waits on rendering or on the mail server, which is what a production site under a signup
    rush wants.
    """
    if settings.EMAIL_DELIVERY == "queued":
        from enrollment.models import OutgoingEmail

        OutgoingEmail.objects.create(enrollment=enrollment, kind=kind)
        return
    # The object as written (with its student, cohort and course loaded) is what committed: no need to read it again.
    transaction.on_commit(lambda: send_enrollment_email(enrollment, kind))


def send_queued_emails(*, limit: int = 500) -> tuple[int, int]:
    """Send up to `limit` queued e-mails, oldest first; returns (sent, failed). Safe to run in several processes."""
    from enrollment.models import OutgoingEmail

    sent = failed = 0
    tried: list[int] = []  # each e-mail is tried once a run; a failed one waits for the next run
    while sent + failed < limit:
        with transaction.atomic():
            # SKIP LOCKED: two senders never take the same e-mail, and neither waits for the other.
            batch = list(
                OutgoingEmail.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("enrollment__student", "enrollment__cohort__course")
                .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .exclude(pk__in=tried)
                .order_by("created_at", "pk")[: min(50, limit - sent - failed)]
            )
            tried.extend(email.pk for email in batch)
            if not batch:
                break
            for email in batch:
                try:
                    send_enrollment_email(email.enrollment, email.kind)
                except Exception as error:  # a mail server's refusal must not stop the others
                    email.attempts += 1
                    email.last_error = f"{type(error).__name__}: {error}"[:2000]
                    email.save(update_fields=["attempts", "last_error"])
                    failed += 1
                else:
                    email.sent_at = timezone.now()
                    email.attempts += 1
                    email.save(update_fields=["sent_at", "attempts"])
                    sent += 1
    return sent, failed


def send_enrollment_email(enrollment: Enrollment | int, kind: str) -> None:
    from enrollment.models import Enrollment, EnrollmentStatus

    if not isinstance(enrollment, Enrollment):
        enrollment = Enrollment.objects.select_related("student", "cohort__course").get(pk=enrollment)
    position = None
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        # The model's definition of a place in line; the services import this module, so it must not import them.
        waitlist = Enrollment.objects.with_waitlist_position().values_list("waitlist_position", flat=True)
        position = waitlist.get(pk=enrollment.pk)
    context = {
        "enrollment": enrollment,
        "student": enrollment.student,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "status_url": settings.SITE_URL + enrollment.get_absolute_url(),
        "position": position,
        "school_name": settings.SCHOOL_NAME,
    }
    subject = SUBJECTS[kind].format(code=enrollment.cohort.code)
    _send(enrollment.student.email, subject, f"enrollment/email/{kind}", context)


def send_lost_links(student: Student) -> None:
    """E-mail a student the private links of all their enrollments (the "lost your link?" page)."""
    enrollments = list(student.enrollments.select_related("cohort__course").order_by("-created_at"))
    context = {
        "student": student,
        "links": [(e, settings.SITE_URL + e.get_absolute_url()) for e in enrollments],
        "school_name": settings.SCHOOL_NAME,
    }
    _send(student.email, f"Your {settings.SCHOOL_NAME} enrollment links", "enrollment/email/lost_links", context)


def _send(to: str, subject: str, template: str, context: dict) -> None:
    text = render_to_string(f"{template}.txt", context)
    # The HTML part is the same words, laid out: one source for both so they never disagree.
    html = render_to_string("enrollment/email/message.html", {**context, "body_template": f"{template}.txt"})
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
