"""Clinical and field experience: the only path to a booking, a patient contact or a preceptor's sign-off.

Built on the enrollment app's services: its one domain error (`EnrollmentError`, codes listed once in
`enrollment/services/core.py`), its audit row, and its credentials (a clearance document is a credential of a type the
course requires "before clinical shifts").

A shift's places are like a cohort's seats: `book_shift` locks the enrollment, then the shift, counts the live
bookings, then writes, all in one transaction. Places are derived, never stored: a live booking is one that is booked
and whose enrollment is still seated (`Booking.objects.live()`), so a withdrawal frees the student's shifts without
this app being told.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinical.models import (
    Booking,
    BookingStatus,
    ClinicalMinimum,
    MinimumKind,
    PatientContact,
    PreceptorLink,
    Shift,
    Site,
    SiteKind,
)
from clinical.phi import find_phi
from courses.models import ClassSession, Cohort, CredentialType, Requirement, RequirementStage
from courses.schedule import ScheduleError, chosen_days, school_time
from enrollment.models import Credential, CredentialStatus, Enrollment, EnrollmentStatus, OutgoingEmail
from enrollment.notifications import notify, notify_address
from enrollment.portal import RosterNote
from enrollment.services import EnrollmentError, audit

# The outbox kind of the preceptor's e-mail (its sender: clinical/notifications.py).
PRECEPTOR_LINK_EMAIL = "preceptor_link"

# Enrollments that may go on shifts: seated in the cohort (not yet completed or withdrawn).
SEATED = EnrollmentStatus.ENROLLED


def booking_closes(shift: Shift) -> datetime.datetime:
    """The moment booking and dropping `shift` closes."""
    return shift.starts_at - datetime.timedelta(hours=settings.CLINICAL_BOOKING_CLOSES_HOURS)


def log_closes(shift: Shift) -> datetime.datetime:
    """The moment logging patient contacts for `shift` closes."""
    return shift.ends_at + datetime.timedelta(hours=settings.CLINICAL_LOG_HOURS)


def when_text(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "l, F j, Y, g:i A")


# --- Clearance ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClearanceItem:
    """One clearance document a course requires, and where the student stands on it for a given day."""

    credential_type: CredentialType
    credential: Credential | None  # the best one on file
    cleared: bool
    message: str  # what is wrong and what to do; empty when cleared


@dataclass(frozen=True)
class Clearance:
    day: datetime.date
    items: tuple[ClearanceItem, ...]

    @property
    def cleared(self) -> bool:
        return all(item.cleared for item in self.items)

    @property
    def missing(self) -> tuple[ClearanceItem, ...]:
        return tuple(item for item in self.items if not item.cleared)


@dataclass(frozen=True)
class ClearanceFile:
    """A student's clearance documents as they are on file, loaded once, to be weighed against any day."""

    requirements: tuple[Requirement, ...]
    credentials: tuple[Credential, ...]

    def on(self, day: datetime.date) -> Clearance:
        """Is the student cleared for a shift on `day`: every clearance document the course requires verified by
        staff and valid on that day."""
        items = []
        for requirement in self.requirements:
            ctype = requirement.credential_type
            mine = [c for c in self.credentials if c.credential_type_id == ctype.pk]
            good = [c for c in mine if c.status == CredentialStatus.VERIFIED and c.is_valid_on(day)]
            best = max(good or mine, key=lambda c: (c.expires_on or datetime.date.max, c.pk), default=None)
            words = {"name": ctype.name, "day": date_format(day, "F j, Y")}
            if good:
                message = ""
            elif best is None:
                message = _("Upload your %(name)s on your clinicals page; staff verify it before you can book.")
            elif best.status == CredentialStatus.REJECTED:
                message = _("Staff could not accept your %(name)s. Upload a new one on your clinicals page.")
            elif not best.is_valid_on(day):
                words["expires"] = date_format(best.expires_on, "F j, Y")
                message = _(
                    "Your %(name)s expires on %(expires)s, before the shift (%(day)s). Upload the renewed one on "
                    "your clinicals page."
                )
            else:
                message = _("Your %(name)s is waiting for staff to verify it. You can book once it is verified.")
            items.append(ClearanceItem(ctype, best, bool(good), message % words))
        return Clearance(day=day, items=tuple(items))


