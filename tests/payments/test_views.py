"""The student's payments page, the status page's card, and the staff's payment and reversal pages."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment import services as enrollment_services
from payments import services
from payments.models import LedgerEntry, Sponsor, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment():
    course = make_course(tuition=Decimal("1495.00"), title="Emergency Medical Technician")
    return enrollment_services.request_seat(
        cohort=make_cohort(course=course), student=student_details(last_name="González"), confirmed=True
    )


@pytest.fixture
def staff_client(client):
    make_groups()
    user = get_user_model().objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(user)
    return client


def test_the_status_page_shows_the_balance_and_leads_to_the_entries(client, enrollment):
    page = client.get(enrollment.get_absolute_url()).content.decode()
    assert "Tuition and payments" in page and "You owe $1,495.00 of the $1,495.00 charged." in page
    entries = client.get(reverse("payments:payments", args=[enrollment.token]))
    assert entries.status_code == 200
    assert "Tuition: Emergency Medical Technician" in entries.content.decode()


def test_the_payments_page_runs_the_same_queries_with_more_entries(client, enrollment):
    url = reverse("payments:payments", args=[enrollment.token])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    sponsor = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=sponsor, percent=Decimal(40))
    for _ in range(6):
        services.record_payment(enrollment=enrollment, amount=Decimal("10.00"), method="cash", actor=None)
    services.record_payment(enrollment=enrollment, amount=Decimal("10.00"), method="check", payer=sponsor, actor=None)
    with CaptureQueriesContext(connection) as many:
        assert "Chicago Fire Department (your sponsor)" in client.get(url).content.decode()
    assert len(many) == len(few)


def test_staff_record_a_payment_and_reverse_it(staff_client, enrollment):
    url = reverse("admin:payments_record_payment", args=[enrollment.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"amount": "250.00", "method": "check", "reference": "1042"})
    assert response.status_code == 302
    payment = LedgerEntry.objects.get(kind="payment")
    assert (payment.amount, payment.reference, payment.recorded_by.username) == (Decimal("-250.00"), "1042", "office")
    bad = staff_client.post(url, {"amount": "-5", "method": "check"})
    assert bad.status_code == 200 and LedgerEntry.objects.filter(kind="payment").count() == 1
    reverse_url = reverse("admin:payments_reverse_entry", args=[payment.pk])
    assert staff_client.post(reverse_url, {"reason": ""}).status_code == 200  # a reason is required
    assert staff_client.post(reverse_url, {"reason": "The check bounced."}).status_code == 302
    again = staff_client.post(reverse_url, {"reason": "Twice"})
    assert "already been reversed" in again.content.decode()
    assert services.balance(enrollment).due == Decimal("1495.00")
    changelist = staff_client.get(
        reverse("admin:payments_ledgerentry_changelist") + f"?enrollment__id__exact={enrollment.pk}"
    )
    assert changelist.status_code == 200 and "−$250.00" in changelist.content.decode()


def test_only_staff_who_may_add_entries_record_payments(client, enrollment):
    url = reverse("admin:payments_record_payment", args=[enrollment.pk])
    assert client.get(url).status_code == 302  # anonymous: the login page
    viewer = get_user_model().objects.create_user("viewer", password="pw-for-tests-123", is_staff=True)
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:payments_record_payment", args=[999999])).status_code == 403


def test_another_token_is_a_404(client, enrollment):
    assert client.get("/my/" + "A" * 43 + "/payments/").status_code == 404
