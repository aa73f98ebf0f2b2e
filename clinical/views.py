"""The student's clinicals page (under their private link) and the preceptor's one-time sign-off page.

Views parse input, call clinical/services.py and turn an EnrollmentError into a message or a form error; every POST
redirects. Neither page needs an account: the private link is the student's key, the e-mailed token the preceptor's.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinical import services
from clinical.forms import ClearanceDocumentForm, ContactForm, SignOffForm
from clinical.models import Booking, BookingStatus, PatientContact, Shift
from enrollment import services as enrollment_services
from enrollment.models import Enrollment
from enrollment.views import StatusPageSection

# How many upcoming shifts the page lists; staff publish weeks ahead, and the page stays small on a phone.
SHIFTS_LISTED = 40


def _enrollment_for_token(token: str) -> Enrollment:
    return get_object_or_404(Enrollment.objects.select_related("student", "cohort__course"), token=token)


def _clinicals_url(enrollment: Enrollment) -> str:
    return reverse("clinical:clinicals", kwargs={"token": enrollment.token})


@never_cache
@require_http_methods(["GET"])
def clinicals(request: HttpRequest, token: str) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    return _clinicals_page(request, enrollment)


def _clinicals_page(
    request: HttpRequest, enrollment: Enrollment, *, document_form: ClearanceDocumentForm | None = None, status=200
) -> HttpResponse:
    now = timezone.now()
    takes_part = services.takes_clinicals(enrollment)
    context = {"enrollment": enrollment, "cohort": enrollment.cohort, "course": enrollment.cohort.course}
    if not takes_part:
        return render(request, "clinical/clinicals.html", {**context, "takes_part": False}, status=status)
    on_file = services.clearance_on_file(enrollment)
    today = on_file.on(timezone.localdate())
    bookings = list(
        Booking.objects.filter(enrollment=enrollment, status=BookingStatus.BOOKED)
        .select_related("shift__site")
        .prefetch_related(Prefetch("contacts", queryset=PatientContact.objects.order_by("logged_at", "pk")))
        .order_by("shift__starts_at")
    )
    booked_shifts = {b.shift_id for b in bookings}
    shifts = list(
        Shift.objects.upcoming(now=now)
        .filter(Q(cohort__isnull=True) | Q(cohort_id=enrollment.cohort_id), site__is_active=True)
        .with_booked()
        .select_related("site")
        .order_by("starts_at")[:SHIFTS_LISTED]
    )
    offered = [
        {
            "shift": shift,
            "full": shift.booked >= shift.capacity,
            "closed": now >= services.booking_closes(shift),
            "clearance": on_file.on(timezone.localdate(shift.starts_at)),
        }
        for shift in shifts
        if shift.pk not in booked_shifts
    ]
    rows = [
        {
            "booking": booking,
            "can_drop": not booking.is_signed and now < services.booking_closes(booking.shift),
            "can_log": not booking.is_signed and booking.shift.ends_at <= now <= services.log_closes(booking.shift),
            "log_closes": services.log_closes(booking.shift),
            "ended": booking.shift.ends_at <= now,
        }
        for booking in bookings
    ]
    context.update(
        takes_part=True,
        clearance=today,
        offered=offered,
        rows=rows,
        progress=services.progress(enrollment),
        document_form=document_form or ClearanceDocumentForm(cohort=enrollment.cohort),
        has_documents=bool(on_file.requirements),
    )
    return render(request, "clinical/clinicals.html", context, status=status)


@never_cache
@require_POST
def add_document(request: HttpRequest, token: str) -> HttpResponse:
    """A clearance document uploaded from the clinicals page: on file unverified until staff verify it."""
    enrollment = _enrollment_for_token(token)
    if not services.takes_clinicals(enrollment):
        messages.info(request, _("This enrollment has no clinical shifts, so it takes no clearance documents."))
        return redirect(_clinicals_url(enrollment))
    form = ClearanceDocumentForm(request.POST, request.FILES, cohort=enrollment.cohort)
    if form.is_valid():
        try:
            credential = enrollment_services.add_credential(enrollment=enrollment, details=form.credential_details())
        except enrollment_services.EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Thank you: your %(name)s is on file. Staff will verify it; you can book shifts once they have.")
                % {"name": credential.credential_type.name},
            )
            return redirect(_clinicals_url(enrollment))
    return _clinicals_page(request, enrollment, document_form=form, status=400)


@never_cache
@require_POST
def book(request: HttpRequest, token: str, shift_id: int) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    shift = get_object_or_404(Shift.objects.select_related("site"), pk=shift_id)
    try:
        services.book_shift(shift=shift, enrollment=enrollment)
    except enrollment_services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You are booked: %(site)s, %(when)s.")
            % {"site": shift.site.name, "when": services.when_text(shift.starts_at)},
        )
    return redirect(_clinicals_url(enrollment))


@never_cache
@require_POST
def drop(request: HttpRequest, token: str, booking_id: int) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    booking = get_object_or_404(Booking.objects.select_related("shift__site"), pk=booking_id, enrollment=enrollment)
    try:
        services.drop_booking(booking=booking)
    except enrollment_services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have dropped the shift at %(site)s.") % {"site": booking.shift.site.name})
    return redirect(_clinicals_url(enrollment))


@never_cache
@require_http_methods(["GET", "POST"])
def log_contact(request: HttpRequest, token: str, booking_id: int) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    booking = get_object_or_404(
        Booking.objects.select_related("shift__site").prefetch_related("contacts"), pk=booking_id, enrollment=enrollment
    )
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.log_contact(booking=booking, details=form.contact_details())
            except enrollment_services.EnrollmentError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Patient contact logged. Your preceptor confirms it when they sign."))
                if "another" in request.POST:
                    return redirect(request.path)
                return redirect(_clinicals_url(enrollment))
        status = 400
    context = {
        "enrollment": enrollment,
        "booking": booking,
        "shift": booking.shift,
        "form": form,
        "log_closes": services.log_closes(booking.shift),
    }
    return render(request, "clinical/log_contact.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def preceptor(request: HttpRequest, token: str) -> HttpResponse:
    """The preceptor's one-time page: confirm or correct each student's hours and contacts, then sign."""
    try:
        link = services.preceptor_link(token)
    except enrollment_services.EnrollmentError as error:
        context = {"message": error.message, "code": error.code}
        return render(request, "clinical/preceptor_done.html", context, status=410)
    shift = link.shift
    bookings = list(
        Booking.objects.live()
        .filter(shift=shift)
        .select_related("enrollment__student")
        .prefetch_related(Prefetch("contacts", queryset=PatientContact.objects.order_by("logged_at", "pk")))
        .order_by("enrollment__student__last_name", "enrollment__student__first_name")
    )
    shift_minutes = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
    form = SignOffForm(request.POST or None, bookings=bookings, shift_minutes=shift_minutes)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.sign_off(
                    token=token,
                    entries=form.entries(),
                    name=form.cleaned_data["name"],
                    credential_number=form.cleaned_data["credential_number"],
                )
            except enrollment_services.EnrollmentError as error:
                form.add_error(None, error.message)
            else:
                message = _("Thank you. Your sign-off is recorded and the entries are locked.")
                return render(request, "clinical/preceptor_done.html", {"message": message, "signed": True})
        status = 400
    context = {"link": link, "shift": shift, "form": form, "shift_minutes": shift_minutes}
    return render(request, "clinical/preceptor.html", context, status=status)


def status_page_section(enrollment: Enrollment) -> StatusPageSection | None:
    """The status page's way to the clinicals page, for a seated student of a course with clinical requirements."""
    if not services.takes_clinicals(enrollment):
        return None
    return StatusPageSection(
        title=_("Clinical and field experience"),
        text=_(
            "Upload your clearance documents, book hospital and ambulance shifts, log your patient contacts and "
            "follow your progress."
        ),
        link_text=_("Your clinicals"),
        url=_clinicals_url(enrollment),
    )
