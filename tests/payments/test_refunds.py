"""Refunds by policy: the rules at their edges, the proposal at withdrawal and completion, settling it through the
ledger (confirm once, adjust with a reason), the staff's pages and who may use them, and the public refund page
written from the same rows."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db.models import Sum
from django.urls import reverse

from enrollment import services as enrollment_services
from enrollment.models import Attendance, AttendanceStatus, AuditEvent, EnrollmentStatus, OutgoingEmail
from enrollment.notifications import deliver
from enrollment.services import EnrollmentError
from payments import services
from payments.models import (
    LedgerEntry,
    RefundPolicy,
    RefundProposal,
    RefundRule,
    RefundRuleBasis,
    RefundStatus,
    Sponsor,
    SponsorKind,
    SponsorShare,
)
from tests.factories import make_cohort, make_course, make_groups, make_refund_policy, student_details

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
FIRST_DAY = datetime.date(2027, 3, 1)  # the cohort's starts_on
HOURS = 100  # the course's nominal hours: 6000 minutes
TUITION = Decimal("1050.00")  # with the default $50 registration fee, $1,000 is subject to the rules


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CHICAGO)


def refused(code: str, call, **kwargs) -> EnrollmentError:
    with pytest.raises(EnrollmentError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.fixture
def cohort():
    make_refund_policy()  # the migration's rows, gone after a transactional test's flush
    course = make_course(tuition=TUITION, nominal_hours=Decimal(HOURS))
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=40)), tick=False):
        return make_cohort(
            course=course, starts_on=FIRST_DAY, ends_on=FIRST_DAY + datetime.timedelta(days=60), capacity=5
        )


@pytest.fixture
def staff():
    make_groups()
    user = get_user_model().objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    return user


def seated(cohort, *, paid: Decimal | None = TUITION):
    """A confirmed seat in `cohort` (charged the tuition), paid `paid` by the student, signed up 40 days ahead."""
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=40)), tick=False):
        enrollment = enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
        if paid:
            services.record_payment(enrollment=enrollment, amount=paid, method="cash", actor=None)
    return enrollment


def attended(enrollment, minutes: int) -> None:
    """`minutes` of class attended, in one session on the first day (the hours rule's own source: Attendance)."""
    start = at(FIRST_DAY, 8)
    session = enrollment.cohort.sessions.create(
        starts_at=start, ends_at=start + datetime.timedelta(minutes=max(minutes, 60)), topic="Everything"
    )
    Attendance.objects.create(enrollment=enrollment, session=session, status=AttendanceStatus.PRESENT, minutes=minutes)


def withdraw_on(enrollment, day: datetime.date, hour: int = 12) -> RefundProposal:
    with time_machine.travel(at(day, hour), tick=False):
        enrollment_services.withdraw(enrollment=enrollment)
    return RefundProposal.objects.get(enrollment=enrollment)


def books_add_up(enrollment) -> Decimal:
    """The balance, checked against the plain sum of the entries: they must agree."""
    due = services.balance(enrollment).due
    total = LedgerEntry.objects.filter(enrollment=enrollment).aggregate(total=Sum("amount"))["total"]
    assert due == total
    return due


# The rules: the default policy, at and around each edge.
@pytest.mark.parametrize(
    ("day", "minutes", "percent", "retained"),
    [
        (FIRST_DAY - datetime.timedelta(days=30), 0, Decimal(100), Decimal("50.00")),
        # The day before the first day is "at least 1 day before": everything but the registration fee.
        (FIRST_DAY - datetime.timedelta(days=1), 0, Decimal(100), Decimal("50.00")),
        # The first day counts as started, class or not: by hours, 0% attended is "up to 10%".
        (FIRST_DAY, 0, Decimal(90), Decimal("150.00")),
        (FIRST_DAY, 600, Decimal(90), Decimal("150.00")),  # exactly 10%: up to 10%, included
        (FIRST_DAY, 601, Decimal(75), Decimal("300.00")),
        (FIRST_DAY, 1500, Decimal(75), Decimal("300.00")),
        (FIRST_DAY, 2999, Decimal(50), Decimal("550.00")),
        (FIRST_DAY, 3000, Decimal(50), Decimal("550.00")),  # exactly half the hours: up to 50%, included
        (FIRST_DAY, 3001, Decimal(0), Decimal("1050.00")),
        (FIRST_DAY + datetime.timedelta(days=20), 6000, Decimal(0), Decimal("1050.00")),
    ],
)
def test_the_default_policy_at_its_edges(cohort, day, minutes, percent, retained):
    enrollment = seated(cohort)
    if minutes:
        attended(enrollment, minutes)
    proposal = withdraw_on(enrollment, day)
    assert (proposal.refund_percent, proposal.retained, proposal.charged) == (percent, retained, TUITION)
    (line,) = proposal.lines.all()
    assert (line.payer_id, line.paid, line.proposed, line.still_due) == (None, TUITION, TUITION - retained, 0)


def test_the_rule_applied_is_written_out_for_staff(cohort):
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=1))
    assert proposal.rule == (
        "Leaving at least 1 day before the first day: 100% refunded. Left 1 day before the first day."
    )
    later = seated(cohort)
    attended(later, 3000)
    assert "Left having attended 50 h of the course's 100 h." in withdraw_on(later, FIRST_DAY).rule


