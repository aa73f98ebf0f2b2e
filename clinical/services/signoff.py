"""The preceptor's one-time link and sign-off: signed entries are locked and only they count."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinical.models import (
    Booking,
    BookingStatus,
    PreceptorLink,
    Shift,
)
from clinical.services.core import PRECEPTOR_LINK_EMAIL, when_text
from enrollment.notifications import notify_address
from enrollment.services import EnrollmentError, audit


@transaction.atomic
def issue_preceptor_link(
    *, shift: Shift, actor: AbstractBaseUser | None = None, now: datetime.datetime | None = None
) -> PreceptorLink:
    """A new one-time sign-off link for the shift's preceptor, e-mailed through the outbox after commit."""
    now = now or timezone.now()
    link = PreceptorLink.objects.create(
        shift=shift,
        email=shift.preceptor_email,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.CLINICAL_PRECEPTOR_LINK_DAYS),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if shift.preceptor_email:
        notify_address(shift.preceptor_email, PRECEPTOR_LINK_EMAIL, about_id=link.pk)
    return link


def send_links_for_ended_shifts(*, now: datetime.datetime | None = None) -> int:
    """The minute job: every shift that ended in the last day, has bookings and a preceptor's address, and has no
    link yet, gets one. Returns how many were sent."""
    now = now or timezone.now()
    due = (
        Shift.objects.filter(ends_at__lte=now, ends_at__gt=now - datetime.timedelta(days=1), preceptor_links=None)
        .exclude(preceptor_email="")
        .filter(bookings__status=BookingStatus.BOOKED)
        .distinct()
    )
    sent = 0
    for shift in due:
        issue_preceptor_link(shift=shift, now=now)
        sent += 1
    return sent


def preceptor_link(token: str, *, now: datetime.datetime | None = None) -> PreceptorLink:
    """The link a token opens, refused with a sentence when it is unknown, used or expired."""
    now = now or timezone.now()
    link = PreceptorLink.objects.select_related("shift__site").filter(token=token).first()
    if link is None or link.used_at is not None:
        raise EnrollmentError(
            _(
                "This sign-off link is not valid or has already been used. Signed entries are locked; call the "
                "school office to change them."
            ),
            code="link_used",
        )
    if now >= link.expires_at:
        raise EnrollmentError(
            _("This sign-off link expired on %(when)s. Ask the school office for a new one.")
            % {"when": when_text(link.expires_at)},
            code="link_expired",
        )
    return link


@dataclass(frozen=True)
class SignedBooking:
    """The preceptor's word on one student: attended, the minutes to count and each contact confirmed or not."""

    attended: bool
    minutes: int
    contacts: Mapping[int, bool]


@transaction.atomic
def sign_off(
    *,
    token: str,
    entries: Mapping[int, SignedBooking],
    name: str,
    credential_number: str,
    now: datetime.datetime | None = None,
) -> list[Booking]:
    """The preceptor confirms (or corrects) each student's hours, attendance and contacts, and signs; the link is
    used up and the entries are locked."""
    now = now or timezone.now()
    link = preceptor_link(token, now=now)
    link = PreceptorLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:  # two tabs signing at once
        preceptor_link(token, now=now)
    shift = Shift.objects.select_for_update().get(pk=link.shift_id)
    if not name.strip() or not credential_number.strip():
        raise EnrollmentError(_("Sign with your name and your credential or license number."), code="reason_required")
    shift_minutes = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
    bookings = list(
        Booking.objects.live().filter(shift=shift).select_related("enrollment").prefetch_related("contacts")
    )
    for booking in bookings:
        entry = entries.get(booking.pk, SignedBooking(attended=False, minutes=0, contacts={}))
        if not 0 <= entry.minutes <= shift_minutes:
            raise EnrollmentError(
                _("Minutes must be between 0 and %(max)s, the length of the shift.") % {"max": shift_minutes},
                code="minutes_out_of_range",
            )
        booking.attended = entry.attended
        booking.signed_minutes = entry.minutes if entry.attended else 0
        booking.signed_at = now
        booking.signed_by_name = name.strip()
        booking.signed_by_credential = credential_number.strip()
        booking.save(
            update_fields=["attended", "signed_minutes", "signed_at", "signed_by_name", "signed_by_credential"]
        )
        for contact in booking.contacts.all():
            contact.confirmed = bool(entry.attended and entry.contacts.get(contact.pk, False))
            contact.save(update_fields=["confirmed"])
        audit(
            action="clinical.signed",
            enrollment=booking.enrollment,
            actor=None,
            data={
                "booking": booking.pk,
                "attended": booking.attended,
                "minutes": booking.signed_minutes,
                "contacts_confirmed": sum(1 for c in booking.contacts.all() if c.confirmed),
                "preceptor": booking.signed_by_name,
            },
        )
    link.used_at = now
    link.save(update_fields=["used_at"])
    return bookings
