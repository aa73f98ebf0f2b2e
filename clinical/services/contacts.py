"""Patient contacts, logged after a shift within the log window, with no protected health information."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinical.models import (
    Booking,
    BookingStatus,
    PatientContact,
)
from clinical.phi import find_phi
from clinical.services.core import log_closes, when_text
from enrollment.services import EnrollmentError, audit


@dataclass(frozen=True)
class ContactDetails:
    age_group: str
    complaint: str
    skills: str = ""
    team_lead: bool = False
    note: str = ""


def refuse_phi(note: str) -> None:
    """Raise phi_in_note when the note looks like it names, dates or numbers a patient."""
    if found := find_phi(note):
        raise EnrollmentError(found, code="phi_in_note")


@transaction.atomic
def log_contact(*, booking: Booking, details: ContactDetails, now: datetime.datetime | None = None) -> PatientContact:
    """Log a patient contact on a shift the student was booked on, after it ends and within the log window."""
    now = now or timezone.now()
    booking = Booking.objects.select_for_update().select_related("shift", "enrollment").get(pk=booking.pk)
    if booking.status != BookingStatus.BOOKED:
        raise EnrollmentError(_("This shift was dropped, so it has no contacts to log."), code="not_booked")
    if booking.is_signed:
        raise EnrollmentError(
            _("Your preceptor has signed this shift, so its log is locked. Call the school office to correct it."),
            code="already_signed",
        )
    if now < booking.shift.ends_at:
        raise EnrollmentError(
            _("Log your patient contacts after the shift ends (%(end)s).") % {"end": when_text(booking.shift.ends_at)},
            code="shift_not_over",
        )
    if now > log_closes(booking.shift):
        raise EnrollmentError(
            _(
                "Contacts must be logged within %(hours)s hours of the shift's end; this one closed on %(closed)s. "
                "Call the school office."
            )
            % {"hours": settings.CLINICAL_LOG_HOURS, "closed": when_text(log_closes(booking.shift))},
            code="late_log",
        )
    refuse_phi(details.note)
    refuse_phi(details.skills)
    contact = PatientContact.objects.create(
        booking=booking,
        age_group=details.age_group,
        complaint=details.complaint,
        skills=details.skills,
        team_lead=details.team_lead,
        note=details.note,
        logged_at=now,
    )
    audit(
        action="clinical.contact_logged",
        enrollment=booking.enrollment,
        actor=None,
        data={"booking": booking.pk, "contact": contact.pk},
    )
    return contact
