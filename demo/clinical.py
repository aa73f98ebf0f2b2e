"""The demo school's clinical experience, built through the clinical services as students, staff and preceptors would:
sites, a weekly series of shifts, clearance documents (most verified, one waiting, one expiring soon), bookings,
patient contacts and preceptors' sign-offs, so that `make run` shows every part of it."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from clinical import services as clinical
from clinical.models import AgeGroup, Booking, Complaint, PatientContact, PreceptorLink, Shift, Site, SiteKind
from courses.models import Cohort
from enrollment import services
from enrollment.models import Credential, Enrollment, EnrollmentStatus
from enrollment.services import CredentialDetails

SITES = [
    ("Lakeshore General Hospital — Emergency Department", SiteKind.EMERGENCY_DEPARTMENT, "1740 W Taylor St, Chicago"),
    ("West Loop Ambulance, Medic 14", SiteKind.AMBULANCE, "Station 14, 1129 W Chicago Ave, Chicago"),
    ("Bronzeville Community Hospital — ED", SiteKind.EMERGENCY_DEPARTMENT, "4646 S Cottage Grove Ave, Chicago"),
]
PRECEPTORS = [("Dana Whitfield, RN", "preceptor.ed@example.com"), ("Luis Ortega, EMT-P", "medic14@example.com")]
SKILLS = [
    "Vital signs",
    "Oxygen by non-rebreather",
    "Splinting",
    "12-lead placement",
    "Glucose check",
    "Bleeding control",
]
NOTES = [
    "Assisted with a full set of vitals and the secondary assessment.",
    "Helped move the patient to the stretcher and reassessed en route.",
    "Observed the triage nurse; took the history under supervision.",
    "",
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_default_timezone())


def build(cohort: Cohort, *, staff: AbstractUser, rng: random.Random, today: datetime.date) -> None:
    """Clinicals for the running cohort: weekly shifts from its start to eight weeks ahead."""
    sites = [Site.objects.get_or_create(name=n, defaults={"kind": k, "address": a})[0] for n, k, a in SITES]
    hospital, ambulance = sites[0], sites[1]
    seated = list(cohort.enrollments.filter(status=EnrollmentStatus.ENROLLED).select_related("student"))
    _clear(seated, cohort, staff=staff, rng=rng, today=today)

    # Wednesdays 7 am-3 pm in the ED (2 places), Saturdays 7 am-7 pm on the ambulance (3 places): the cohort's
    # classes are Tuesday and Thursday evenings, so nothing clashes.
    shifts: list[Shift] = []
    day = cohort.starts_on
    until = today + datetime.timedelta(weeks=8)
    while day <= until:
        if day.weekday() == 2:
            shifts.append(_shift(hospital, cohort, day, 7, 15, 2, PRECEPTORS[0]))
        elif day.weekday() == 5:
            shifts.append(_shift(ambulance, cohort, day, 7, 19, 3, PRECEPTORS[1]))
        day += datetime.timedelta(days=1)

    now = timezone.now()
    booked_by = {e.pk: 0 for e in seated}
    for shift in shifts:
        # Students book a week ahead, those with the fewest shifts first.
        candidates = sorted(seated, key=lambda e: (booked_by[e.pk], rng.random()))
        wanted = shift.capacity if shift.starts_at < now else rng.randint(0, shift.capacity)
        booked_at = min(shift.starts_at - datetime.timedelta(days=7), now)
        for enrollment in candidates[:wanted]:
            try:
                booking = clinical.book_shift(shift=shift, enrollment=enrollment, now=booked_at)
            except services.EnrollmentError:
                continue  # not cleared that day (the demo's expiring and unverified documents)
            booked_by[enrollment.pk] += 1
            if shift.ends_at <= now:
                _log_contacts(booking, rng=rng)
        # Every finished shift but the latest is signed; the latest waits for its preceptor.
        if shift.ends_at <= now - datetime.timedelta(days=3) and shift.bookings.exists():
            _sign(shift, rng=rng)


def _shift(site: Site, cohort: Cohort, day: datetime.date, start: int, end: int, places: int, preceptor) -> Shift:
    return Shift.objects.create(
        site=site,
        cohort=cohort,
        starts_at=_at(day, start),
        ends_at=_at(day, end),
        capacity=places,
        preceptor_name=preceptor[0],
        preceptor_email=preceptor[1],
    )


def _clear(
    seated: list[Enrollment], cohort: Cohort, *, staff: AbstractUser, rng: random.Random, today: datetime.date
) -> None:
    """Clearance documents as students upload them and staff verify them. The last student's TB test still waits for
    staff; the one before's expires in three weeks (the 30-day reminder is due)."""
    requirements = cohort.course.requirements.for_clinicals().select_related("credential_type")
    for n, enrollment in enumerate(seated):
        for requirement in requirements:
            ctype = requirement.credential_type
            issued = cohort.starts_on - datetime.timedelta(days=rng.randint(20, 200))
            expires = issued + datetime.timedelta(days=365)
            if n == len(seated) - 2 and ctype.code == "TB_TEST":
                expires = today + datetime.timedelta(days=21)
            credential = services.add_credential(
                enrollment=enrollment,
                details=CredentialDetails(
                    credential_type=ctype,
                    number=f"{ctype.code[:3]}-{rng.randint(10000, 99999)}",
                    issued_on=issued,
                    expires_on=expires,
                ),
            )
            if not (n == len(seated) - 1 and ctype.code == "TB_TEST"):
                services.verify_credential(credential=Credential.objects.get(pk=credential.pk), actor=staff)


def _log_contacts(booking, *, rng: random.Random) -> None:
    logged_at = booking.shift.ends_at + datetime.timedelta(hours=rng.randint(1, 20))
    for _ in range(rng.randint(1, 4)):
        clinical.log_contact(
            booking=booking,
            details=clinical.ContactDetails(
                age_group=rng.choice([AgeGroup.ADULT, AgeGroup.ADULT, AgeGroup.GERIATRIC, AgeGroup.CHILD]),
                complaint=rng.choice(list(Complaint.values)),
                skills=", ".join(rng.sample(SKILLS, 2)),
                team_lead=rng.random() < 0.15,
                note=rng.choice(NOTES),
            ),
            now=logged_at,
        )


def _sign(shift: Shift, *, rng: random.Random) -> None:
    signed_at = shift.ends_at + datetime.timedelta(days=1)
    link = clinical.issue_preceptor_link(shift=shift, now=shift.ends_at)
    minutes = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
    entries = {
        booking.pk: clinical.SignedBooking(
            attended=True,
            minutes=minutes - rng.choice([0, 0, 0, 30]),
            contacts={contact.pk: rng.random() > 0.1 for contact in booking.contacts.all()},
        )
        for booking in shift.bookings.prefetch_related("contacts")
    }
    clinical.sign_off(
        token=link.token, entries=entries, name=shift.preceptor_name, credential_number="IL-PRE-2231", now=signed_at
    )


def delete(cohorts) -> None:
    """The demo reset: the clinical rows of the demo cohorts go before their enrollments (bookings protect them)."""
    shifts = Shift.objects.filter(cohort__in=cohorts)
    PatientContact.objects.filter(booking__shift__in=shifts).delete()
    PreceptorLink.objects.filter(shift__in=shifts).delete()
    Booking.objects.filter(shift__in=shifts).delete()
    shifts.delete()
