"""The student's side: sign up, see where things stand through a private link, accept an offer, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import caches
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import ClassSession, Cohort, Requirement, SchoolProfile
from enrollment import notifications, services, throttling
from enrollment.certificates import certificate_download
from enrollment.forms import CredentialForm, LostLinkForm, SignupForm, WithdrawForm
from enrollment.models import Certificate, Enrollment, EnrollmentStatus, normalise_certificate_code, with_seat_counts
from enrollment.readiness import readiness

S = EnrollmentStatus
NEXT_SESSIONS = 5


def _cohort_for_signup(pk: int) -> Cohort:
    """The cohort with its course, requirements and seat counts, as the public pages show it.

    Kept in the process's memory for PUBLIC_PAGE_CACHE_SECONDS like the other public pages: a signup rush posts to
    the same cohort hundreds of times a second. Nothing here decides a seat: request_seat re-reads the cohort under
    its lock, and the form's fields follow the course's requirements within that second.
    """
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    key = f"signup-cohort:{pk}"
    if seconds > 0 and (cached := caches["pages"].get(key)) is not None:
        return cached
    requirements = Prefetch("course__requirements", queryset=Requirement.objects.select_related("credential_type"))
    cohort = get_object_or_404(
        with_seat_counts(Cohort.objects.public()).select_related("course").prefetch_related(requirements), pk=pk
    )
    if seconds > 0:
        caches["pages"].set(key, cohort, seconds)
    return cohort


RECEIPT_COOKIE = "signup_receipt"
RECEIPT_SALT = "enrollment.signup-receipt"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort_for_signup(pk)
    status = 200
    next_step = None  # where a refused person can go instead (a course open at their age, one that grants a card)
    if request.method == "POST":
        form = SignupForm(request.POST, request.FILES, cohort=cohort)
        # Every POST counts toward a high ceiling; only a signup that passes the form's checks spends the person's
        # budget, so correcting typos never locks anyone out.
        if not throttling.allow(request, scope="signup-posts", rate=settings.SIGNUP_POST_LIMIT) or (
            form.is_valid() and not throttling.allow(request, scope="signup", rate=settings.SIGNUP_RATE_LIMIT)
        ):
            form.add_error(
                None,
                _(
                    "Too many signups have come from your network in the last hour. Please wait a while and try "
                    "again, or call the school office at %(phone)s."
                )
                % {"phone": SchoolProfile.current().phone},
            )
            status = 429
        elif form.is_valid():
            try:
                receipt = services.sign_up(
                    cohort=cohort, student=form.student_details(), credentials=form.credential_details()
                )
            except services.EnrollmentError as error:
                if error.code == "guardian_required":
                    form.guardian_required()
                form.add_error(None, error.message)
                next_step = error.next_step
            else:
                # The outcome travels to the next page in a signed cookie, never the private link: that goes to the
                # address only, so whoever typed it must open the e-mail to see anything on file.
                response = redirect("enrollment:signup_sent", pk=cohort.pk)
                response.set_cookie(
                    RECEIPT_COOKIE,
                    signing.dumps(receipt.as_dict(), salt=RECEIPT_SALT, compress=True),
                    max_age=int(services.confirm_window().total_seconds()),
                    path=reverse("enrollment:signup", args=[cohort.pk]),
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
                return response
        form.drop_uploads()
    else:
        form = SignupForm(cohort=cohort)
    return render(
        request, "enrollment/signup.html", {"cohort": cohort, "form": form, "next_step": next_step}, status=status
    )


def _receipt(request: HttpRequest, cohort: Cohort) -> services.SignupReceipt | None:
    try:
        data = signing.loads(request.COOKIES[RECEIPT_COOKIE], salt=RECEIPT_SALT, max_age=services.confirm_window())
        receipt = services.SignupReceipt.from_dict(data)
    except (KeyError, ValueError, TypeError, signing.BadSignature):
        return None
    return receipt if receipt.cohort_id == cohort.pk else None


@never_cache
@require_http_methods(["GET"])
def signup_sent(request: HttpRequest, pk: int) -> HttpResponse:
    """The page after a signup: the outcome in words, until when it is held, and "confirm from the e-mail"."""
    cohort = _cohort_for_signup(pk)
    receipt = _receipt(request, cohort)
    if receipt is None:
        return redirect("enrollment:signup", pk=cohort.pk)
    return render(request, "enrollment/signup_sent.html", {"cohort": cohort, "receipt": receipt})


@never_cache
@require_POST
def resend_signup_email(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Send the e-mail again", limited per address whoever asks; the answer is the same whatever is on file."""
    cohort = _cohort_for_signup(pk)
    receipt = _receipt(request, cohort)
    if receipt is None:
        return redirect("enrollment:signup", pk=cohort.pk)
    if throttling.allow_key(scope="resend", key=receipt.email, rate=settings.RESEND_RATE_LIMIT):
        services.resend_signup_email(email=receipt.email, cohort_id=cohort.pk)
        messages.success(
            request, _("We have sent the e-mail again. It can take a few minutes; check your spam folder.")
        )
    else:
        messages.warning(
            request,
            _(
                "We have already sent several e-mails to this address in the last hour. Check your spam folder, or "
                "call the school office at %(phone)s."
            )
            % {"phone": SchoolProfile.current().phone},
        )
    return redirect("enrollment:signup_sent", pk=cohort.pk)


