"""A student on a payment plan sees the balance and the instalments on a phone; staff record a payment on a laptop;
the receipt e-mail arrives through the outbox with its PDF; the student then sees the first instalment paid and the
overdue report has nobody left on it."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from enrollment import services as enrollment_services
from enrollment.models import EmailStatus, OutgoingEmail
from payments.models import DueRule, Instalment, PaymentPlan, PlanStep
from tests.factories import make_cohort, make_course, make_groups, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def student_on_a_plan():
    make_groups()
    staff = get_user_model().objects.create_user("renee", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))
    course = make_course(title="Emergency Medical Technician", tuition=Decimal("1500.00"))
    plan = PaymentPlan.objects.create(name="Three payments", course=course)
    PlanStep.objects.create(plan=plan, amount=Decimal("500.00"), due=DueRule.AFTER_ENROLLING, days=0)
    PlanStep.objects.create(plan=plan, amount=Decimal("500.00"), due=DueRule.BEFORE_START, days=14)
    PlanStep.objects.create(plan=plan, amount=Decimal("500.00"), due=DueRule.BEFORE_START, days=0)
    cohort = make_cohort(course=course, code="EMT-2027-SPR-EVE")
    enrollment = enrollment_services.request_seat(
        cohort=cohort, student=student_details(first_name="Lena", last_name="Okafor"), confirmed=True
    )
    # As if put on the plan weeks ago: the first instalment fell due a week back, the others are to come.
    today = timezone.localdate()
    for instalment, days in zip(Instalment.objects.filter(enrollment=enrollment), (-7, 10, 20), strict=True):
        Instalment.objects.filter(pk=instalment.pk).update(due_on=today + datetime.timedelta(days=days))
    return enrollment


def test_a_student_on_a_plan_sees_it_staff_record_a_payment_and_the_receipt_arrives(
    live_server, page: Page, student_on_a_plan, screenshot
):
    enrollment = student_on_a_plan
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + enrollment.get_absolute_url())
    expect(page.get_by_text("$500.00 is overdue: please pay it as soon as you can.")).to_be_visible()
    page.get_by_role("link", name="Charges and payments").click()
    expect(page.get_by_role("heading", name="Your payment plan")).to_be_visible()
    plan = page.get_by_role("table", name="Instalments, earliest first")
    expect(plan.get_by_role("row")).to_have_count(4)
    expect(plan.get_by_role("row").nth(1)).to_contain_text("Overdue")
    expect(page.get_by_text("$1,500.00 due")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("payments-plan-overdue-phone")

    staff = page.context.browser.new_page(viewport=LAPTOP)
    staff.goto(live_server.url + "/admin/payments/instalment/overdue/")
    staff.get_by_label("Username").fill("renee")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff.get_by_text("One overdue payment of seated students, $500.00 in all.")).to_be_visible()
    expect(staff.get_by_role("cell", name="Lena Okafor", exact=False).first).to_contain_text(enrollment.student.email)
    staff.get_by_role("link", name="Record a payment Lena Okafor").click()
    staff.get_by_label("Amount ($)").fill("500.00")
    staff.get_by_label("Paid by").select_option(label="Check")
    staff.get_by_label("Reference").fill("1042")
    staff.get_by_role("button", name="Record the payment").click()
    expect(staff.get_by_text("$500.00 recorded for")).to_be_visible()
    staff.goto(live_server.url + "/admin/payments/instalment/overdue/")
    expect(staff.get_by_text("Nothing is overdue.")).to_be_visible()
    staff.close()

    # The receipt went through the outbox (the job runner sent it) with the PDF attached.
    receipt = OutgoingEmail.objects.get(enrollment=enrollment, kind="payment_receipt")
    assert receipt.status == EmailStatus.SENT
    [message] = [m for m in mail.outbox if "receipt" in m.subject.lower()]
    assert message.to == [enrollment.student.email]
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".pdf") and mimetype == "application/pdf" and content.startswith(b"%PDF")

    page.reload()
    expect(plan.get_by_role("row").nth(1)).to_contain_text("Paid")
    expect(page.get_by_text("$1,000.00 due")).to_be_visible()
    screenshot("payments-plan-paid-phone")


def test_the_back_office_money_pages_pass_axe(live_server, page: Page, student_on_a_plan, screenshot):
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/admin/payments/instalment/")
    page.get_by_label("Username").fill("renee")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Overdue payments")).to_be_visible()
    screenshot("admin-instalments")
    page.goto(live_server.url + "/admin/courses/cohort/")
    expect(page.get_by_text("1 student behind on payments")).to_be_visible()
    screenshot("admin-seat-board-overdue")
    page.goto(live_server.url + f"/admin/payments/instalment/plan/{student_on_a_plan.pk}/")
    expect(page.get_by_label("Plan")).to_be_visible()
    screenshot("admin-apply-plan")
    page.goto(live_server.url + f"/admin/payments/paymentplan/{PaymentPlan.objects.get().pk}/change/")
    screenshot("admin-payment-plan")
    page.goto(live_server.url + "/admin/payments/depositrule/add/")
    screenshot("admin-deposit-rule")