def clearance_on_file(enrollment: Enrollment) -> ClearanceFile:
    """The course's clearance requirements and the student's documents for them. Two queries."""
    requirements = tuple(
        Requirement.objects.for_clinicals()
        .filter(course_id=enrollment.cohort.course_id)
        .select_related("credential_type")
        .order_by("credential_type__name")
    )
    credentials = tuple(
        Credential.objects.on_file(enrollment=enrollment).filter(
            student_id=enrollment.student_id, credential_type__in=[r.credential_type_id for r in requirements]
        )
    )
    return ClearanceFile(requirements, credentials)


def clearance(enrollment: Enrollment, *, on: datetime.date) -> Clearance:
    """Is the student cleared for a shift on `on` (see ClearanceFile.on)."""
    return clearance_on_file(enrollment).on(on)


# --- Booking ------------------------------------------------------------------------------------------------------


def takes_clinicals(enrollment: Enrollment) -> bool:
    """Seated in a cohort whose course has clinical minimums."""
    return (
        enrollment.status == SEATED and ClinicalMinimum.objects.filter(course_id=enrollment.cohort.course_id).exists()
    )


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


# --- Patient contacts ---------------------------------------------------------------------------------------------


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


# --- Preceptor sign-off -------------------------------------------------------------------------------------------


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


# --- Progress -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinimumProgress:
    minimum: ClinicalMinimum
    done: Decimal

    @property
    def met(self) -> bool:
        return self.done >= self.minimum.amount


def progress(enrollment: Enrollment) -> list[MinimumProgress]:
    """Each of the course's clinical minimums against what is signed: only a preceptor's sign-off counts."""
    return progress_of([enrollment], course_id=enrollment.cohort.course_id)[enrollment.pk]


def progress_of(enrollments: list[Enrollment], *, course_id: int) -> dict[int, list[MinimumProgress]]:
    """progress() for many enrollments of one course, in three queries (the roster's)."""
    order = list(MinimumKind.values)  # hours before contacts, as the kinds are listed
    minimums = sorted(ClinicalMinimum.objects.filter(course_id=course_id), key=lambda m: order.index(m.kind))
    signed: dict[int, list[Booking]] = {e.pk: [] for e in enrollments}
    if minimums:
        for booking in (
            Booking.objects.filter(enrollment__in=[e.pk for e in enrollments], signed_at__isnull=False, attended=True)
            .select_related("shift__site")
            .prefetch_related("contacts")
        ):
            signed[booking.enrollment_id].append(booking)
    return {pk: [MinimumProgress(m, _done(m.kind, bookings)) for m in minimums] for pk, bookings in signed.items()}


# Behind on clinicals: some minimum is more than this far behind the share of the cohort's days gone by (a quarter of
# the way through with nothing signed is fine; half way through with less than a quarter of the ED hours is not).
BEHIND_MARGIN = Decimal("0.25")


def behind_on_clinicals(
    items: list[MinimumProgress], *, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date
) -> list[MinimumProgress]:
    """The minimums a student is behind on, for the instructor's at-risk flag."""
    length = max((ends_on - starts_on).days, 1)
    gone = Decimal(min(max((today - starts_on).days, 0), length)) / Decimal(length)
    return [item for item in items if not item.met and item.done / item.minimum.amount < gone - BEHIND_MARGIN]