def _enrollment_for_token(token: str) -> Enrollment:
    # With the enrollment a staff move replaced this one by (reverse one-to-one; None when not moved), in one query.
    return get_object_or_404(
        Enrollment.objects.select_related("student", "cohort__course", "moved_to__cohort"), token=token
    )


def _moved_to(enrollment: Enrollment) -> Enrollment | None:
    try:
        return enrollment.moved_to
    except Enrollment.moved_to.RelatedObjectDoesNotExist:
        return None


# An enrollment that ended without a seat: the status page offers other cohorts instead of this one's classes.
ENDED_WITHOUT_SEAT = frozenset({S.WITHDRAWN, S.LAPSED, S.REJECTED})
OTHER_COHORTS = 4


# While an enrollment waits for a seat or for staff, the status page says what the student still has to provide.
# The newest messages from staff shown on the status page (each was also e-mailed).
STUDENT_MESSAGES = 5

CHECKED_STATUSES = frozenset({S.PENDING_REVIEW, S.WAITLISTED, S.OFFERED})
# A seated or finished student sees the readiness checklist: what completing the course asks, met or not.
READINESS_STATUSES = frozenset({S.ENROLLED, S.COMPLETED})


def _certificate(enrollment: Enrollment) -> Certificate | None:
    try:
        return enrollment.certificate
    except Certificate.DoesNotExist:
        return None


@never_cache
@require_http_methods(["GET"])
def status(request: HttpRequest, token: str) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    # Opening the e-mailed link proves the address: the signup counts from now on.
    if enrollment.confirmed_at is None and services.confirm_signup(enrollment=enrollment):
        messages.success(request, _("Thank you: your e-mail address is confirmed and your signup counts."))
        enrollment = _enrollment_for_token(token)
    return _status_page(request, enrollment)


@dataclass(frozen=True)
class StatusPageSection:
    """A section another app adds to the student's status page (their clinicals): a title, a sentence and a link."""

    title: str
    text: str
    link_text: str
    url: str


# Apps add sections to the status page through these, registered in their AppConfig.ready() (enrollment imports no
# app above it): each takes the enrollment and returns a section or None, in a fixed number of queries.
StatusPageSections = Callable[[Enrollment], StatusPageSection | None]
STATUS_PAGE_SECTIONS: list[StatusPageSections] = []


