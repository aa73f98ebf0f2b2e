"""The demo school's money: a WIOA and a GI Bill sponsor pay for students who attend, so the clock-hour report, the
invoices and the balances have figures to show; a reset clears the invoices issued for its cohorts."""

from io import StringIO

import pytest
from django.core.management import call_command

from payments import services
from payments.models import Sponsor, SponsorInvoice, SponsorKind

pytestmark = pytest.mark.django_db


def seed(*args: str) -> None:
    call_command("seed_demo", *args, stdout=StringIO())


def test_the_demo_has_wioa_and_gi_bill_students_with_clock_hours_and_reset_clears_their_invoices():
    seed()
    for kind in (SponsorKind.WIOA, SponsorKind.GI_BILL):
        sponsor = Sponsor.objects.get(kind=kind)
        report = services.clock_hours(sponsor=sponsor)
        assert len(report.students) == 1
        assert report.students[0].total_minutes > 0 and len(report.weeks) >= 2
    wioa = Sponsor.objects.get(kind=SponsorKind.WIOA)
    [line] = services.invoice_lines(sponsor=wioa)
    assert (line.share, line.paid, line.due) == (1000, 500, 500)
    cohort = wioa.shares.get().enrollment.cohort
    services.issue_invoice(sponsor=wioa, cohort=cohort, actor=None)
    seed("--reset")
    assert not SponsorInvoice.objects.filter(cohort=cohort.pk).exists()
    assert len(services.clock_hours(sponsor=wioa).students) == 1