def test_the_hours_are_the_enrollment_apps_hours_absences_and_excused_do_not_count(cohort):
    enrollment = seated(cohort)
    attended(enrollment, 600)
    start = at(FIRST_DAY, 14)
    for status in [AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]:
        session = cohort.sessions.create(starts_at=start, ends_at=start + datetime.timedelta(hours=30), topic="x")
        Attendance.objects.create(enrollment=enrollment, session=session, status=status, minutes=0)
        start += datetime.timedelta(days=1)
    assert withdraw_on(enrollment, FIRST_DAY + datetime.timedelta(days=3)).refund_percent == Decimal(90)


def test_a_course_of_its_own_policy_is_settled_by_it_and_the_registration_fee_is_never_more_than_charged(cohort):
    own = RefundPolicy.objects.create(course=cohort.course, registration_fee=Decimal("2000.00"))
    RefundRule.objects.create(policy=own, basis=RefundRuleBasis.BEFORE_START, bound=7, refund_percent=Decimal(80))
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=7))
    assert proposal.retained == TUITION  # the fee caps at what was charged
    own.registration_fee = Decimal(0)
    own.save()
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=8))
    assert (proposal.refund_percent, proposal.retained) == (Decimal(80), Decimal("210.00"))
    # Six days before: no rule of this course's policy applies (it has no hours rules): nothing back.
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=6))
    assert (proposal.refund_percent, proposal.retained) == (Decimal(0), TUITION)
    assert proposal.rule.startswith("No rule applies")


def test_cents_are_rounded_once_half_away_from_zero(cohort):
    policy = RefundPolicy.objects.get(course=None)
    policy.registration_fee = Decimal(0)
    policy.save()
    policy.rules.filter(basis=RefundRuleBasis.BEFORE_START).update(refund_percent=Decimal("33.33"))
    cohort.course.tuition = Decimal("100.05")
    cohort.course.save()
    proposal = withdraw_on(seated(cohort, paid=Decimal("100.05")), FIRST_DAY - datetime.timedelta(days=2))
    # Kept: 100.05 x 66.67% = 66.703335 -> 66.70; refunded the rest, to the cent.
    assert (proposal.retained, proposal.lines.get().proposed) == (Decimal("66.70"), Decimal("33.35"))