def register_status_page_section(provider: StatusPageSections) -> None:
    if provider not in STATUS_PAGE_SECTIONS:
        STATUS_PAGE_SECTIONS.append(provider)


def _status_page(
    request: HttpRequest, enrollment: Enrollment, *, credential_form: CredentialForm | None = None, status: int = 200
) -> HttpResponse:
    cohort = enrollment.cohort
    offer_open = enrollment.status == S.OFFERED and enrollment.holds_seat
    eligibility = None
    if enrollment.status in CHECKED_STATUSES and (enrollment.status != S.OFFERED or offer_open):
        eligibility = services.eligibility_on_file(cohort, enrollment.student, enrollment=enrollment)
    if eligibility is not None and credential_form is None and (eligibility.shortfalls or eligibility.awaiting):
        credential_form = CredentialForm(cohort=cohort)
    moved_to = _moved_to(enrollment)
    ended = enrollment.status in ENDED_WITHOUT_SEAT
    history = list(enrollment.audit_events.filter(action__startswith="enrollment.").order_by("at", "pk"))
    context = {
        "enrollment": enrollment,
        "cohort": cohort,
        "course": cohort.course,
        "moved_to": moved_to,
        "ended": ended,
        "started": cohort.starts_on <= timezone.localdate(),
        # Somewhere to go next after a withdrawal, lapse or rejection: the course's cohorts taking signups now.
        "other_cohorts": (
            with_seat_counts(Cohort.objects.open().upcoming().filter(course_id=cohort.course_id).exclude(pk=cohort.pk))
            .select_related("course")
            .order_by("starts_on", "code")[:OTHER_COHORTS]
            if ended and moved_to is None
            else []
        ),
        "position": services.waitlist_position(enrollment),
        "offer_open": offer_open,
        "offer_expired": enrollment.status == S.OFFERED and not enrollment.holds_seat,
        "eligibility": eligibility,
        "review_names": eligibility.awaiting_names if eligibility and enrollment.status == S.PENDING_REVIEW else [],
        "credential_form": credential_form,
        # The next few classes, while the enrollment has a seat or a place; the whole calendar (a paramedic program
        # has hundreds) is on the cohort's page.
        "sessions": []
        if ended
        else ClassSession.objects.filter(cohort=cohort, ends_at__gte=timezone.now()).order_by("starts_at")[
            :NEXT_SESSIONS
        ],
        # The student's own status changes; not every attendance mark an instructor records or corrects.
        "history": history,
        "declined": bool(history) and history[-1].action == "enrollment.offer_declined",
        # A seat that lapsed for a deadline another app keeps (the deposit): its reason says which.
        "seat_lapsed": bool(history) and history[-1].action == "enrollment.lapsed_unpaid",
        "can_withdraw": enrollment.can("withdraw"),
        # What staff wrote to the student (never their internal notes), newest first.
        "student_messages": enrollment.messages.order_by("-written_at", "-pk")[:STUDENT_MESSAGES],
        "sections": [section for provider in STATUS_PAGE_SECTIONS if (section := provider(enrollment))],
        "readiness": readiness(enrollment) if enrollment.status in READINESS_STATUSES else None,
        "certificate": _certificate(enrollment) if enrollment.status == S.COMPLETED else None,
    }
    return render(request, "enrollment/status.html", context, status=status)


@never_cache
@require_http_methods(["GET"])
def certificate_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The student's certificate of completion (PDF), from their private link; none for a revoked one."""
    enrollment = _enrollment_for_token(token)
    certificate = _certificate(enrollment) if enrollment.status == S.COMPLETED else None
    if certificate is None or certificate.is_revoked:
        raise Http404
    return certificate_download(certificate)


