"""Sponsors' invoices: numbered, dated PDFs of a sponsor's shares (all open ones, or one cohort's), kept as issued,
e-mailed to the sponsor through the outbox on request."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from courses.models import SchoolProfile
from enrollment import services as enrollment_services
from enrollment.models import OutgoingEmail
from enrollment.services import EnrollmentError
from payments import services
from payments.invoices import INVOICE_EMAIL, invoice_pdf
from payments.models import Sponsor, SponsorInvoice, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, student_details

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def refused(code: str, call, **kwargs) -> EnrollmentError:
    with pytest.raises(EnrollmentError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.fixture
def wioa():
    """A WIOA sponsor paying 60% of María's $1,495 tuition (part paid) and a fixed $500 of Sam's in another cohort
    (paid in full)."""
    course = make_course(tuition=Decimal("1495.00"), title="Emergency Medical Technician")
    first = make_cohort(course=course, code="EMT-SPRING")
    second = make_cohort(course=course, code="EMT-SUMMER")
    sponsor = Sponsor.objects.create(
        name="Chicago Cook Workforce Partnership", kind=SponsorKind.WIOA, email="wioa@workforce.example"
    )
    maria = enrollment_services.request_seat(
        cohort=first, student=student_details(first_name="María", last_name="González"), confirmed=True
    )
    sam = enrollment_services.request_seat(
        cohort=second, student=student_details(first_name="Sam", last_name="Okafor"), confirmed=True
    )
    SponsorShare.objects.create(enrollment=maria, sponsor=sponsor, percent=Decimal("60"))
    SponsorShare.objects.create(enrollment=sam, sponsor=sponsor, amount=Decimal("500.00"))
    pay = services.record_payment
    pay(enrollment=maria, amount=Decimal("300.00"), method="check", payer=sponsor, actor=None)
    pay(enrollment=maria, amount=Decimal("100.00"), method="cash", actor=None)  # the student's, not on the invoice
    pay(enrollment=sam, amount=Decimal("500.00"), method="check", payer=sponsor, actor=None)
    return {"sponsor": sponsor, "maria": maria, "sam": sam, "first": first, "second": second}


def test_an_invoice_for_the_open_shares_lists_what_is_still_due_and_parses_as_pdf(wioa):
    invoice = services.issue_invoice(sponsor=wioa["sponsor"], actor=None)
    # 60% of $1,495.00 is $897.00; the sponsor paid $300.00; Sam's share is paid, so it is not open.
    assert [(r["student"], r["share"], r["paid"], r["due"]) for r in invoice.rows()] == [
        ("María González", Decimal("897.00"), Decimal("300.00"), Decimal("597.00"))
    ]
    assert invoice.total_due == Decimal("597.00")
    text = pdf_text(invoice_pdf(invoice))
    school = SchoolProfile.current()
    for expected in (
        invoice.number,
        "Chicago Cook Workforce Partnership",
        "María González",
        "EMT-SPRING",
        "Emergency Medical Technician",
        "$897.00",
        "$300.00",
        "Amount due: $597.00",
        school.phone,
        school.email,
    ):
        assert expected in text, expected
    assert "Okafor" not in text


def test_an_invoice_for_one_cohort_lists_its_shares_even_when_paid(wioa):
    invoice = services.issue_invoice(sponsor=wioa["sponsor"], cohort=wioa["second"], actor=None)
    assert [(r["student"], r["share"], r["paid"], r["due"]) for r in invoice.rows()] == [
        ("Sam Okafor", Decimal("500.00"), Decimal("500.00"), Decimal("0.00"))
    ]
    assert "Amount due: $0.00" in pdf_text(invoice_pdf(invoice))


def test_an_issued_invoice_keeps_its_number_and_figures_when_the_books_move_on(wioa):
    first = services.issue_invoice(sponsor=wioa["sponsor"], actor=None)
    services.record_payment(
        enrollment=wioa["maria"], amount=Decimal("97.00"), method="check", payer=wioa["sponsor"], actor=None
    )
    again = SponsorInvoice.objects.get(pk=first.pk)
    assert again.number == first.number and again.total_due == Decimal("597.00")
    assert "Amount due: $597.00" in pdf_text(invoice_pdf(again))
    second = services.issue_invoice(sponsor=wioa["sponsor"], actor=None)
    assert second.number != first.number and second.total_due == Decimal("500.00")
    with pytest.raises(TypeError):
        again.save()
    with pytest.raises(TypeError):
        SponsorInvoice.objects.update(total_due=0)


def test_nothing_to_invoice_is_refused_with_a_way_forward(wioa):
    idle = Sponsor.objects.create(name="Idle Employer", kind=SponsorKind.EMPLOYER)
    error = refused("nothing_to_invoice", services.issue_invoice, sponsor=idle, actor=None)
    assert "assign its shares first" in error.message
    elsewhere = make_cohort(code="EMT-ELSEWHERE")
    error = refused("nothing_to_invoice", services.issue_invoice, sponsor=wioa["sponsor"], cohort=elsewhere, actor=None)
    assert "no share in EMT-ELSEWHERE" in error.message and "choose another cohort" in error.message
    assert not SponsorInvoice.objects.exists()


def test_an_invoice_is_emailed_to_the_sponsor_with_the_pdf(wioa, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.issue_invoice(sponsor=wioa["sponsor"], send=True, actor=None)
    assert OutgoingEmail.objects.filter(kind=INVOICE_EMAIL, about_id=invoice.pk).count() == 1
    [message] = [m for m in mail.outbox if invoice.number in m.subject]
    assert message.to == ["wioa@workforce.example"]
    assert "$597.00" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    assert "María González" in pdf_text(content)


def test_emailing_needs_the_sponsors_address(wioa):
    quiet = Sponsor.objects.create(name="No Address Employer", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=wioa["sam"], sponsor=quiet, amount=Decimal("10.00"))
    refused("no_sponsor_email", services.issue_invoice, sponsor=quiet, send=True, actor=None)
    assert not OutgoingEmail.objects.filter(kind=INVOICE_EMAIL).exists()


def test_invoice_lines_take_a_fixed_number_of_queries(wioa, django_assert_num_queries):
    with django_assert_num_queries(3):
        services.invoice_lines(sponsor=wioa["sponsor"])
    for _ in range(3):
        extra = enrollment_services.request_seat(cohort=wioa["first"], student=student_details(), confirmed=True)
        SponsorShare.objects.create(enrollment=extra, sponsor=wioa["sponsor"], percent=Decimal("50"))
    with django_assert_num_queries(3):
        lines = services.invoice_lines(sponsor=wioa["sponsor"])
    assert len(lines) == 4
