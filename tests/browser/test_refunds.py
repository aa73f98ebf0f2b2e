"""Refunds in the browser: the public refund page written from the policy's rows on a phone and a laptop, and staff
confirming a proposed refund from the queue. Every page is photographed and checked by axe-core."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from enrollment import services as enrollment_services
from payments import services
from payments.models import LedgerEntry, RefundProposal, RefundStatus
from tests.browser.layout import assert_no_sideways_scrolling
from tests.factories import make_cohort, make_course, make_groups, make_refund_policy, student_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "elite-demo-2026"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_the_refund_page_shows_the_policys_rules(live_server, page: Page, screenshot, viewport):
    make_refund_policy()
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/refunds/")
    table = page.get_by_role("table", name="The share of what you were charged that is refunded, by when you leave")
    expect(table.get_by_role("row")).to_have_count(6)
    expect(table.get_by_role("row", name="At least 1 day before the first day 100%")).to_be_visible()
    expect(table.get_by_role("row", name="More than 25%, up to 50% of the hours attended 50%")).to_be_visible()
    expect(page.get_by_text("A registration fee of $50.00 is not refunded")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(f"refunds-public-{viewport}")


def test_staff_confirm_a_proposed_refund_from_the_queue(live_server, page: Page, screenshot):
    make_groups()
    make_refund_policy()
    staff = get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True, first_name="Renee")
    staff.groups.add(Group.objects.get(name="Staff"))
    cohort = make_cohort(
        course=make_course(tuition=Decimal("1450.00")),
        code="EMT-2027-SPR-EVE",
        starts_on=datetime.date.today() + datetime.timedelta(days=20),
    )
    enrollment = enrollment_services.request_seat(
        cohort=cohort, student=student_details(first_name="Carmen", last_name="Delgado"), confirmed=True
    )
    services.record_payment(enrollment=enrollment, amount=Decimal("1450.00"), method="card", actor=None)
    enrollment_services.withdraw(enrollment=enrollment, reason="Moving to Texas.")

    page.set_viewport_size(VIEWPORTS["laptop"])
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/admin/payments/refundproposal/?status__exact=proposed")
    expect(page.get_by_role("cell", name="$1,400.00")).to_be_visible()
    screenshot("refunds-queue")
    assert_no_sideways_scrolling(page)  # the figures and "Confirm · Adjust" fit beside the admin's menu
    page.get_by_role("link", name="Confirm", exact=True).click()
    expect(page.get_by_text("Charged $1,450.00; the school keeps $50.00.")).to_be_visible()
    screenshot("refunds-confirm")
    page.get_by_label("Refunded by").select_option("check")
    page.get_by_label("Reference").fill("2041")
    page.get_by_role("button", name="Confirm the refund").click()
    expect(page.get_by_text("The refund is confirmed and posted to the ledger.")).to_be_visible()
    screenshot("refunds-ledger-after")
    assert RefundProposal.objects.get().status == RefundStatus.CONFIRMED
    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("1400.00")
    assert services.balance(enrollment).due == 0
