"""The back office for money: fees per course (and a cohort's overrides), sponsors and their shares, the ledger,
which staff add to only through "Record a payment" and "Reverse" (custom views calling payments/services), the refund
policy and its rules, and the queue of proposed refunds, settled through "Confirm" and "Adjust"."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.admin_input import InputCheckingAdmin
from courses.dates import date_text
from courses.links import url_for
from courses.pagination import LargeTablePaginator
from courses.spreadsheet import csv_download
from enrollment.models import Enrollment
from enrollment.services import EnrollmentError
from payments import services
from payments.admin_reports import MoneyReportsMixin, SponsorPapersMixin
from payments.forms import ApplyPlanForm, PaymentForm, RefundAdjustForm, RefundConfirmForm, ReverseForm
from payments.models import (
    NEEDS_STAFF,
    CheckoutAttempt,
    Deposit,
    DepositRule,
    EntryKind,
    Fee,
    Instalment,
    LedgerEntry,
    PaymentPlan,
    PlanStep,
    RefundLine,
    RefundPolicy,
    RefundProposal,
    RefundRule,
    RefundStatus,
    Sponsor,
    SponsorShare,
    WebhookEvent,
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
class SponsorAdmin(SponsorPapersMixin, InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "contact_name", "email", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "contact_name", "email"]

    def has_delete_permission(self, request: HttpRequest, obj: Sponsor | None = None) -> bool:
        if obj is not None and (obj.shares.exists() or obj.ledger.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self) -> list[URLPattern]:
        return [*self.sponsor_urls(), *super().get_urls()]


@admin.register(SponsorShare)
class SponsorShareAdmin(InputCheckingAdmin, admin.ModelAdmin):
    list_display = ["enrollment", "sponsor", "amount", "percent"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "sponsor"]
    autocomplete_fields = ["enrollment", "sponsor"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(MoneyReportsMixin, InputCheckingAdmin, admin.ModelAdmin):
    # Every seat's charges and payments: the planner's estimate instead of two COUNT(*)s (courses/pagination.py).
    paginator = LargeTablePaginator
    show_full_result_count = False
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

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, entry: LedgerEntry) -> str:
        return money(entry.amount)

    @admin.display(description=gettext_lazy("receipt"))
    def receipt(self, entry: LedgerEntry) -> str:
        if entry.kind != EntryKind.PAYMENT or entry.reverses_id is not None:
            return ""
        return format_html('<a href="{}">{}</a>', url_for("admin:payments_receipt", entry.pk), receipt_number(entry))

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
            *self.report_urls(),
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

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
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

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
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

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
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

    OVERDUE_PER_PAGE = 50

    def overdue_view(self, request: HttpRequest) -> HttpResponse:
        """Overdue instalments and deposits of seated students, the oldest first."""
        rows = self._overdue_rows(request)
        page = Paginator(rows, self.OVERDUE_PER_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Overdue payments"),
            "rows": services.with_overdue_people(list(page.object_list)),
            "count": len(rows),
            "page": page,
            "total": sum((row["left"] for row in rows), Decimal(0)),
        }
        return TemplateResponse(request, "admin/payments/instalment/overdue.html", context)

    def overdue_csv_view(self, request: HttpRequest) -> HttpResponse:
        rows = services.with_overdue_people(self._overdue_rows(request))
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the webhook and "Pay now" write: staff look, nobody adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class NeedsStaffFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs staff")
    parameter_name = "needs_staff"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes: not posted, check it in Stripe"))]

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == "yes":
            return queryset.filter(outcome__in=NEEDS_STAFF)
        return queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(InputCheckingAdmin, ReadOnlyAdmin):
    """Every verified event Stripe sent, with what was done about it; the ones that need staff are filtered."""

    list_display = ["received_at", "type", "outcome", "shown_amount", "session_id", "attempt_enrollment", "note"]
    list_filter = [NeedsStaffFilter, "outcome", "type", "livemode"]
    list_select_related = ["attempt__enrollment__student", "attempt__enrollment__cohort"]
    search_fields = ["event_id", "session_id"]
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, event: WebhookEvent) -> str:
        return money(event.amount) if event.amount is not None else ""

    @admin.display(description=gettext_lazy("enrollment"))
    def attempt_enrollment(self, event: WebhookEvent) -> str:
        return str(event.attempt.enrollment) if event.attempt else ""


@admin.register(CheckoutAttempt)
class CheckoutAttemptAdmin(InputCheckingAdmin, ReadOnlyAdmin):
    """Each "Pay now": the Stripe session made for an enrollment, and whether the webhook posted it."""

    list_display = ["created_at", "enrollment", "shown_amount", "status", "session_id", "entry"]
    # One "Pay now" after another, for years: counted once, from the planner's estimate when the list is unfiltered.
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_filter = ["status"]
    list_select_related = ["enrollment__student", "enrollment__cohort", "entry"]
    search_fields = ["session_id", "enrollment__student__last_name", "enrollment__student__email"]
    readonly_fields = [f.name for f in CheckoutAttempt._meta.fields if f.name not in {"nonce", "url"}]
    exclude = ["nonce", "url"]

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def shown_amount(self, attempt: CheckoutAttempt) -> str:
        return money(attempt.amount)


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

    @admin.display(description=gettext_lazy("rules"), ordering="rule_count")
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
        "shown_proposed",
        "shown_who",
        "event",
        "status",
        "shown_charged",
        "shown_retained",
        "shown_refund",
        "shown_still_due",
        "settle",
    ]
    list_filter = ["status", "event"]
    show_full_result_count = False  # a filtered list does not count every proposal ever made as well
    list_select_related = ["enrollment__student", "enrollment__cohort"]
    search_fields = ["enrollment__student__last_name", "enrollment__student__email", "enrollment__cohort__code"]
    readonly_fields = [f.name for f in RefundProposal._meta.fields]
    inlines = [RefundLineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefundProposal]:
        # Subqueries, not a join with GROUP BY: the list's count then reads the proposals alone (Django leaves an
        # unused subquery out of COUNT), not every proposal joined to its lines and grouped.
        def lines_sum(field: str) -> Subquery:
            lines = RefundLine.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
            return Subquery(lines.annotate(total=Sum(field)).values("total"))

        return (
            super()
            .get_queryset(request)
            .annotate(proposed_total=lines_sum("proposed"), still_due_total=lines_sum("still_due"))
        )

    # Narrow columns, so the figures and "Confirm · Adjust" fit a 1366 px laptop beside the admin's menu.
    @admin.display(description=gettext_lazy("proposed"), ordering="proposed_at")
    def shown_proposed(self, proposal: RefundProposal) -> str:
        return date_text(proposal.proposed_at)

    @admin.display(description=gettext_lazy("student"), ordering="enrollment__student__last_name")
    def shown_who(self, proposal: RefundProposal) -> str:
        enrollment = proposal.enrollment
        return format_html(
            '<span class="one-line">{}</span><br><span class="quiet">{}</span>',
            enrollment.student.full_name,
            enrollment.cohort.code,
        )

    @admin.display(description=gettext_lazy("charged"), ordering="charged")
    def shown_charged(self, proposal: RefundProposal) -> str:
        return money(proposal.charged)

    @admin.display(description=gettext_lazy("kept"), ordering="retained")
    def shown_retained(self, proposal: RefundProposal) -> str:
        return money(proposal.retained)

    @admin.display(description=gettext_lazy("refund"), ordering="proposed_total")
    def shown_refund(self, proposal: RefundProposal) -> str:
        return money(proposal.proposed_total or 0)

    @admin.display(description=gettext_lazy("still due"), ordering="still_due_total")
    def shown_still_due(self, proposal: RefundProposal) -> str:
        return money(proposal.still_due_total or 0)

    @admin.display(description=gettext_lazy("settle"))
    def settle(self, proposal: RefundProposal) -> str:
        if proposal.status != RefundStatus.PROPOSED:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url_for("admin:payments_refund_confirm", proposal.pk),
            _("Confirm"),
            url_for("admin:payments_refund_adjust", proposal.pk),
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