def _done(kind: str, signed: Iterable[Booking]) -> Decimal:
    def hours(bookings: Iterable[Booking]) -> Decimal:
        return (Decimal(sum(b.signed_minutes or 0 for b in bookings)) / 60).quantize(Decimal("0.1"))

    confirmed = [c for b in signed for c in b.contacts.all() if c.confirmed]
    match kind:
        case MinimumKind.ED_HOURS:
            return hours(b for b in signed if b.shift.site.kind == SiteKind.EMERGENCY_DEPARTMENT)
        case MinimumKind.AMBULANCE_HOURS:
            return hours(b for b in signed if b.shift.site.kind == SiteKind.AMBULANCE)
        case MinimumKind.ANY_HOURS:
            return hours(signed)
        case MinimumKind.CONTACTS:
            return Decimal(len(confirmed))
        case MinimumKind.TEAM_LEADS:
            return Decimal(sum(1 for c in confirmed if c.team_lead))
    raise ValueError(f"unknown clinical minimum kind {kind!r}")


# --- Reminders ----------------------------------------------------------------------------------------------------

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


# --- The staff's clearance board ----------------------------------------------------------------------------------


def clearance_board(cohort_id: int) -> tuple[list[Requirement], list[tuple[Enrollment, ClearanceFile]]]:
    """Every seated student of a cohort with their clearance documents, for the staff's board. Three queries,
    whatever the size of the cohort."""
    enrollments = list(
        Enrollment.objects.filter(cohort_id=cohort_id, status=SEATED)
        .select_related("student", "cohort")
        .order_by("student__last_name", "student__first_name", "pk")
    )
    if not enrollments:
        return [], []
    course_id = enrollments[0].cohort.course_id
    requirements = list(
        Requirement.objects.for_clinicals()
        .filter(course_id=course_id)
        .select_related("credential_type")
        .order_by("credential_type__name")
    )
    credentials: dict[int, list[Credential]] = {}
    for credential in Credential.objects.on_file().filter(
        student_id__in=[e.student_id for e in enrollments],
        credential_type__in=[r.credential_type_id for r in requirements],
    ):
        credentials.setdefault(credential.student_id, []).append(credential)
    return requirements, [
        (enrollment, ClearanceFile(tuple(requirements), tuple(credentials.get(enrollment.student_id, ()))))
        for enrollment in enrollments
    ]


# --- The instructor's roster --------------------------------------------------------------------------------------


def roster_notes(cohort: Cohort, enrollments: list[Enrollment], now: datetime.datetime) -> dict[int, list[RosterNote]]:
    """The roster's clinical line per student ("Clinicals: ED hours 12 of 24 · ..."), at risk when behind
    (behind_on_clinicals). Registered with the portal in ClinicalConfig.ready(); three queries per roster."""
    progress = progress_of(enrollments, course_id=cohort.course_id)
    today = timezone.localdate(now)
    notes = {}
    for pk, items in progress.items():
        if not items:
            continue
        behind = behind_on_clinicals(items, starts_on=cohort.starts_on, ends_on=cohort.ends_on, today=today)
        parts = [
            _("%(what)s %(done)s of %(amount)s")
            % {
                "what": SHORT_NAMES.get(item.minimum.kind, item.minimum.get_kind_display()),
                "done": f"{item.done.normalize():f}",
                "amount": f"{item.minimum.amount.normalize():f}",
            }
            for item in items
        ]
        text = _("Clinicals: %(parts)s") % {"parts": " · ".join(parts)}
        if behind:
            text += " " + _("(behind)")
        notes[pk] = [RosterNote(text, at_risk=bool(behind))]
    return notes


SHORT_NAMES = {  # shown on the roster: gettext_lazy, translated when the page renders
    MinimumKind.ED_HOURS: gettext_lazy("ED h"),
    MinimumKind.AMBULANCE_HOURS: gettext_lazy("ambulance h"),
    MinimumKind.ANY_HOURS: gettext_lazy("clinical h"),
    MinimumKind.CONTACTS: gettext_lazy("contacts"),
    MinimumKind.TEAM_LEADS: gettext_lazy("team leads"),
}