# Settling: confirm, adjust, the books.
def test_confirming_posts_the_refund_and_the_write_off_and_the_books_net_to_zero(cohort, staff):
    enrollment = seated(cohort)
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    settled = services.confirm_refund(proposal=proposal, method="check", reference="2041", actor=staff)
    assert settled.status == RefundStatus.CONFIRMED and settled.settled_by == staff
    entries = list(
        LedgerEntry.objects.filter(enrollment=enrollment, kind__in=["refund", "adjustment"]).values_list(
            "kind", "amount", "method", "reference"
        )
    )
    assert entries == [("refund", Decimal("1000.00"), "check", "2041"), ("adjustment", Decimal("-1000.00"), "", "")]
    assert books_add_up(enrollment) == 0
    actions = list(AuditEvent.objects.filter(enrollment=enrollment).order_by("pk").values_list("action", flat=True))
    assert actions[-4:] == ["refund.proposed", "ledger.refund", "ledger.adjustment", "refund.confirmed"]


def test_the_student_is_told_by_e_mail_what_comes_back_and_what_stays_due(cohort, staff):
    refunded, owing, even = seated(cohort), seated(cohort, paid=None), seated(cohort, paid=Decimal("550.00"))
    attended(owing, 3000)
    attended(even, 3000)
    services.confirm_refund(
        proposal=withdraw_on(refunded, FIRST_DAY - datetime.timedelta(days=1)), method="check", actor=staff
    )
    services.confirm_refund(proposal=withdraw_on(owing, FIRST_DAY), method="check", actor=staff)
    services.confirm_refund(proposal=withdraw_on(even, FIRST_DAY), method="check", actor=staff)
    emails = {e.enrollment_id: e for e in OutgoingEmail.objects.filter(kind="refund_settled")}
    assert set(emails) == {refunded.pk, owing.pk, even.pk}
    mail.outbox.clear()
    assert deliver(emails[refunded.pk].pk) == "sent"
    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == [refunded.student.email] and f"refund for {cohort.code}" in mail.outbox[-1].subject
    assert "$1,000.00 comes back to you (Check)" in body and "stays due" not in body
    assert f"/my/{refunded.token}/payments/" in body
    assert deliver(emails[owing.pk].pk) == "sent"
    assert "nothing comes back to you" in mail.outbox[-1].body and "$550.00 stays due" in mail.outbox[-1].body
    # Paid exactly what the school keeps: nothing back, nothing due, nothing to say.
    assert deliver(emails[even.pk].pk) == "not_needed"
    assert len(mail.outbox) == 2


def test_zero_paid_proposes_nothing_back_and_what_the_school_keeps_stays_due(cohort, staff):
    enrollment = seated(cohort, paid=None)
    attended(enrollment, 3000)
    proposal = withdraw_on(enrollment, FIRST_DAY)
    line = proposal.lines.get()
    assert (line.paid, line.retained, line.proposed, line.still_due) == (0, Decimal("550.00"), 0, Decimal("550.00"))
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    assert not LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").exists()
    assert books_add_up(enrollment) == Decimal("550.00")


