"""Sponsors' invoices: what a sponsor's shares come to on the enrollments it pays for, issued as a numbered record
(payments.SponsorInvoice) and, if staff ask, e-mailed to the sponsor through the outbox with the PDF attached."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from courses.models import Cohort
from enrollment.notifications import notify_address
from enrollment.services import EnrollmentError
from payments.invoices import INVOICE_EMAIL
from payments.models import Sponsor, SponsorInvoice, SponsorShare
from payments.services.ledger import balances_of


@dataclass(frozen=True)
class InvoiceLine:
    """One enrollment a sponsor pays for: its share of the charges, what it has paid (net of refunds), what is due."""

    enrollment_id: int
    student: str
    cohort: str
    course: str
    share: Decimal
    paid: Decimal
    due: Decimal


def invoice_lines(*, sponsor: Sponsor, cohort: Cohort | None = None) -> list[InvoiceLine]:
    """The sponsor's lines: every share in `cohort`, or, without a cohort, every share with something still due.
    Three queries, whatever the number of shares (the balances come from balances_of in one batch)."""
    shares = list(
        SponsorShare.objects.filter(sponsor=sponsor, **({"enrollment__cohort": cohort} if cohort else {}))
        .select_related("enrollment__student", "enrollment__cohort__course")
        .order_by("enrollment__cohort__starts_on", "enrollment__cohort__code", "enrollment__student__last_name", "pk")
    )
    balances = balances_of([share.enrollment_id for share in shares])
    lines = []
    for share in shares:
        enrollment = share.enrollment
        payer = next(p for p in balances[enrollment.pk].payers if p.payer is not None and p.payer.pk == sponsor.pk)
        line = InvoiceLine(
            enrollment_id=enrollment.pk,
            student=enrollment.student.full_name,
            cohort=enrollment.cohort.code,
            course=enrollment.cohort.course.title,
            share=payer.share,
            paid=payer.paid - payer.refunded,
            due=payer.due,
        )
        if cohort is not None or line.due > 0:
            lines.append(line)
    return lines


@transaction.atomic
def issue_invoice(
    *, sponsor: Sponsor, actor: AbstractBaseUser | None, cohort: Cohort | None = None, send: bool = False
) -> SponsorInvoice:
    """Issue a numbered invoice to `sponsor` for its open shares (or one cohort's), keeping its figures as issued;
    with `send`, queue it to the sponsor's e-mail address (the outbox sends it after commit)."""
    # One sponsor's invoices are issued one at a time, so two clicks never number the same figures twice unseen.
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    if send and not sponsor.email:
        raise EnrollmentError(
            _("%(sponsor)s has no e-mail address on file: add one to the sponsor, or download the invoice instead.")
            % {"sponsor": sponsor.name},
            code="no_sponsor_email",
        )
    lines = invoice_lines(sponsor=sponsor, cohort=cohort)
    if not lines:
        if cohort is not None:
            message = _(
                "%(sponsor)s has no share in %(cohort)s, so there is nothing to invoice: choose another cohort, or "
                "assign its shares first."
            ) % {"sponsor": sponsor.name, "cohort": cohort.code}
        else:
            message = _(
                "Nothing is due from %(sponsor)s on its shares, so there is nothing to invoice: choose a cohort to "
                "list paid shares, or assign its shares first."
            ) % {"sponsor": sponsor.name}
        raise EnrollmentError(message, code="nothing_to_invoice")
    invoice = SponsorInvoice.objects.create(
        sponsor=sponsor,
        cohort=cohort,
        lines=[
            {
                "enrollment": line.enrollment_id,
                "student": line.student,
                "cohort": line.cohort,
                "course": line.course,
                "share": str(line.share),
                "paid": str(line.paid),
                "due": str(line.due),
            }
            for line in lines
        ],
        total_due=sum((line.due for line in lines), Decimal(0)),
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if send:
        notify_address(sponsor.email, INVOICE_EMAIL, about_id=invoice.pk)
    return invoice
