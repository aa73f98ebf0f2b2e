"""Reminders that a clearance document expires in 30 or 7 days."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.models import RequirementStage
from enrollment.models import Credential, CredentialStatus, Enrollment, EnrollmentStatus, OutgoingEmail
from enrollment.notifications import notify

# A clearance document's owner is reminded this many days before it expires, once each.
REMINDER_DAYS = (30, 7)
DOCUMENT_EXPIRING_EMAIL = "document_expiring"


def remind_expiring_documents(*, today: datetime.date | None = None) -> int:
    """The daily reminders: every clearance document of a seated student in a course with clinical requirements that
    expires in 30 or 7 days gets one e-mail per reminder day (a day missed while the worker was down is caught up,
    never sent twice). Returns how many were queued."""
    today = today or timezone.localdate()
    queued = 0
    for days in REMINDER_DAYS:
        kind = f"{DOCUMENT_EXPIRING_EMAIL}_{days}"
        due = (
            Credential.objects.on_file()
            .exclude(status=CredentialStatus.REJECTED)
            .filter(
                expires_on__gte=today,
                expires_on__lte=today + datetime.timedelta(days=days),
                # The later reminder covers the earlier one: a document found 10 days out gets only the 7-day one
                # when it comes, not a 30-day one today.
                expires_on__gt=today + datetime.timedelta(days=_next_shorter(days)),
                credential_type__requirements__needed_for=RequirementStage.CLINICAL,
                credential_type__requirements__course=F("student__enrollments__cohort__course"),
                student__enrollments__status=EnrollmentStatus.ENROLLED,
            )
            .annotate(enrollment_id=F("student__enrollments__pk"))
        )
        for credential_id, enrollment_id in due.values_list("pk", "enrollment_id").distinct():
            if OutgoingEmail.objects.filter(kind=kind, about_id=credential_id, enrollment_id=enrollment_id).exists():
                continue
            with transaction.atomic():
                notify(Enrollment(pk=enrollment_id), kind, about_id=credential_id)
            queued += 1
    return queued


def _next_shorter(days: int) -> int:
    shorter = [d for d in REMINDER_DAYS if d < days]
    return max(shorter) if shorter else -1