def test_a_sponsors_share_splits_what_is_kept_and_what_goes_back(cohort, staff):
    enrollment = seated(cohort, paid=Decimal("630.00"))
    sponsor = Sponsor.objects.create(name="Chicago Fire Department", kind=SponsorKind.EMPLOYER)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=sponsor, percent=Decimal(40))
    services.record_payment(enrollment=enrollment, amount=Decimal("420.00"), method="check", payer=sponsor, actor=None)
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    lines = {line.payer_id: line for line in proposal.lines.all()}
    assert (lines[None].share, lines[None].retained, lines[None].proposed) == (
        Decimal("630.00"),
        Decimal("30.00"),
        Decimal("600.00"),
    )
    assert (lines[sponsor.pk].share, lines[sponsor.pk].retained, lines[sponsor.pk].proposed) == (
        Decimal("420.00"),
        Decimal("20.00"),
        Decimal("400.00"),
    )
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    refunds = dict(LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").values_list("payer", "amount"))
    assert refunds == {None: Decimal("600.00"), sponsor.pk: Decimal("400.00")}
    assert {p.name: p.due for p in services.balance(enrollment).payers} == {"Student": 0, sponsor.name: 0}
    assert books_add_up(enrollment) == 0


def test_confirming_twice_settles_once(cohort, staff):
    enrollment = seated(cohort)
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    # The same (now stale) object again, as a second tab or a double click would send it.
    refused("refund_settled", services.confirm_refund, proposal=proposal, method="check", actor=staff)
    refused(
        "refund_settled",
        services.adjust_refund,
        proposal=proposal,
        refunds={None: Decimal(1)},
        reason="x",
        method="check",
        actor=staff,
    )
    assert LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").count() == 1
    assert books_add_up(enrollment) == 0


def test_adjusting_needs_a_reason_and_settles_the_payer_in_full(cohort, staff):
    enrollment = seated(cohort)
    attended(enrollment, 3001)  # the policy gives nothing back
    proposal = withdraw_on(enrollment, FIRST_DAY)
    assert proposal.lines.get().proposed == 0
    refused(
        "reason_required",
        services.adjust_refund,
        proposal=proposal,
        refunds={None: Decimal("300.00")},
        reason="  ",
        method="check",
        actor=staff,
    )
    refused(
        "amount_invalid",
        services.adjust_refund,
        proposal=proposal,
        refunds={None: Decimal("1050.01")},
        reason="Hospitalised.",
        method="check",
        actor=staff,
    )
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundStatus.PROPOSED
    settled = services.adjust_refund(
        proposal=proposal, refunds={None: Decimal("300.00")}, reason="Hospitalised.", method="check", actor=staff
    )
    assert (settled.status, settled.reason, settled.lines.get().refund) == (
        RefundStatus.ADJUSTED,
        "Hospitalised.",
        Decimal("300.00"),
    )
    assert books_add_up(enrollment) == 0
    assert AuditEvent.objects.filter(enrollment=enrollment, action="refund.adjusted", reason="Hospitalised.").exists()


def test_a_payment_after_the_proposal_works_the_figures_out_again_before_anything_is_posted(cohort, staff):
    enrollment = seated(cohort, paid=Decimal("500.00"))
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    assert proposal.lines.get().proposed == Decimal("450.00")
    services.record_payment(enrollment=enrollment, amount=Decimal("100.00"), method="cash", actor=None)
    refused("refund_stale", services.confirm_refund, proposal=proposal, method="check", actor=staff)
    assert not LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").exists()
    assert proposal.lines.get().proposed == Decimal("550.00")
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    assert books_add_up(enrollment) == 0


def test_a_move_carries_the_books_and_proposes_no_refund(cohort, staff):
    enrollment = seated(cohort)
    other = make_cohort(
        course=cohort.course,
        starts_on=FIRST_DAY + datetime.timedelta(days=60),
        ends_on=FIRST_DAY + datetime.timedelta(days=120),
    )
    enrollment_services.move(enrollment=enrollment, to_cohort=other, actor=staff)
    assert not RefundProposal.objects.exists()


@pytest.mark.parametrize("how", ["reject", "decline_offer"])
def test_a_payment_made_before_a_seat_that_never_came_is_proposed_back_in_full(cohort, staff, how):
    cohort.capacity = 0
    cohort.save(update_fields=["capacity"])
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=40)), tick=False):
        waiting = enrollment_services.request_seat(cohort=cohort, student=student_details(), confirmed=True)
        assert waiting.status == EnrollmentStatus.WAITLISTED
        services.record_payment(enrollment=waiting, amount=Decimal("200.00"), method="cash", actor=None)
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=20)), tick=False):
        if how == "reject":
            enrollment_services.reject(enrollment=waiting, actor=staff, reason="Not eligible this term.")
        else:
            cohort.capacity = 1
            cohort.save(update_fields=["capacity"])
            enrollment_services.record_capacity_change(cohort=cohort, old=0, new=1, actor=staff)
            waiting.refresh_from_db()
            assert waiting.status == EnrollmentStatus.OFFERED
            enrollment_services.decline_offer(enrollment=waiting)
    proposal = RefundProposal.objects.get(enrollment=waiting)
    line = proposal.lines.get()
    assert (proposal.charged, proposal.retained, line.paid, line.proposed) == (
        0,
        0,
        Decimal("200.00"),
        Decimal("200.00"),
    )
    assert "without a seat" in proposal.rule
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    assert books_add_up(waiting) == 0


