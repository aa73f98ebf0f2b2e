"""E-mails to students about their enrollment, sent only after the change that caused them has committed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

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


def notify(enrollment: Enrollment, kind: str) -> None:
    """E-mail the student about `enrollment` once the current transaction commits (never for a rollback)."""
    # The object as written (with its student, cohort and course loaded) is what committed: no need to read it again.
    transaction.on_commit(lambda: send_enrollment_email(enrollment, kind))


def send_enrollment_email(enrollment: Enrollment | int, kind: str) -> None:
    from enrollment.models import Enrollment
    from enrollment.services import waitlist_position

    if not isinstance(enrollment, Enrollment):
        enrollment = Enrollment.objects.select_related("student", "cohort__course").get(pk=enrollment)
    context = {
        "enrollment": enrollment,
        "student": enrollment.student,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "status_url": settings.SITE_URL + enrollment.get_absolute_url(),
        "position": waitlist_position(enrollment),
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
