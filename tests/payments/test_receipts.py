"""Every payment issues a receipt: a PDF e-mailed to whoever paid, downloadable by the student and by staff."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from enrollment import services as enrollment_services
from payments import services
from payments.models import Sponsor, SponsorKind
from payments.receipts import receipt_number, receipt_pdf
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment():
    course = make_course(tuition=Decimal("1495.00"), title="Emergency Medical Technician")
    return enrollment_services.request_seat(
        cohort=make_cohort(course=course, code="EMT-RCPT"),
        student=student_details(first_name="María", last_name="González"),
        confirmed=True,
    )


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_receipt_pdf_parses_and_says_who_paid_what_for_whom(enrollment):
    entry = services.record_payment(
        enrollment=enrollment, amount=Decimal("250.00"), method="check", reference="1042", actor=None
    )
    text = pdf_text(receipt_pdf(entry))
    for expected in (receipt_number(entry), "María González", "$250.00", "1042", "EMT-RCPT", "$1,245.00"):
        assert expected in text, expected


def test_a_payment_emails_the_student_their_receipt(enrollment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.record_payment(enrollment=enrollment, amount=Decimal("100.00"), method="cash", actor=None)
    [message] = [m for m in mail.outbox if receipt_number(entry) in m.subject]
    assert message.to == [enrollment.student.email]
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"receipt-{receipt_number(entry)}.pdf", "application/pdf")
    assert "$100.00" in pdf_text(content)


def test_a_sponsors_payment_emails_the_sponsor_and_not_the_student(enrollment, django_capture_on_commit_callbacks):
    fire = Sponsor.objects.create(
        name="Chicago Fire Department", kind=SponsorKind.EMPLOYER, email="training@cfd.example"
    )
    silent = Sponsor.objects.create(name="Quiet Sponsor", kind=SponsorKind.OTHER)
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.record_payment(
            enrollment=enrollment, amount=Decimal("500.00"), method="check", payer=fire, actor=None
        )
        other = services.record_payment(
            enrollment=enrollment, amount=Decimal("5.00"), method="check", payer=silent, actor=None
        )
    receipts = [m for m in mail.outbox if "receipt" in m.subject.lower()]
    assert [m.to for m in receipts] == [["training@cfd.example"]]
    assert receipt_number(entry) in receipts[0].subject and receipt_number(other) not in receipts[0].subject


def test_the_student_and_staff_download_receipts(client, enrollment):
    entry = services.record_payment(enrollment=enrollment, amount=Decimal("75.00"), method="cash", actor=None)
    url = reverse("payments:receipt", args=[enrollment.token, entry.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Receipt (PDF)" in client.get(reverse("payments:payments", args=[enrollment.token])).content.decode()
    other = enrollment_services.request_seat(cohort=enrollment.cohort, student=student_details(), confirmed=True)
    assert client.get(reverse("payments:receipt", args=[other.token, entry.pk])).status_code == 404
    charge = enrollment.ledger.filter(kind="charge").first()
    assert client.get(reverse("payments:receipt", args=[enrollment.token, charge.pk])).status_code == 404
    make_groups()
    staff = get_user_model().objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    staff.groups.add(Group.objects.get(name="Staff"))
    client.force_login(staff)
    assert client.get(reverse("admin:payments_receipt", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:payments_receipt", args=[charge.pk])).status_code == 404