def test_leaving_without_books_proposes_nothing(cohort):
    waiting = enrollment_services.request_seat(cohort=cohort, student=student_details())  # not confirmed: no charge
    withdraw_on_day = FIRST_DAY - datetime.timedelta(days=10)
    with time_machine.travel(at(withdraw_on_day), tick=False):
        enrollment_services.withdraw(enrollment=waiting)
    assert not RefundProposal.objects.exists()


def test_did_not_complete_is_settled_by_the_policy(cohort, staff):
    enrollment = seated(cohort)
    attended(enrollment, 1200)
    with time_machine.travel(at(FIRST_DAY + datetime.timedelta(days=5)), tick=False):
        enrollment_services.mark_did_not_complete(enrollment=enrollment, actor=staff, reason="Stopped coming.")
    proposal = RefundProposal.objects.get(enrollment=enrollment)
    assert (proposal.event, proposal.refund_percent, proposal.retained) == (
        "did_not_complete",
        Decimal(75),
        Decimal("300.00"),
    )


def test_completion_proposes_a_credit_back_and_leaves_a_debt_due(cohort, staff):
    overpaid = seated(cohort, paid=Decimal("1075.00"))
    underpaid = seated(cohort, paid=Decimal("1000.00"))
    with time_machine.travel(at(FIRST_DAY + datetime.timedelta(days=61)), tick=False):
        for enrollment in (overpaid, underpaid):
            enrollment_services.complete(enrollment=enrollment, actor=staff, override=True, override_reason="Tests.")
    assert not RefundProposal.objects.filter(enrollment=underpaid).exists()
    assert books_add_up(underpaid) == Decimal("50.00")
    proposal = RefundProposal.objects.get(enrollment=overpaid)
    line = proposal.lines.get()
    assert (proposal.event, proposal.retained, line.proposed, line.still_due) == (
        "complete",
        TUITION,
        Decimal("25.00"),
        0,
    )
    services.confirm_refund(proposal=proposal, method="check", actor=staff)
    assert not LedgerEntry.objects.filter(enrollment=overpaid, kind="adjustment").exists()
    assert books_add_up(overpaid) == 0
    assert overpaid.refund_proposals.get().status == RefundStatus.CONFIRMED


