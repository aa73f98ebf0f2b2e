"""The student's payments page under their private link, the status page's card that leads to it, and the refund
policy's rules on the public refund page."""

from __future__ import annotations

from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from enrollment.models import Enrollment, EnrollmentStatus
from enrollment.views import StatusPageSection
from payments import services
from payments.models import EntryKind, LedgerEntry, RefundPolicy
from payments.online_views import allow_stripe_checkout
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
    }
    status = services.payment_status_of([enrollment.pk])[enrollment.pk]
    student_due = status.balance.student.due
    context |= {
        "balance": status.balance,
        "status": status,
        # "Pay now" (Stripe Checkout) when the school has turned it on and the student owes something.
        "pay_online": services.online_payment_enabled() and student_due > 0,
        "student_due": student_due,
        "next_payment": status.next_payment,
    }
    response = render(request, "payments/payments.html", context)
    return allow_stripe_checkout(response) if context["pay_online"] else response


def status_page_section(enrollment: Enrollment) -> StatusPageSection | None:
    """The status page's card: the balance due once the seat's charges are posted, the deposit that keeps the seat
    and the next instalment."""
    status = services.payment_status_of([enrollment.pk])[enrollment.pk]
    balance = status.balance
    if not balance.charged:
        return None
    student = balance.student
    sponsors = [p for p in balance.payers if p.payer is not None]
    text = _("You owe %(due)s of the %(charged)s charged.") % {
        "due": money(max(student.due, 0)),
        "charged": money(balance.charged),
    }
    if sponsors:
        text += " " + _("Your sponsors pay the rest: %(names)s.") % {"names": ", ".join(p.name for p in sponsors)}
    if enrollment.status == EnrollmentStatus.ENROLLED:
        # The deposit and the plan's dates matter while the seat is held (the payments page keeps them afterwards).
        text += "".join(" " + line for line in _plan_lines(status))
    url = reverse("payments:payments", kwargs={"token": enrollment.token})
    if services.online_payment_enabled() and student.due > 0:
        # The payments page shows the amount and the entries before the button that leads to Stripe.
        return StatusPageSection(
            title=_("Tuition and payments"), text=text, link_text=_("Pay now"), url=url + "#pay-online"
        )
    return StatusPageSection(title=_("Tuition and payments"), text=text, link_text=_("Charges and payments"), url=url)


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


def _plan_lines(status: services.PaymentStatus) -> list[str]:
    """The card's lines about the deposit that keeps the seat and the instalments: overdue, or the next one."""
    lines = []
    if status.deposit is not None and not status.deposit_paid:
        lines.append(
            _("Pay your deposit of %(amount)s by %(day)s to keep your seat.")
            % {"amount": money(status.deposit.amount), "day": date_format(status.deposit.due_on, "M j, Y")}
        )
    if status.overdue:
        lines.append(
            _("%(amount)s is overdue: please pay it as soon as you can.") % {"amount": money(status.overdue_amount)}
        )
    elif status.next_due is not None:
        lines.append(
            _("Next payment: %(amount)s by %(day)s.")
            % {"amount": money(status.next_due.left), "day": date_format(status.next_due.instalment.due_on, "M j, Y")}
        )
    return lines


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