@require_http_methods(["GET"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The public check of a certificate: name, course, completion date and status. An unknown or malformed code is a
    plain 404 that says nothing more; lookups are rate-limited per client, so codes cannot be tried in bulk."""
    if not throttling.allow(request, scope="verify", rate=settings.VERIFY_RATE_LIMIT):
        response = render(
            request,
            "enrollment/verify.html",
            {"throttled": True},
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    normal = normalise_certificate_code(code)
    certificate = (
        Certificate.objects.select_related("enrollment__student", "enrollment__cohort__course")
        .filter(code=normal)
        .first()
        if normal
        else None
    )
    if certificate is None:
        raise Http404
    if normal != code:
        return redirect(certificate)
    return render(request, "enrollment/verify.html", {"certificate": certificate})


@never_cache
@require_POST
def add_credential(request: HttpRequest, token: str) -> HttpResponse:
    """The student adds a renewed or missing credential from their private link (the status page's form)."""
    enrollment = _enrollment_for_token(token)
    if enrollment.status not in CHECKED_STATUSES:
        messages.info(
            request,
            _("This enrollment takes no new credentials; call the school office at %(phone)s if one changed.")
            % {"phone": SchoolProfile.current().phone},
        )
        return redirect(enrollment)
    form = CredentialForm(request.POST, request.FILES, cohort=enrollment.cohort)
    if form.is_valid():
        try:
            credential = services.add_credential(enrollment=enrollment, details=form.credential_details())
        except services.EnrollmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Thank you: your %(name)s is on file. Staff will check it where the course asks them to.")
                % {"name": credential.credential_type.name},
            )
            return redirect(enrollment)
    return _status_page(request, enrollment, credential_form=form, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    if not enrollment.can("withdraw"):
        messages.info(request, _("This enrollment has already ended; there is nothing to withdraw from."))
        return redirect(enrollment)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(enrollment=enrollment, reason=form.cleaned_data["reason"])
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You have withdrawn from %(code)s. We have e-mailed you a confirmation.")
                % {"code": enrollment.cohort.code},
            )
        return redirect(enrollment)
    return render(request, "enrollment/withdraw.html", {"enrollment": enrollment, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def decline_offer(request: HttpRequest, token: str) -> HttpResponse:
    """ "Decline offer": a confirmation page, then the seat passes to the next person waiting."""
    enrollment = _enrollment_for_token(token)
    if not enrollment.can("decline_offer"):
        messages.info(request, _("There is no open offer to decline on this enrollment."))
        return redirect(enrollment)
    if request.method == "POST":
        try:
            services.decline_offer(enrollment=enrollment)
        except services.EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You have declined the seat in %(code)s; it goes to the next person waiting. We have e-mailed you.")
                % {"code": enrollment.cohort.code},
            )
        return redirect(enrollment)
    return render(request, "enrollment/decline_offer.html", {"enrollment": enrollment})


@require_POST
def accept_offer(request: HttpRequest, token: str) -> HttpResponse:
    enrollment = _enrollment_for_token(token)
    try:
        enrollment = services.accept_offer(enrollment=enrollment)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have accepted the seat. Welcome to the cohort!"))
    return redirect(enrollment)


@require_http_methods(["GET", "POST"])
def lost_link(request: HttpRequest) -> HttpResponse:
    form = LostLinkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not throttling.allow(request, scope="lost-link-posts", rate=settings.SIGNUP_POST_LIMIT) or (
            form.is_valid() and not throttling.allow(request, scope="lost-link", rate=settings.SIGNUP_RATE_LIMIT)
        ):
            form.add_error(None, _("Too many requests have come from your network. Please wait a while and try again."))
            status = 429
        elif form.is_valid():
            # The same work and the same answer whether or not the address is known: the job runner looks the
            # address up, so the page can be used neither to find students nor to time the difference.
            notifications.request_lost_links(form.cleaned_data["email"])
            messages.success(
                request,
                _(
                    "If %(email)s has enrollments with us, we have just e-mailed the links to it. Check your inbox "
                    "and spam folder."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("enrollment:lost_link")
    return render(request, "enrollment/lost_link.html", {"form": form}, status=status)
