"""Paying online: the student's "Pay now" (a POST that sends them to Stripe Checkout), the pages Stripe sends them
back to, and the webhook through which Stripe tells us the money arrived (the only path that posts it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from payments import services
from payments.models import CheckoutAttempt

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def allow_stripe_checkout(response: HttpResponse) -> HttpResponse:
    """A page with the "Pay now" form: its POST is answered with a redirect to Stripe's checkout, which the browser
    follows only if the page's Content-Security-Policy lets forms lead there."""
    policy = dict(settings.SECURE_CSP)
    policy["form-action"] = [*policy.get("form-action", [CSP.SELF]), STRIPE_CHECKOUT_ORIGIN]
    response._csp_config = policy
    return response


@never_cache
@require_POST
def pay_now(request: HttpRequest, token: str) -> HttpResponse:
    """Make a Stripe Checkout for what the student owes (or, with pay=next, the next step of their plan) and send them
    there (303); back to the payments page, with the reason, when it cannot be made."""
    enrollment = get_object_or_404(Enrollment.objects.select_related("student", "cohort__course"), token=token)
    back = reverse("payments:payments", kwargs={"token": enrollment.token})
    amount, description = None, ""
    if request.POST.get("pay") == "next":  # the next step of the plan (or the deposit), worked out here, not sent
        amount = services.payment_status_of([enrollment.pk])[enrollment.pk].next_payment
        description = _("%(course)s (%(cohort)s): next payment") % {
            "course": enrollment.cohort.course.title,
            "cohort": enrollment.cohort.code,
        }
    try:
        attempt = services.start_checkout(
            enrollment=enrollment,
            amount=amount,
            description=description if amount is not None else "",
            success_url=settings.SITE_URL + reverse("payments:checkout_paid", kwargs={"token": enrollment.token}),
            cancel_url=settings.SITE_URL + reverse("payments:checkout_cancelled", kwargs={"token": enrollment.token}),
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
        return redirect(back)
    return HttpResponseRedirect(attempt.url, status=303)


def _checkout_return(request: HttpRequest, token: str, *, paid: bool) -> HttpResponse:
    enrollment = get_object_or_404(Enrollment.objects.select_related("cohort__course"), token=token)
    attempt = (
        CheckoutAttempt.objects.filter(enrollment=enrollment).select_related("entry").order_by("-created_at").first()
    )
    context = {
        "enrollment": enrollment,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "attempt": attempt,
        "paid": paid,
    }
    return render(request, "payments/checkout_return.html", context)


@never_cache
@require_http_methods(["GET"])
def checkout_paid(request: HttpRequest, token: str) -> HttpResponse:
    """Where Stripe sends the student after paying: the payment counts once Stripe's webhook confirms it."""
    return _checkout_return(request, token, paid=True)


@never_cache
@require_http_methods(["GET"])
def checkout_cancelled(request: HttpRequest, token: str) -> HttpResponse:
    """Where Stripe sends the student who went back without paying: nothing was charged."""
    return _checkout_return(request, token, paid=False)


@csrf_exempt  # Stripe cannot send our CSRF token; the signature, checked with the webhook secret, proves the sender.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: 400 when the signature does not verify (Stripe retries, an impostor gets nothing), 200 once
    the event is stored and acted on (a paid checkout posted), or stored and ignored, or seen before."""
    if not services.online_payment_enabled():
        raise Http404(_("Paying online is not turned on."))
    try:
        services.handle_webhook(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except EnrollmentError as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
