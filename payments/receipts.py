"""Receipts: a PDF for each payment (made with WeasyPrint, like the certificates), e-mailed to whoever paid through
the outbox, and downloadable by the student and by staff."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import SchoolProfile
from enrollment.models import OutgoingEmail
from enrollment.notifications import school_context, send_message
from payments.models import EntryKind, LedgerEntry

RECEIPT_EMAIL = "payment_receipt"
STYLESHEET = Path(__file__).with_name("receipt.css")


def receipt_number(entry: LedgerEntry) -> str:
    return f"R-{entry.pk:06d}"


def receipt_pdf(entry: LedgerEntry) -> bytes:
    """The receipt of a payment: the school, who paid for whom, the amount, how, the reference and the balance after."""
    import weasyprint  # loaded on first use: it pulls in Pango and fonts

    enrollment = entry.enrollment
    owed_after = LedgerEntry.objects.filter(enrollment=enrollment, pk__lte=entry.pk).aggregate(total=Sum("amount"))
    html = render_to_string(
        "payments/receipt.html",
        {
            "entry": entry,
            "number": receipt_number(entry),
            "student": enrollment.student,
            "cohort": enrollment.cohort,
            "course": enrollment.cohort.course,
            "paid": -entry.amount,
            "owed_after": owed_after["total"],
            "school": SchoolProfile.current(),
            "at": timezone.localtime(entry.at),
        },
    )
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(filename=STYLESHEET)])


def receipt_download(entry: LedgerEntry) -> HttpResponse:
    response = HttpResponse(receipt_pdf(entry), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_number(entry)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def send_receipt(email: OutgoingEmail) -> None:
    """The outbox's sender for receipts: the e-mail to the payer, with the receipt attached."""
    entry = LedgerEntry.objects.select_related("enrollment__student", "enrollment__cohort__course", "payer").get(
        pk=email.about_id, kind=EntryKind.PAYMENT
    )
    to = email.to_address or entry.enrollment.student.email
    context = {
        "entry": entry,
        "number": receipt_number(entry),
        "paid": -entry.amount,
        "student": entry.enrollment.student,
        "cohort": entry.enrollment.cohort,
        "payments_url": settings.SITE_URL + f"/my/{entry.enrollment.token}/payments/",
        "for_sponsor": entry.payer_id is not None,
        **school_context(),
    }
    subject = _("Your receipt %(number)s from %(school)s") % {
        "number": receipt_number(entry),
        "school": context["school_name"],
    }
    send_message(
        to,
        subject,
        "payments/email/receipt",
        context,
        attachments=[(f"receipt-{receipt_number(entry)}.pdf", receipt_pdf(entry), "application/pdf")],
    )
