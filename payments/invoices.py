"""Sponsors' invoices as PDF (WeasyPrint, like the receipts and the certificates), downloaded by staff from the
sponsor's page and e-mailed to the sponsor through the outbox. The figures are the invoice's own, as issued."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import SchoolProfile
from enrollment.models import OutgoingEmail
from enrollment.notifications import school_context, send_message
from payments.models import SponsorInvoice

INVOICE_EMAIL = "sponsor_invoice"
STYLESHEET = Path(__file__).with_name("invoice.css")


def invoice_pdf(invoice: SponsorInvoice) -> bytes:
    """The invoice: the school and its contact details, the number and date, the sponsor, one line per enrollment
    (student, cohort, course, share, paid, due) and the totals."""
    import weasyprint  # loaded on first use: it pulls in Pango and fonts

    html = render_to_string(
        "payments/invoice.html",
        {
            "invoice": invoice,
            "sponsor": invoice.sponsor,
            "rows": invoice.rows(),
            "totals": invoice.totals(),
            "school": SchoolProfile.current(),
            "issued": timezone.localtime(invoice.issued_at),
        },
    )
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(filename=STYLESHEET)])


def invoice_filename(invoice: SponsorInvoice) -> str:
    return f"invoice-{invoice.number}.pdf"


def invoice_download(invoice: SponsorInvoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def send_invoice(email: OutgoingEmail) -> None:
    """The outbox's sender for invoices: the e-mail to the sponsor's address, with the invoice attached."""
    invoice = SponsorInvoice.objects.select_related("sponsor", "cohort").get(pk=email.about_id)
    context = {"invoice": invoice, "sponsor": invoice.sponsor, "totals": invoice.totals(), **school_context()}
    subject = _("Invoice %(number)s from %(school)s") % {"number": invoice.number, "school": context["school_name"]}
    send_message(
        email.to_address or invoice.sponsor.email,
        subject,
        "payments/email/invoice",
        context,
        attachments=[(invoice_filename(invoice), invoice_pdf(invoice), "application/pdf")],
    )
