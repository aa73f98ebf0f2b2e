"""The ledger: charges posted when a seat is confirmed, payments, refunds, reversals, sponsors' shares, balances."""

import random
from decimal import Decimal

import pytest

from enrollment import services as enrollment_services
from enrollment.models import AuditEvent
from enrollment.services import EnrollmentError
from payments import services
from payments.models import Fee, FeeKind, LedgerEntry, PaymentMethod, Sponsor, SponsorKind, SponsorShare
from tests.factories import make_cohort, make_course, student_details

pytestmark = pytest.mark.django_db


def refused(code: str, call, **kwargs) -> EnrollmentError:
    with pytest.raises(EnrollmentError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.fixture
def course():
    course = make_course(tuition=Decimal("1495.00"))
    Fee.objects.create(course=course, kind=FeeKind.OTHER, name="Books and uniform", amount=Decimal("180.00"))
    return course


def seated(cohort, **kwargs):
    return enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True, **kwargs)


def test_a_confirmed_seat_is_charged_the_course_tuition_and_fees_once(course):
    enrollment = seated(make_cohort(course=course))
    charges = list(LedgerEntry.objects.filter(enrollment=enrollment).values_list("description", "amount"))
    assert charges == [
        (f"Tuition: {course.title}", Decimal("1495.00")),
        ("Books and uniform", Decimal("180.00")),
    ]
    assert services.balance(enrollment).due == Decimal("1675.00")
    assert AuditEvent.objects.filter(enrollment=enrollment, action="ledger.charge").count() == 2


def test_an_unconfirmed_signup_is_charged_only_when_its_owner_opens_the_link(course):
    cohort = make_cohort(course=course)
    enrollment = enrollment_services.request_seat(cohort=cohort, student=student_details())
    assert not LedgerEntry.objects.filter(enrollment=enrollment).exists()
    enrollment_services.confirm_signup(enrollment=enrollment)
    assert LedgerEntry.objects.filter(enrollment=enrollment, kind="charge").count() == 2


def test_a_waitlisted_student_is_charged_when_their_offer_is_accepted(course):
    cohort = make_cohort(course=course, capacity=1)
    first = seated(cohort)
    waiting = seated(cohort)
    assert not LedgerEntry.objects.filter(enrollment=waiting).exists()
    enrollment_services.withdraw(enrollment=first)
    waiting.refresh_from_db()
    enrollment_services.accept_offer(enrollment=waiting)
    assert services.balance(waiting).charged == Decimal("1675.00")


def test_a_cohort_overrides_the_tuition_and_a_fee_of_the_same_name(course):
    cohort = make_cohort(course=course)
    Fee.objects.create(course=course, cohort=cohort, kind=FeeKind.TUITION, name="Tuition", amount=Decimal("1295.00"))
    Fee.objects.create(course=course, cohort=cohort, kind=FeeKind.OTHER, name="Books and uniform", amount=Decimal(0))
    assert services.fees_for(cohort) == [(f"Tuition: {course.title}", Decimal("1295.00"))]


def test_payments_refunds_and_the_balance_is_always_the_sum_of_the_entries(course):
    enrollment = seated(make_cohort(course=course))
    rng = random.Random(5)
    for _ in range(25):
        amount = Decimal(rng.randint(1, 50000)) / 100
        if rng.random() < 0.7:
            services.record_payment(enrollment=enrollment, amount=amount, method=PaymentMethod.CASH, actor=None)
        else:
            services.record_refund(
                enrollment=enrollment, amount=amount, method=PaymentMethod.CHECK, reason="Overpaid", actor=None
            )
    total = sum(LedgerEntry.objects.filter(enrollment=enrollment).values_list("amount", flat=True))
    assert services.balance(enrollment).due == total


def test_a_reversed_entry_nets_to_zero_and_is_reversed_once(course):
    enrollment = seated(make_cohort(course=course))
    before = services.balance(enrollment).due
    payment = services.record_payment(
        enrollment=enrollment, amount=Decimal("500.00"), method=PaymentMethod.CHECK, reference="1042", actor=None
    )
    reversal = services.reverse_entry(entry=payment, reason="The check bounced.", actor=None)
    assert payment.amount + reversal.amount == 0
    assert services.balance(enrollment).due == before
    refused("already_reversed", services.reverse_entry, entry=payment, reason="Again", actor=None)
    refused("already_reversed", services.reverse_entry, entry=reversal, reason="Undo", actor=None)
    refused("reason_required", services.reverse_entry, entry=LedgerEntry.objects.first(), reason=" ", actor=None)


def test_a_sponsors_share_gives_two_correct_balances(course):
    enrollment = seated(make_cohort(course=course))
    fire = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    wioa = Sponsor.objects.create(name="Chicago Cook Workforce Partnership", kind=SponsorKind.WIOA)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=fire, percent=Decimal(50))
    SponsorShare.objects.create(enrollment=enrollment, sponsor=wioa, amount=Decimal("500.00"))
    services.record_payment(enrollment=enrollment, amount=Decimal("837.50"), method="check", payer=fire, actor=None)
    services.record_payment(enrollment=enrollment, amount=Decimal("100.00"), method="cash", actor=None)
    payers = {p.name: p for p in services.balance(enrollment).payers}
    assert payers["Chicago Fire Department"].share == Decimal("837.50")  # half of 1,675.00
    assert payers["Chicago Fire Department"].due == 0
    assert payers["Chicago Cook Workforce Partnership"].due == Decimal("500.00")
    assert payers["Student"].share == Decimal("337.50") and payers["Student"].due == Decimal("237.50")
    assert services.balance(enrollment).due == Decimal("737.50")


def test_amounts_are_decimal_cents_and_plausible(course):
    enrollment = seated(make_cohort(course=course))
    with pytest.raises(TypeError):
        services.record_payment(enrollment=enrollment, amount=10.5, method="cash", actor=None)
    for amount in (Decimal(0), Decimal("-5"), Decimal("10.005"), Decimal("1000000")):
        refused(
            "amount_invalid", services.record_payment, enrollment=enrollment, amount=amount, method="cash", actor=None
        )
    refused(
        "method_invalid", services.record_payment, enrollment=enrollment, amount=Decimal(5), method="iou", actor=None
    )
    refused(
        "reason_required",
        services.record_refund,
        enrollment=enrollment,
        amount=Decimal(5),
        method="cash",
        reason="",
        actor=None,
    )


def test_the_ledger_is_append_only(course):
    enrollment = seated(make_cohort(course=course))
    entry = LedgerEntry.objects.filter(enrollment=enrollment).first()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal(1))
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.amount = Decimal(1)
    with pytest.raises(TypeError):
        entry.save()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("1495.00")


def test_a_move_carries_the_books_and_the_sponsor_to_the_new_enrollment(course, django_user_model):
    staff = django_user_model.objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    old = seated(make_cohort(course=course, code="EMT-OLD"))
    sponsor = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=old, sponsor=sponsor, percent=Decimal(50))
    services.record_payment(enrollment=old, amount=Decimal("300.00"), method="cash", actor=None)
    before = {p.name: p.due for p in services.balance(old).payers}
    new = enrollment_services.move(enrollment=old, to_cohort=make_cohort(course=course, code="EMT-NEW"), actor=staff)
    assert services.balance(old).due == 0
    assert {p.name: p.due for p in services.balance(new).payers} == before
    assert LedgerEntry.objects.filter(enrollment=new, kind="charge").count() == 2  # carried, not charged twice
