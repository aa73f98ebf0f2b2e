"""Booking and dropping a shift: lock the enrollment and the shift, check, count the live bookings, write."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinical.models import (
    Booking,
    BookingStatus,
    Shift,
)
from clinical.services.clearance import (
    clearance,
)
from clinical.services.core import SEATED, booking_closes, minimums_of, when_text
from courses.models import ClassSession
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError, audit


def takes_clinicals(enrollment: Enrollment) -> bool:
    """Seated in a cohort whose course has clinical minimums."""
    if enrollment.status != SEATED:
        return False
    course = enrollment.cohort.course
    return bool(minimums_of([course])[course.pk])


def _refuse_unless_open_to(shift: Shift, enrollment: Enrollment) -> None:
    if not takes_clinicals(enrollment) or (shift.cohort_id is not None and shift.cohort_id != enrollment.cohort_id):
        raise EnrollmentError(
            _(
                "Clinical shifts are for students seated in a course with clinical requirements, and this shift is "
                "not open to your cohort. Choose a shift listed on your clinicals page, or call the school office."
            ),
            code="not_enrolled",
        )


def _refuse_after_close(shift: Shift, now: datetime.datetime, *, doing: str) -> None:
    if now >= booking_closes(shift):
        raise EnrollmentError(
            _(
                "%(doing)s closed on %(closed)s, %(hours)s hours before the shift starts. Call the school office if "
                "you cannot make it."
            )
            % {
                "doing": doing,
                "closed": when_text(booking_closes(shift)),
                "hours": settings.CLINICAL_BOOKING_CLOSES_HOURS,
            },
            code="booking_closed",
        )


def _refuse_overlaps(shift: Shift, enrollment: Enrollment) -> None:
    during = Q(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
    other = (
        Booking.objects.live()
        .filter(enrollment=enrollment, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        .exclude(shift=shift)
        .select_related("shift__site")
        .first()
    )
    if other is not None:
        raise EnrollmentError(
            _("You are booked on another shift at that time (%(shift)s). Drop it first, or choose another shift.")
            % {"shift": f"{other.shift.site}, {when_text(other.shift.starts_at)}"},
            code="overlaps",
        )
    session = ClassSession.objects.filter(during, cohort_id=enrollment.cohort_id).first()
    if session is not None:
        raise EnrollmentError(
            _("You have class at that time (%(topic)s, %(when)s). Choose a shift that does not clash with class.")
            % {"topic": session.topic, "when": when_text(session.starts_at)},
            code="overlaps",
        )


@transaction.atomic
def book_shift(
    *, shift: Shift, enrollment: Enrollment, actor: AbstractBaseUser | None = None, now: datetime.datetime | None = None
) -> Booking:
    """Book a place on a clinical shift: lock the enrollment and the shift, check, count the live bookings, write."""
    now = now or timezone.now()
    enrollment = Enrollment.objects.select_for_update().select_related("cohort").get(pk=enrollment.pk)
    shift = Shift.objects.select_for_update().select_related("site").get(pk=shift.pk)
    _refuse_unless_open_to(shift, enrollment)
    _refuse_after_close(shift, now, doing=_("Booking"))
    if Booking.objects.live().filter(shift=shift, enrollment=enrollment).exists():
        raise EnrollmentError(_("You are already booked on this shift."), code="already_booked")
    cleared = clearance(enrollment, on=timezone.localdate(shift.starts_at))
    if not cleared.cleared:
        raise EnrollmentError(
            _("You are not yet cleared for clinical shifts on %(day)s. %(what)s")
            % {"day": date_format(cleared.day, "F j, Y"), "what": " ".join(i.message for i in cleared.missing)},
            code="not_cleared",
        )
    _refuse_overlaps(shift, enrollment)
    if Booking.objects.live().filter(shift=shift).count() >= shift.capacity:
        raise EnrollmentError(
            _("Every place on this shift is booked. Choose another shift; places free up when others drop."),
            code="shift_full",
        )
    booking = Booking.objects.create(shift=shift, enrollment=enrollment, booked_at=now)
    audit(
        action="clinical.booked",
        enrollment=enrollment,
        actor=actor,
        data={"shift": shift.pk, "site": shift.site.name, "starts_at": shift.starts_at.isoformat()},
    )
    return booking


@transaction.atomic
def drop_booking(
    *, booking: Booking, actor: AbstractBaseUser | None = None, now: datetime.datetime | None = None
) -> Booking:
    """Give a place back, up to the booking deadline."""
    now = now or timezone.now()
    enrollment = Enrollment.objects.select_for_update().get(pk=booking.enrollment_id)
    shift = Shift.objects.select_for_update().select_related("site").get(pk=booking.shift_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.BOOKED:
        raise EnrollmentError(_("This booking has already been dropped."), code="not_booked")
    if booking.is_signed:
        raise EnrollmentError(
            _("Your preceptor has signed this shift, so it cannot be dropped."), code="already_signed"
        )
    _refuse_after_close(shift, now, doing=_("Dropping the shift"))
    booking.status = BookingStatus.DROPPED
    booking.dropped_at = now
    booking.save(update_fields=["status", "dropped_at"])
    audit(
        action="clinical.dropped",
        enrollment=enrollment,
        actor=actor,
        data={"shift": shift.pk, "site": shift.site.name, "starts_at": shift.starts_at.isoformat()},
    )
    return booking
