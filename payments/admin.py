"""The back office for money: fees per course (and a cohort's overrides), sponsors and their shares, the ledger,
which staff add to only through "Record a payment" and "Reverse" (custom views calling payments/services), the refund
policy and its rules, and the queue of proposed refunds, settled through "Confirm" and "Adjust"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from courses.admin_input import InputCheckingAdmin
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from payments import services
from payments.forms import PaymentForm, RefundAdjustForm, RefundConfirmForm, ReverseForm
from payments.models import (
    EntryKind,
    Fee,
    LedgerEntry,
    RefundLine,
    RefundPolicy,
    RefundProposal,
    RefundRule,
    RefundStatus,
    Sponsor,
    SponsorShare,
)
from payments.receipts import receipt_download, receipt_number
from payments.templatetags.money import money


def ledger_of(enrollment_id: int) -> str:
    """The ledger list filtered to one enrollment's entries."""
    return reverse("admin:payments_ledgerentry_changelist") + f"?enrollment__id__exact={enrollment_id}"


@admin.register(Fee)
class FeeAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "course", "cohort", "amount"]
    list_filter = ["kind", "course"]
    list_select_related = ["course", "cohort"]
    autocomplete_fields = ["cohort"]


@admin.register(Sponsor)
class SponsorAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "contact_name", "email", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "contact_name", "email"]

    def has_delete_permission(self, request: HttpRequest, obj: Sponsor | None = None) -> bool:
        if obj is not None and (obj.shares.exists() or obj.ledger.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SponsorShare)
class SponsorShareAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["enrollment", "sponsor", "amount", "percent"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "sponsor"]
    autocomplete_fields = ["enrollment", "sponsor"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = [
        "at",
        "enrollment",
        "kind",
        "shown_amount",
        "payer",
        "method",
        "reference",
        "recorded_by",
        "receipt",
    ]
    list_filter = ["kind", "method"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "payer", "recorded_by"]
    search_fields = ["reference", "enrollment__student__last_name", "enrollment__student__email"]
    readonly_fields = [f.name for f in LedgerEntry._meta.fields]

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, entry: LedgerEntry) -> str:
        return money(entry.amount)

    @admin.display(description=_("receipt"))
    def receipt(self, entry: LedgerEntry) -> str:
        if entry.kind != EntryKind.PAYMENT or entry.reverses_id is not None:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:payments_receipt", args=[entry.pk]), receipt_number(entry)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("pay/<int:enrollment_id>/", view(self.payment_view), name="payments_record_payment"),
            path("<path:object_id>/reverse/", view(self.reverse_view), name="payments_reverse_entry"),
            path("<path:object_id>/receipt/", view(self.receipt_view), name="payments_receipt"),
            *super().get_urls(),
        ]

    def _may_write(self, request: HttpRequest) -> None:
        if not request.user.has_perm("payments.add_ledgerentry"):
            raise PermissionDenied

    def payment_view(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        """Record money received for an enrollment (cash, check, card terminal), from its balance."""
        self._may_write(request)
        enrollment = Enrollment.objects.select_related("student", "cohort").filter(pk=enrollment_id).first()
        if enrollment is None:
            raise Http404(_("No such enrollment."))
        form = PaymentForm(request.POST or None, enrollment=enrollment)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.record_payment(
                    enrollment=enrollment,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    payer=form.cleaned_data["payer"],
                    reference=form.cleaned_data["reference"],
                    actor=request.user,
                )
            except EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("%(amount)s recorded for %(student)s.")
                    % {"amount": money(-entry.amount), "student": enrollment.student},
                )
                return redirect(ledger_of(enrollment.pk))
        balance = services.balance(enrollment)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record a payment: %(student)s in %(cohort)s")
            % {"student": enrollment.student, "cohort": enrollment.cohort.code},
            "form": form,
            "submit_label": _("Record the payment"),
            "cancel_url": ledger_of(enrollment.pk),
            "explanation": _("Charged %(charged)s; due %(due)s.")
            % {"charged": money(balance.charged), "due": money(balance.due)},
        }
        return TemplateResponse(request, "admin/enrollment/form_page.html", context)

    def receipt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A payment's receipt (PDF), for staff who may see the ledger."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        entry = self.get_object(request, unquote(object_id))
        if entry is None or entry.kind != EntryKind.PAYMENT or entry.reverses_id is not None:
            raise Http404(_("No receipt for this entry."))
        return receipt_download(entry)

    def reverse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Correct a mistaken entry with its reversing entry and a reason."""
        self._may_write(request)
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            raise Http404(_("No such ledger entry."))
        form = ReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reverse_entry(entry=entry, reason=form.cleaned_data["reason"], actor=request.user)
            except EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("The entry is reversed."))
                return redirect(ledger_of(entry.enrollment_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reverse %(entry)s") % {"entry": entry},
            "form": form,
            "submit_label": _("Reverse the entry"),
            "cancel_url": reverse("admin:payments_ledgerentry_changelist")
            + f"?enrollment__id__exact={entry.enrollment_id}",
            "explanation": _("A new entry cancels this one; the ledger keeps both, with your reason."),
        }
        return TemplateResponse(request, "admin/enrollment/form_page.html", context)


class RefundRuleInline(admin.TabularInline):
    model = RefundRule
    extra = 1


@admin.register(RefundPolicy)
class RefundPolicyAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["__str__", "course", "registration_fee", "rule_count"]
    list_select_related = ["course"]
    inlines = [RefundRuleInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefundPolicy]:
        return super().get_queryset(request).annotate(rule_count=Count("rules"))

    @admin.display(description=_("rules"), ordering="rule_count")
    def rule_count(self, policy: RefundPolicy) -> int:
        return policy.rule_count


class RefundLineInline(admin.TabularInline):
    model = RefundLine
    fields = ["payer", "share", "paid", "retained", "proposed", "still_due", "refund"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: RefundProposal | None = None) -> bool:
        return False


@admin.register(RefundProposal)
class RefundProposalAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """The refunds queue: each proposal with its figures; "Confirm" and "Adjust" settle it through the services."""

    list_display = [
        "proposed_at",
        "enrollment",
        "status",
        "shown_charged",
        "shown_retained",
        "shown_refund",
        "shown_still_due",
        "settle",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["enrollment__student", "enrollment__cohort"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    readonly_fields = [f.name for f in RefundProposal._meta.fields]
    inlines = [RefundLineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefundProposal]:
        return (
            super()
            .get_queryset(request)
            .annotate(proposed_total=Sum("lines__proposed"), still_due_total=Sum("lines__still_due"))
        )

    @admin.display(description=_("charged"), ordering="charged")
    def shown_charged(self, proposal: RefundProposal) -> str:
        return money(proposal.charged)

    @admin.display(description=_("kept by the school"), ordering="retained")
    def shown_retained(self, proposal: RefundProposal) -> str:
        return money(proposal.retained)

    @admin.display(description=_("proposed refund"), ordering="proposed_total")
    def shown_refund(self, proposal: RefundProposal) -> str:
        return money(proposal.proposed_total or 0)

    @admin.display(description=_("still due"), ordering="still_due_total")
    def shown_still_due(self, proposal: RefundProposal) -> str:
        return money(proposal.still_due_total or 0)

    @admin.display(description=_("settle"))
    def settle(self, proposal: RefundProposal) -> str:
        if proposal.status != RefundStatus.PROPOSED:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:payments_refund_confirm", args=[proposal.pk]),
            _("Confirm"),
            reverse("admin:payments_refund_adjust", args=[proposal.pk]),
            _("Adjust"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RefundProposal | None = None) -> bool:
        return False  # its page only shows it; Confirm and Adjust check the permission to settle it themselves

    def has_delete_permission(self, request: HttpRequest, obj: RefundProposal | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/confirm/", view(self.confirm_view), name="payments_refund_confirm"),
            path("<path:object_id>/adjust/", view(self.adjust_view), name="payments_refund_adjust"),
            *super().get_urls(),
        ]

    def _proposal(self, request: HttpRequest, object_id: str) -> RefundProposal:
        if not request.user.has_perms(["payments.change_refundproposal", "payments.add_ledgerentry"]):
            raise PermissionDenied
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            raise Http404(_("No such refund."))
        return proposal

    def confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Settle a proposed refund as the policy gives it."""
        proposal = self._proposal(request, object_id)
        form = RefundConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.confirm_refund(
                    proposal=proposal,
                    method=form.cleaned_data["method"],
                    reference=form.cleaned_data["reference"],
                    actor=request.user,
                )
            except EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("The refund is confirmed and posted to the ledger."))
                return redirect(ledger_of(proposal.enrollment_id))
        return self._settle_page(request, proposal, form, _("Confirm the refund"))

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Settle a proposed refund with other amounts than the policy's, and the reason."""
        proposal = self._proposal(request, object_id)
        lines = proposal.lines.select_related("payer")
        form = RefundAdjustForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            try:
                services.adjust_refund(
                    proposal=proposal,
                    refunds=form.refunds(),
                    reason=form.cleaned_data["reason"],
                    method=form.cleaned_data["method"],
                    reference=form.cleaned_data["reference"],
                    actor=request.user,
                )
            except EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("The adjusted refund is confirmed and posted to the ledger."))
                return redirect(ledger_of(proposal.enrollment_id))
        return self._settle_page(request, proposal, form, _("Adjust and confirm the refund"))

    def _settle_page(self, request: HttpRequest, proposal: RefundProposal, form, submit_label: str) -> HttpResponse:
        proposal = RefundProposal.objects.select_related("enrollment__student", "enrollment__cohort").get(
            pk=proposal.pk
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Refund: %(student)s in %(cohort)s")
            % {"student": proposal.enrollment.student, "cohort": proposal.enrollment.cohort.code},
            "form": form,
            "proposal": proposal,
            "lines": proposal.lines.select_related("payer"),
            "submit_label": submit_label,
            "cancel_url": reverse("admin:payments_refundproposal_changelist"),
            "explanation": proposal.rule,
        }
        return TemplateResponse(request, "admin/payments/refund_settle.html", context)
