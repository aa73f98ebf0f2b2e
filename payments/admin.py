"""The back office for money: fees per course (and a cohort's overrides), sponsors and their shares, and the ledger,
which staff add to only through "Record a payment" and "Reverse" (custom views calling payments/services)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from courses.admin_input import InputCheckingAdmin
from courses.spreadsheet import csv_download
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from payments import services
from payments.forms import ApplyPlanForm, PaymentForm, ReverseForm
from payments.models import (
    Deposit,
    DepositRule,
    EntryKind,
    Fee,
    Instalment,
    LedgerEntry,
    PaymentPlan,
    PlanStep,
    Sponsor,
    SponsorShare,
)
from payments.receipts import receipt_download, receipt_number
from payments.services import cents
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

    change_list_template = "admin/payments/ledgerentry/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One enrollment's entries: offer to record a payment for it and to put it on a payment plan.
        value = request.GET.get("enrollment__id__exact", "")
        enrollment_id = int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None
        return super().changelist_view(request, {"enrollment_id": enrollment_id, **(extra_context or {})})

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


class PlanStepInline(admin.StackedInline):
    # Stacked: each field keeps its own label (a tabular row's inputs have only the column header).
    model = PlanStep
    extra = 1
    fields = ["amount", "percent", "due", "days", "due_on"]


@admin.register(PaymentPlan)
class PaymentPlanAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "course", "cohort", "applies_automatically"]
    list_filter = ["course", "applies_automatically"]
    list_select_related = ["course", "cohort"]
    inlines = [PlanStepInline]


@admin.register(DepositRule)
class DepositRuleAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["course", "cohort", "shown_amount", "days"]
    list_filter = ["course"]
    list_select_related = ["course", "cohort"]

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, rule: DepositRule) -> str:
        return money(rule.amount)


@admin.register(Deposit)
class DepositAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """Each seat's deposit and its last day; staff may move the day for one student (the amount stays the rule's)."""

    list_display = ["enrollment", "shown_amount", "due_on"]
    list_select_related = ["enrollment__student", "enrollment__cohort"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    fields = ["enrollment", "amount", "due_on"]
    readonly_fields = ["enrollment", "amount"]

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, deposit: Deposit) -> str:
        return money(deposit.amount)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Deposit | None = None) -> bool:
        return False


@admin.register(Instalment)
class InstalmentAdmin(InputCheckingAdmin, admin.ModelAdmin):
    """Every enrollment's instalments (written by the plan service), the "put on a plan" page and the overdue report."""

    list_display = ["enrollment", "due_on", "shown_amount", "plan"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "plan__course", "plan__cohort"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    date_hierarchy = "due_on"
    change_list_template = "admin/payments/instalment/change_list.html"

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, instalment: Instalment) -> str:
        return money(instalment.amount)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Instalment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Instalment | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("plan/<int:enrollment_id>/", view(self.apply_plan_view), name="payments_apply_plan"),
            path("overdue/", view(self.overdue_view), name="payments_overdue"),
            path("overdue.csv", view(self.overdue_csv_view), name="payments_overdue_csv"),
            *super().get_urls(),
        ]

    def apply_plan_view(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        """Put one enrollment on a plan of its course: its instalments become the plan's."""
        if not request.user.has_perm("payments.add_instalment"):
            raise PermissionDenied
        enrollment = Enrollment.objects.select_related("student", "cohort").filter(pk=enrollment_id).first()
        if enrollment is None:
            raise Http404(_("No such enrollment."))
        form = ApplyPlanForm(request.POST or None, enrollment=enrollment)
        if request.method == "POST" and form.is_valid():
            try:
                made = services.apply_plan(enrollment=enrollment, plan=form.cleaned_data["plan"], actor=request.user)
            except EnrollmentError as error:
                form.add_error(None, ValidationError(error.message, code=error.code))
            else:
                messages.success(
                    request,
                    _("%(student)s pays in %(count)d instalments.")
                    % {"student": enrollment.student, "count": len(made)},
                )
                return redirect(
                    reverse("admin:payments_instalment_changelist") + f"?enrollment__id__exact={enrollment.pk}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Payment plan: %(student)s in %(cohort)s")
            % {"student": enrollment.student, "cohort": enrollment.cohort.code},
            "form": form,
            "submit_label": _("Apply the plan"),
            "cancel_url": ledger_of(enrollment.pk),
            "explanation": _("The student's share is split by the plan; any instalments they had are replaced."),
        }
        return TemplateResponse(request, "admin/enrollment/form_page.html", context)

    def _overdue_rows(self, request: HttpRequest) -> list[dict]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return services.overdue_report(today=timezone.localdate())

    def overdue_view(self, request: HttpRequest) -> HttpResponse:
        """Overdue instalments and deposits of seated students, the oldest first."""
        rows = self._overdue_rows(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Overdue payments"),
            "rows": rows,
            "total": sum((row["left"] for row in rows), Decimal(0)),
        }
        return TemplateResponse(request, "admin/payments/instalment/overdue.html", context)

    def overdue_csv_view(self, request: HttpRequest) -> HttpResponse:
        rows = self._overdue_rows(request)
        header = [
            _("Last name"),
            _("First name"),
            _("E-mail"),
            _("Phone"),
            _("Cohort"),
            _("What"),
            _("Due on"),
            _("Amount"),
            _("Paid"),
            _("Left to pay"),
            _("Days overdue"),
        ]
        lines = (
            [
                row["student"].last_name,
                row["student"].first_name,
                row["student"].email,
                row["student"].phone,
                row["cohort"].code,
                row["what"],
                row["due_on"].isoformat(),
                f"{cents(row['amount'])}",
                f"{cents(row['paid'])}",
                f"{cents(row['left'])}",
                row["days"],
            ]
            for row in rows
        )
        return csv_download(f"overdue-payments-{timezone.localdate().isoformat()}.csv", header, lines)