# --- Publishing a series of shifts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftSeriesRequest:
    """ "Every Saturday 7 am-7 pm at Station 14 until June": weekdays (Monday 0), wall-clock times in Chicago (an end
    at or before the start is the next morning: a night shift), the days it spans and the days left out."""

    site: Site
    weekdays: frozenset[int]
    starts_at: datetime.time
    ends_at: datetime.time
    first_day: datetime.date
    last_day: datetime.date
    capacity: int
    cohort: Cohort | None = None
    preceptor_name: str = ""
    preceptor_email: str = ""
    holidays: frozenset[datetime.date] = frozenset()
    skip_federal_holidays: bool = False  # hospitals and ambulances run on holidays


@dataclass(frozen=True)
class PlannedShift:
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def hours(self) -> Decimal:
        # In UTC: aware datetimes of one zone subtract as wall-clock times, which is an hour off across a change.
        elapsed = self.ends_at.astimezone(datetime.UTC) - self.starts_at.astimezone(datetime.UTC)
        return (Decimal(elapsed.total_seconds()) / 3600).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ShiftSeriesPlan:
    request: ShiftSeriesRequest
    shifts: tuple[PlannedShift, ...]
    skipped: tuple[tuple[datetime.date, str], ...]

    @property
    def fingerprint(self) -> str:
        """A digest of exactly what "Publish" makes, so a plan that changed since the preview is refused."""
        text = "\n".join(f"{s.starts_at.isoformat()}|{s.ends_at.isoformat()}" for s in self.shifts)
        text += (
            f"\n{self.request.site.pk}|{self.request.cohort.pk if self.request.cohort else ''}|{self.request.capacity}"
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_shift_series(request: ShiftSeriesRequest) -> ShiftSeriesPlan:
    """The shifts a series would publish, walked on the school's calendar like class sessions (courses.schedule).
    Refusals are ScheduleErrors with the schedule generator's codes."""
    if not request.weekdays:
        raise ScheduleError(_("Choose at least one day of the week."), code="no_weekday", field="weekdays")
    if request.starts_at == request.ends_at:
        raise ScheduleError(
            _("A shift must end at another time than it starts: check the end time."),
            code="ends_before_start",
            field="ends_at",
        )
    if request.last_day < request.first_day:
        raise ScheduleError(
            _("The last day is before the first day: swap them or correct one."),
            code="dates_out_of_order",
            field="last_day",
        )
    days, skipped = chosen_days(
        weekdays=request.weekdays,
        first_day=request.first_day,
        last_day=request.last_day,
        holidays=request.holidays,
        skip_federal_holidays=request.skip_federal_holidays,
    )
    if not days:
        raise ScheduleError(
            _("No day in that range is left: check the days of the week, the dates and the days left out."),
            code="no_sessions",
        )
    zone = timezone.get_default_timezone()
    overnight = request.ends_at <= request.starts_at
    shifts = tuple(
        PlannedShift(
            starts_at=school_time(day, request.starts_at, zone, field="starts_at"),
            ends_at=school_time(day + datetime.timedelta(days=overnight), request.ends_at, zone, field="ends_at"),
        )
        for day in days
    )
    return ShiftSeriesPlan(request=request, shifts=shifts, skipped=tuple(skipped))


@transaction.atomic
def publish_shift_series(*, request: ShiftSeriesRequest, fingerprint: str) -> list[Shift]:
    """Publish exactly the shifts the preview showed (its `fingerprint`), all or none."""
    plan = plan_shift_series(request)
    if plan.fingerprint != fingerprint:
        raise ScheduleError(
            _("The series changed since the preview: look at the new preview, then publish again."),
            code="plan_changed",
        )
    return Shift.objects.bulk_create(
        Shift(
            site=request.site,
            cohort=request.cohort,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=request.capacity,
            preceptor_name=request.preceptor_name,
            preceptor_email=request.preceptor_email,
        )
        for s in plan.shifts
    )