# The staff's pages, and who may use them.
def test_staff_confirm_from_the_queue(client, cohort, staff):
    enrollment = seated(cohort)
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    client.force_login(staff)
    queue = client.get(reverse("admin:payments_refundproposal_changelist") + "?status__exact=proposed")
    assert queue.status_code == 200 and "$1,000.00" in queue.content.decode()
    url = reverse("admin:payments_refund_confirm", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert "Charged $1,050.00; the school keeps $50.00." in page and "at least 1 day before" in page
    assert client.post(url, {"method": "check", "reference": "2041"}).status_code == 302
    again = client.post(url, {"method": "check"})
    assert "already been settled" in again.content.decode()
    assert LedgerEntry.objects.filter(enrollment=enrollment, kind="refund").count() == 1


def test_staff_adjust_with_a_reason_only(client, cohort, staff):
    enrollment = seated(cohort)
    proposal = withdraw_on(enrollment, FIRST_DAY - datetime.timedelta(days=1))
    line = proposal.lines.get()
    client.force_login(staff)
    url = reverse("admin:payments_refund_adjust", args=[proposal.pk])
    without = client.post(url, {f"refund_{line.pk}": "1050.00", "method": "check", "reason": ""})
    assert without.status_code == 200 and "Say why the refund differs" in without.content.decode()
    hostile = client.post(url, {f"refund_{line.pk}": "1e9", "method": "online", "reason": "x"})
    assert hostile.status_code == 200
    done = client.post(url, {f"refund_{line.pk}": "1050.00", "method": "check", "reason": "We moved the dates."})
    assert done.status_code == 302
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundStatus.ADJUSTED
    assert books_add_up(enrollment) == 0


@pytest.mark.parametrize("who", ["anonymous", "instructor", "staff_without_permission"])
def test_only_staff_who_may_settle_reach_the_refund_pages(client, cohort, staff, who):
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=1))
    users = get_user_model().objects
    if who == "instructor":
        user = users.create_user("dana", password="pw-for-tests-123")
        user.groups.add(Group.objects.get(name="Instructors"))
        client.force_login(user)
    elif who == "staff_without_permission":
        client.force_login(users.create_user("temp", password="pw-for-tests-123", is_staff=True))
    for name in ["payments_refund_confirm", "payments_refund_adjust"]:
        url = reverse(f"admin:{name}", args=[proposal.pk])
        expected = 403 if who == "staff_without_permission" else 302  # the admin sends non-staff to its login
        assert client.get(url).status_code == expected
        response = client.post(url, {"method": "check", "reason": "x"})
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith("/admin/login/")
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundStatus.PROPOSED
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_a_missing_refund_is_a_404_for_staff(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:payments_refund_confirm", args=[999999])).status_code == 404
    assert client.get("/admin/payments/refundproposal/abc/adjust/").status_code == 404


def test_nobody_edits_or_deletes_a_proposal_in_the_admin(client, cohort, staff):
    proposal = withdraw_on(seated(cohort), FIRST_DAY - datetime.timedelta(days=1))
    client.force_login(staff)
    page = client.get(reverse("admin:payments_refundproposal_change", args=[proposal.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:payments_refundproposal_delete", args=[proposal.pk])).status_code == 403


# The public page, from the same rows.
def test_the_refund_page_is_written_from_the_policy_rows(client, cohort):
    page = client.get("/refunds/").content.decode()
    assert "What you get back if you leave" in page
    for when, percent in [
        ("At least 1 day before the first day", "100%"),
        ("Up to 10% of the hours attended", "90%"),
        ("More than 10%, up to 25% of the hours attended", "75%"),
        ("More than 25%, up to 50% of the hours attended", "50%"),
        ("More than 50% of the hours attended", "0%"),
    ]:
        assert f"<td>{when}</td>" in page and f">{percent}</td>" in page
    assert "A registration fee of $50.00 is not refunded" in page
    assert "If we cancel or move a cohort" in page  # the school's own text follows
    RefundRule.objects.filter(basis=RefundRuleBasis.HOURS_ATTENDED, bound=25).update(refund_percent=Decimal("80"))
    own = RefundPolicy.objects.create(course=cohort.course, registration_fee=Decimal(0))
    RefundRule.objects.create(policy=own, basis=RefundRuleBasis.BEFORE_START, bound=14, refund_percent=Decimal(100))
    page = client.get("/refunds/").content.decode()
    assert ">80%</td>" in page and f"What you get back: {cohort.course.title}" in page
    assert "<td>At least 14 days before the first day</td>" in page


def test_the_refund_page_without_a_policy_shows_the_schools_text(client):
    RefundPolicy.objects.all().delete()
    page = client.get("/refunds/").content.decode()
    assert "What you get back" not in page and "How to ask for a refund" in page


def test_withdrawing_a_seated_student_from_the_status_page_proposes_the_refund(client, cohort):
    enrollment = seated(cohort)
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=3)), tick=False):
        response = client.post(reverse("enrollment:withdraw", args=[enrollment.token]), {"reason": "Work."})
    assert response.status_code in {200, 302}
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert RefundProposal.objects.get(enrollment=enrollment).lines.get().proposed == Decimal("1000.00")
