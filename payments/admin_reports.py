"""The back office's money papers and reports, as custom admin views (ModelAdmin.get_urls, admin_site.admin_view,
permission checked), mixed into the payments admin:

- on a sponsor's page (SponsorPapersMixin): its invoices, issued for all its open shares or one cohort's, downloaded
  as PDF or e-mailed through the outbox; and the clock hours of its students per week (HTML and CSV);
- from the ledger list (MoneyReportsMixin): balances due per cohort (with a drill-down per enrollment), payments by
  month and method, and the WIOA / GI Bill clock hours of a cohort, each exportable as CSV.

Seeing them takes the payments view permission (the ledger's, or the sponsors' for a sponsor's pages); issuing an
invoice, the sponsors' change permission. The figures come from payments/services/reports.py and invoices.py."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Cohort
from courses.spreadsheet import csv_download
from enrollment.models import Enrollment, Hours
from enrollment.services import EnrollmentError
from payments import services
from payments.forms import InvoiceForm
from payments.invoices import invoice_download
from payments.models import LedgerEntry, Sponsor, SponsorInvoice
from payments.services.reports import ClockHours, MoneyRow


def _amount(value) -> str:
    """A figure for a spreadsheet: dollars and cents, no sign or symbol added."""
    return str(services.cents(value))


def clock_hours_csv(filename: str, report: ClockHours) -> HttpResponse:
    header = [_("Student"), _("E-mail"), _("Cohort")]
    header += [_("Week of %(monday)s") % {"monday": week.isoformat()} for week in report.weeks] + [_("Total hours")]
    rows = [
        [row.enrollment.student.full_name, row.enrollment.student.email, row.enrollment.cohort.code]
        + row.hours(report.weeks)
        + [Hours.text(row.total_minutes)]
        for row in report.students
    ]
    rows.append([_("Total"), "", "", *report.week_totals(), report.total])
    return csv_download(filename, header, rows)


def _money_cells(money: MoneyRow) -> list[str]:
    return [
        str(money.enrollments),
        _amount(money.charged),
        _amount(money.adjusted),
        _amount(money.paid),
        _amount(money.student_due),
        _amount(money.sponsors_due),
        _amount(money.due),
    ]


MONEY_HEADER = [
    gettext_lazy("Enrollments"),
    gettext_lazy("Charged"),
    gettext_lazy("Adjustments"),
    gettext_lazy("Paid (net of refunds)"),
    gettext_lazy("Due from students"),
    gettext_lazy("Due from sponsors"),
    gettext_lazy("Due"),
]


class SponsorPapersMixin:
    """A sponsor's invoices and its students' clock hours, from the sponsor's page."""

    def sponsor_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/invoices/", view(self.invoices_view), name="payments_sponsor_invoices"),
            path(
                "<path:object_id>/invoices/<int:invoice_id>.pdf",
                view(self.invoice_pdf_view),
                name="payments_sponsor_invoice_pdf",
            ),
            path("<path:object_id>/clock-hours/", view(self.clock_hours_view), name="payments_sponsor_clock_hours"),
            path(
                "<path:object_id>/clock-hours.csv",
                view(self.clock_hours_csv_view),
                name="payments_sponsor_clock_hours_csv",
            ),
        ]

    def _sponsor(self, request: HttpRequest, object_id: str) -> Sponsor:
        if not self.has_view_permission(request):
            raise PermissionDenied
        sponsor = self.get_object(request, unquote(object_id))
        if sponsor is None:
            raise Http404(_("No such sponsor."))
        return sponsor

    def _page(self, request: HttpRequest, sponsor: Sponsor, title: str, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "sponsor": sponsor,
            "title": title,
            **context,
        }

    INVOICES_PER_PAGE = 25

    def invoices_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The sponsor's invoices so far, and the form that issues the next one (all open shares, or one cohort)."""
        sponsor = self._sponsor(request, object_id)
        form = InvoiceForm(request.POST or None, sponsor=sponsor)
        if request.method == "POST":
            if not self.has_change_permission(request, sponsor):
                raise PermissionDenied
            if form.is_valid():
                try:
                    invoice = services.issue_invoice(
                        sponsor=sponsor,
                        cohort=form.cleaned_data["cohort"],
                        send=form.cleaned_data["send"],
                        actor=request.user,
                    )
                except EnrollmentError as error:
                    form.add_error(None, ValidationError(error.message, code=error.code))
                else:
                    text = _("Invoice %(number)s issued: %(due)s due.") % {
                        "number": invoice.number,
                        "due": f"${services.cents(invoice.total_due):,.2f}",
                    }
                    if form.cleaned_data["send"]:
                        text += " " + _("It is on its way to %(address)s.") % {"address": sponsor.email}
                    messages.success(request, text)
                    return redirect("admin:payments_sponsor_invoices", sponsor.pk)
        # The list shows no lines (the PDF does): each invoice's copy of them is left in the database.
        invoices = SponsorInvoice.objects.filter(sponsor=sponsor).select_related("cohort", "issued_by").defer("lines")
        page = Paginator(invoices, self.INVOICES_PER_PAGE).get_page(request.GET.get("p"))
        context = self._page(
            request,
            sponsor,
            _("Invoices to %(sponsor)s") % {"sponsor": sponsor.name},
            form=form,
            invoices=page.object_list,
            page=page,
            may_issue=self.has_change_permission(request, sponsor),
        )
        return TemplateResponse(request, "admin/payments/sponsor_invoices.html", context)

    def invoice_pdf_view(self, request: HttpRequest, object_id: str, invoice_id: int) -> HttpResponse:
        sponsor = self._sponsor(request, object_id)
        invoice = SponsorInvoice.objects.select_related("sponsor", "cohort").filter(pk=invoice_id).first()
        if invoice is None or invoice.sponsor_id != sponsor.pk:
            raise Http404(_("No such invoice for this sponsor."))
        return invoice_download(invoice)

    def clock_hours_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Hours attended per student per week, for the sponsor's students."""
        sponsor = self._sponsor(request, object_id)
        context = self._page(
            request,
            sponsor,
            _("Clock hours: %(sponsor)s") % {"sponsor": sponsor.name},
            report=services.clock_hours(sponsor=sponsor),
            csv_url=reverse("admin:payments_sponsor_clock_hours_csv", args=[sponsor.pk]),
        )
        return TemplateResponse(request, "admin/payments/clock_hours.html", context)

    def clock_hours_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        sponsor = self._sponsor(request, object_id)
        return clock_hours_csv(f"clock-hours-sponsor-{sponsor.pk}.csv", services.clock_hours(sponsor=sponsor))


