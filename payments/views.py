"""The student's payments page under their private link, the status page's card that leads to it, and the refund
policy's rules on the public refund page."""

from __future__ import annotations

from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from enrollment.models import Enrollment
from enrollment.views import StatusPageSection
from payments import services
from payments.models import EntryKind, LedgerEntry, RefundPolicy
from payments.receipts import receipt_download
from payments.templatetags.money import money


@never_cache
@require_http_methods(["GET"])
def payments(request: HttpRequest, token: str) -> HttpResponse:
    enrollment = get_object_or_404(Enrollment.objects.select_related("student", "cohort__course"), token=token)
    context = {
        "enrollment": enrollment,
        "cohort": enrollment.cohort,
        "course": enrollment.cohort.course,
        "entries": LedgerEntry.objects.filter(enrollment=enrollment).select_related("payer").order_by("at", "pk"),
        "balance": services.balance(enrollment),
    }
    return render(request, "payments/payments.html", context)


def status_page_section(enrollment: Enrollment) -> StatusPageSection | None:
    """The status page's card: the balance due once the seat's charges are posted."""
    balance = services.balance(enrollment)
    if not balance.charged:
        return None
    student = next(p for p in balance.payers if p.payer is None)
    sponsors = [p for p in balance.payers if p.payer is not None]
    text = _("You owe %(due)s of the %(charged)s charged.") % {
        "due": money(max(student.due, 0)),
        "charged": money(balance.charged),
    }
    if sponsors:
        text += " " + _("Your sponsors pay the rest: %(names)s.") % {"names": ", ".join(p.name for p in sponsors)}
    return StatusPageSection(
        title=_("Tuition and payments"),
        text=text,
        link_text=_("Charges and payments"),
        url=reverse("payments:payments", kwargs={"token": enrollment.token}),
    )


@never_cache
@require_http_methods(["GET"])
def receipt(request: HttpRequest, token: str, entry_id: int) -> HttpResponse:
    """A payment's receipt (PDF), from the student's private link; another enrollment's entry is a 404."""
    enrollment = get_object_or_404(Enrollment, token=token)
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("enrollment__student", "enrollment__cohort__course", "payer"),
        pk=entry_id,
        enrollment=enrollment,
        kind=EntryKind.PAYMENT,
        reverses__isnull=True,
    )
    return receipt_download(entry)


def refund_policy_section() -> str:
    """The refund page's rules, written from the refund policies (the school's, then each published course's
    override); two queries whatever their number."""
    policies = (
        RefundPolicy.objects.filter(Q(course__isnull=True) | Q(course__is_published=True))
        .select_related("course")
        .prefetch_related("rules")
        .order_by(F("course__display_order").asc(nulls_first=True), "course__title")
    )
    policies = list(policies)
    if not policies:
        return ""
    return render_to_string("payments/_refund_rules.html", {"policies": policies})
