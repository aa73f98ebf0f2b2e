"""Messages staff write to a student about an enrollment: stored, audited and e-mailed in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from enrollment import notifications
from enrollment.models import Enrollment, StudentMessage
from enrollment.services.core import EnrollmentError, audit

MESSAGE_MAX_LENGTH = 4000


def send_student_message(*, enrollment: Enrollment, actor: AbstractBaseUser, body: str) -> StudentMessage:
    """Write a message meant for the student: shown on their status page and e-mailed through the outbox.

    Unlike a decision's reason or the audit trail (internal), this text is the student's to read.
    """
    body = body.strip()
    if not body:
        raise EnrollmentError(_("Write the message the student should read."), code="message_required")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise EnrollmentError(
            _("Keep the message under %(limit)s characters: it is e-mailed as it is.") % {"limit": MESSAGE_MAX_LENGTH},
            code="message_too_long",
        )
    with transaction.atomic():
        enrollment = Enrollment.objects.select_related("student", "cohort").get(pk=enrollment.pk)
        email = notifications.notify(enrollment, "staff_message")
        message = StudentMessage.objects.create(enrollment=enrollment, body=body, written_by=actor, email=email)
        audit(action="enrollment.message_sent", enrollment=enrollment, actor=actor, data={"message": message.pk})
        return message