class MoneyReportsMixin:
    """Staff's money reports, linked from the ledger list."""

    def report_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("reports/", view(self.reports_view), name="payments_reports"),
            path("reports/balances/", view(self.balances_view), name="payments_balances"),
            path("reports/balances.csv", view(self.balances_csv_view), name="payments_balances_csv"),
            path("reports/balances/<int:cohort_id>/", view(self.cohort_balances_view), name="payments_cohort_balances"),
            path("reports/payments-by-month/", view(self.by_month_view), name="payments_by_month"),
            path("reports/payments-by-month.csv", view(self.by_month_csv_view), name="payments_by_month_csv"),
            path(
                "reports/clock-hours/<int:cohort_id>/",
                view(self.cohort_clock_hours_view),
                name="payments_cohort_clock_hours",
            ),
            path(
                "reports/clock-hours/<int:cohort_id>.csv",
                view(self.cohort_clock_hours_csv_view),
                name="payments_cohort_clock_hours_csv",
            ),
        ]

    def _may_see_reports(self, request: HttpRequest) -> None:
        if not request.user.has_perm("payments.view_ledgerentry"):
            raise PermissionDenied

    def _report(self, request: HttpRequest, title: str, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": LedgerEntry._meta,
            "title": title,
            "reports_url": reverse("admin:payments_reports"),
            **context,
        }

    def _cohort(self, cohort_id: int) -> Cohort:
        cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
        if cohort is None:
            raise Http404(_("No such cohort."))
        return cohort

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        """The list of reports: balances, payments by month, and the clock hours of each WIOA / GI Bill cohort and
        sponsor."""
        self._may_see_reports(request)
        sponsors = list(Sponsor.objects.filter(kind__in=services.CLOCK_HOUR_KINDS).order_by("name"))
        # By the sponsors' keys, not their kind: PostgreSQL then estimates the shares from each sponsor's own count
        # (a join on the kind guessed half of all shares and read every enrollment: 200 ms at 500,000 of them).
        sponsored = Enrollment.objects.filter(sponsor_shares__sponsor__in=[s.pk for s in sponsors]).values("cohort_id")
        context = self._report(
            request,
            _("Money reports"),
            reports_url=None,
            cohorts=Cohort.objects.filter(pk__in=sponsored).order_by("-starts_on", "code"),
            sponsors=sponsors,
        )
        return TemplateResponse(request, "admin/payments/reports.html", context)

    BALANCES_PER_PAGE = 25

    def balances_view(self, request: HttpRequest) -> HttpResponse:
        """The cohorts with books, the newest first, a page at a time (each page's balances worked out for its own
        cohorts, so the page costs the same in a school's first year and its tenth); the CSV has them all and the
        school's total."""
        self._may_see_reports(request)
        # Pages by offset without counting them (a count of the cohorts with books reads the whole ledger).
        text = request.GET.get("p", "")
        number = min(max(int(text), 1), 10_000) if text.isascii() and text.isdigit() else 1
        per_page = self.BALANCES_PER_PAGE
        cohorts = list(services.cohorts_with_books()[(number - 1) * per_page : number * per_page + 1])
        rows, total = services.balances_by_cohort(cohorts[:per_page])
        context = self._report(
            request,
            _("Balances due per cohort"),
            rows=rows,
            total=total,
            page_number=number,
            previous_page=number - 1 if number > 1 else None,
            next_page=number + 1 if len(cohorts) > per_page else None,
        )
        return TemplateResponse(request, "admin/payments/balances.html", context)

    def balances_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Every cohort with books (in batches), then the total."""
        self._may_see_reports(request)
        total = services.MoneyRow()

        def lines():
            for row in services.balances_in_batches():
                total.add(row.money)
                yield [row.cohort.code, row.cohort.course.title, *_money_cells(row.money)]
            yield [_("Total"), "", *_money_cells(total)]

        header = [_("Cohort"), _("Course"), *MONEY_HEADER]
        return csv_download("balances-per-cohort.csv", header, lines())

    def cohort_balances_view(self, request: HttpRequest, cohort_id: int) -> HttpResponse:
        """One cohort's balances per enrollment, each leading to its ledger."""
        self._may_see_reports(request)
        cohort = self._cohort(cohort_id)
        rows, total = services.balances_in_cohort(cohort)
        context = self._report(
            request,
            _("Balances due in %(cohort)s") % {"cohort": cohort.code},
            cohort=cohort,
            rows=rows,
            total=total,
            parent_url=reverse("admin:payments_balances"),
            parent_label=_("Balances due per cohort"),
        )
        return TemplateResponse(request, "admin/payments/cohort_balances.html", context)

    RECENT_MONTHS = 24

    def by_month_view(self, request: HttpRequest) -> HttpResponse:
        """The last two years' months (every month with ?all=1; the CSV always has them all)."""
        self._may_see_reports(request)
        every_month = request.GET.get("all") == "1"
        today = timezone.localdate()
        months_back = today.year * 12 + today.month - 1 - (self.RECENT_MONTHS - 1)
        since = None if every_month else datetime.date(months_back // 12, months_back % 12 + 1, 1)
        months, methods, totals = services.payments_by_month(since=since)
        rows = [(row, [row.by_method.get(value) for value, _label in methods]) for row in months]
        context = self._report(
            request,
            _("Payments by month"),
            rows=rows,
            since=since,
            recent_months=self.RECENT_MONTHS,
            methods=methods,
            totals=totals,
            method_totals=[totals.by_method.get(value) for value, _label in methods] if totals else [],
        )
        return TemplateResponse(request, "admin/payments/payments_by_month.html", context)

    def by_month_csv_view(self, request: HttpRequest) -> HttpResponse:
        self._may_see_reports(request)
        months, methods, totals = services.payments_by_month()
        header = [_("Month"), *[label for _value, label in methods], _("Total")]
        lines = [
            [
                row.month.strftime("%Y-%m"),
                *[_amount(row.by_method.get(value, 0)) for value, _l in methods],
                _amount(row.total),
            ]
            for row in months
        ]
        if totals:
            lines.append(
                [_("Total"), *[_amount(totals.by_method.get(v, 0)) for v, _l in methods], _amount(totals.total)]
            )
        return csv_download("payments-by-month.csv", header, lines)

    def cohort_clock_hours_view(self, request: HttpRequest, cohort_id: int) -> HttpResponse:
        """Hours attended per week by the cohort's WIOA and GI Bill students."""
        self._may_see_reports(request)
        cohort = self._cohort(cohort_id)
        context = self._report(
            request,
            _("Clock hours in %(cohort)s (WIOA and GI Bill students)") % {"cohort": cohort.code},
            cohort=cohort,
            report=services.clock_hours(cohort=cohort),
            csv_url=reverse("admin:payments_cohort_clock_hours_csv", args=[cohort.pk]),
        )
        return TemplateResponse(request, "admin/payments/clock_hours.html", context)

    def cohort_clock_hours_csv_view(self, request: HttpRequest, cohort_id: int) -> HttpResponse:
        self._may_see_reports(request)
        cohort = self._cohort(cohort_id)
        return clock_hours_csv(f"clock-hours-{cohort.code}.csv", services.clock_hours(cohort=cohort))
