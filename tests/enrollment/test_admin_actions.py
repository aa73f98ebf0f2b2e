"""The enrollment admin's actions, each through a service, reported row by row, refusals never half-applied: approve,
reject and withdraw (with a reason), complete (granting the course's credential) and did not complete, move to
another cohort, and the CSV export."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CohortStatus
from enrollment import services
from enrollment.models import AuditEvent, Credential, CredentialStatus, Enrollment, EnrollmentStatus
from tests.factories import (
    attend_in_full,
    credential_details,
    details_of,
    make_cohort,
    make_course,
    make_credential_type,
    make_requirement,
    make_skills_ready,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
ENROLLMENTS = reverse("admin:enrollment_enrollment_changelist")


def apply_with_reason(client, action: str, enrollments, reason: str):
    """The intermediate page's submit: no `index`, as the page itself posts it."""
    return client.post(
        ENROLLMENTS, {"action": action, "_selected_action": [e.pk for e in enrollments], "apply": "1", "reason": reason}
    )


# --- approve ------------------------------------------------------------------------------------------------------


def test_approve_action_confirms_pending_seats_and_audits(
    back_office, reviewed_cohort, cpr, messages_of, run_action, sign_up, status_of
):
    pending = [sign_up(reviewed_cohort, cpr) for _ in range(2)]

    response = run_action(back_office, "approve_selected", pending)

    assert response.status_code == 302
    assert messages_of(response) == ["2 approved"]
    for enrollment in pending:
        assert status_of(enrollment) == S.ENROLLED
        event = enrollment.audit_events.get(action="enrollment.approved")
        assert (event.actor, event.from_status, event.to_status) == (back_office.user, S.PENDING_REVIEW, S.ENROLLED)
        assert enrollment.student.credentials.get().status == CredentialStatus.VERIFIED


def test_approve_action_skips_illegal_rows_with_the_services_message(
    staff_client, reviewed_cohort, cpr, messages_of, run_action, sign_up, status_of
):
    pending = sign_up(reviewed_cohort, cpr)
    withdrawn = sign_up(reviewed_cohort, cpr, last_name="Okafor")
    services.withdraw(enrollment=withdrawn, reason="Changed plans.")
    events_before = AuditEvent.objects.count()

    response = run_action(staff_client, "approve_selected", [pending, withdrawn])

    assert messages_of(response) == [
        f"1 approved; 1 skipped: {withdrawn.student} in EMT-2027-SPR-EVE: An enrollment that is withdrawn cannot be "
        "approved."
    ]
    assert status_of(pending) == S.ENROLLED
    assert status_of(withdrawn) == S.WITHDRAWN
    assert AuditEvent.objects.count() == events_before + 1  # the approval only


# --- reject, withdraw: a reason on an intermediate page -----------------------------------------------------------


def test_reject_action_asks_for_a_reason_first(staff_client, reviewed_cohort, cpr, run_action, sign_up, status_of):
    pending = sign_up(reviewed_cohort, cpr)

    response = run_action(staff_client, "reject_selected", [pending])

    assert response.status_code == 200
    assert "admin/enrollment/enrollment/action_form.html" in [t.name for t in response.templates]
    assert str(pending.student) in response.text
    assert status_of(pending) == S.PENDING_REVIEW


def test_reject_action_refuses_an_empty_reason(staff_client, reviewed_cohort, cpr, sign_up, status_of):
    pending = sign_up(reviewed_cohort, cpr)

    response = apply_with_reason(staff_client, "reject_selected", [pending], "   ")

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert status_of(pending) == S.PENDING_REVIEW


def test_reject_action_rejects_with_the_reason_e_mailed(
    back_office, reviewed_cohort, cpr, mailoutbox, django_capture_on_commit_callbacks, messages_of, sign_up, status_of
):
    pending = sign_up(reviewed_cohort, cpr)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = apply_with_reason(back_office, "reject_selected", [pending], "Card number not in the registry.")

    assert response.status_code == 302
    assert messages_of(response) == ["1 rejected"]
    assert status_of(pending) == S.REJECTED
    event = pending.audit_events.get(action="enrollment.rejected")
    assert (event.actor, event.reason) == (back_office.user, "Card number not in the registry.")
    assert len(mailoutbox) == 1
    assert "Card number not in the registry." in mailoutbox[0].body


def test_withdraw_action_offers_the_freed_seat_to_the_waitlist(staff_client, cpr, messages_of, sign_up, status_of):
    cohort = make_cohort(capacity=1)
    seated = sign_up(cohort)
    waiting = sign_up(cohort)
    assert waiting.status == S.WAITLISTED

    response = apply_with_reason(staff_client, "withdraw_selected", [seated], "Moved to Peoria.")

    assert messages_of(response) == ["1 withdrawn"]
    assert status_of(seated) == S.WITHDRAWN
    assert seated.audit_events.get(action="enrollment.withdrawn").reason == "Moved to Peoria."
    assert status_of(waiting) == S.OFFERED
    assert waiting.audit_events.get(action="enrollment.offered").actor == staff_client.user


# --- completion ---------------------------------------------------------------------------------------------------


@pytest.fixture
def emt_graduate_path(cpr):
    """An EMT course granting the EMT license (24 months) and a Paramedic course requiring it, verified."""
    emt = make_course(title="EMT")
    emt_license = make_credential_type("EMT", "EMT license", granted_by=emt, validity_months=24)
    paramedic = make_course(title="Paramedic", slug="paramedic")
    make_requirement(paramedic, emt_license, needs_verification=True)
    return emt, emt_license, paramedic


def test_complete_action_grants_a_verified_credential_that_opens_the_next_course(
    back_office, emt_graduate_path, messages_of, run_action, sign_up, status_of
):
    emt, emt_license, paramedic = emt_graduate_path
    enrollment = sign_up(make_cohort(emt), email="grad@example.com")
    assert enrollment.status == S.ENROLLED
    attend_in_full(enrollment)
    make_skills_ready(enrollment)

    response = run_action(back_office, "complete_selected", [enrollment])

    assert messages_of(response) == ["1 completed"]
    assert status_of(enrollment) == S.COMPLETED
    today = timezone.localdate()
    credential = Credential.objects.get(student=enrollment.student, credential_type=emt_license)
    assert credential.status == CredentialStatus.VERIFIED
    assert credential.verified_by == back_office.user
    assert credential.issued_on == today
    assert credential.expires_on == services.add_months(today, 24)
    assert enrollment.audit_events.filter(action="enrollment.completed", actor=back_office.user).exists()
    assert enrollment.audit_events.get(action="credential.granted").data["credentials"] == [credential.pk]

    # Staff sign the graduate up for Paramedic: the verified license on file seats them without review.
    paramedic_cohort = make_cohort(paramedic, starts_on=today + datetime.timedelta(days=60))
    next_enrollment = services.add_to_cohort(
        student=enrollment.student, cohort=paramedic_cohort, actor=back_office.user
    )
    assert next_enrollment.status == S.ENROLLED
    # On the public site they type their license; once they confirm the address, the verified one on file counts.
    other_cohort = make_cohort(paramedic, starts_on=today + datetime.timedelta(days=90))
    typed = credential_details(emt_license, number="IL-EMT-123", expires_on=credential.expires_on)
    public = services.request_seat(cohort=other_cohort, student=details_of(enrollment.student), credentials=[typed])
    assert public.status == S.PENDING_REVIEW  # decided on what was typed, which staff have not seen
    services.confirm_signup(enrollment=public)
    public.refresh_from_db()
    assert public.status == S.ENROLLED


def test_complete_action_refuses_a_waitlisted_enrollment_without_granting_anything(
    staff_client, emt_graduate_path, messages_of, run_action, sign_up, status_of
):
    emt, emt_license, _ = emt_graduate_path
    cohort = make_cohort(emt, capacity=1, code="EMT-FULL")
    sign_up(cohort)
    waiting = sign_up(cohort)
    events_before = AuditEvent.objects.count()

    response = run_action(staff_client, "complete_selected", [waiting])

    assert messages_of(response) == [
        f"0 completed; 1 skipped: {waiting.student} in EMT-FULL: An enrollment that is waitlisted cannot be completed."
    ]
    assert status_of(waiting) == S.WAITLISTED
    assert not Credential.objects.filter(credential_type=emt_license).exists()
    assert AuditEvent.objects.count() == events_before


def test_did_not_complete_action_records_the_reason_and_grants_nothing(
    staff_client, emt_graduate_path, messages_of, sign_up, status_of
):
    emt, emt_license, _ = emt_graduate_path
    enrollment = sign_up(make_cohort(emt))

    response = apply_with_reason(staff_client, "did_not_complete_selected", [enrollment], "Missed the skills exam.")

    assert messages_of(response) == ["1 marked as did not complete"]
    assert status_of(enrollment) == S.DID_NOT_COMPLETE
    event = enrollment.audit_events.get(action="enrollment.did_not_complete")
    assert (event.reason, event.actor) == ("Missed the skills exam.", staff_client.user)
    assert not Credential.objects.filter(credential_type=emt_license).exists()


def test_did_not_complete_refuses_a_pending_enrollment(
    staff_client, reviewed_cohort, cpr, messages_of, sign_up, status_of
):
    pending = sign_up(reviewed_cohort, cpr)

    response = apply_with_reason(staff_client, "did_not_complete_selected", [pending], "No show.")

    assert "0 marked as did not complete; 1 skipped" in messages_of(response)[0]
    assert status_of(pending) == S.PENDING_REVIEW


# --- move to another cohort ---------------------------------------------------------------------------------------


def test_move_action_asks_for_the_target_cohort_first(staff_client, run_action, sign_up, status_of):
    course = make_course()
    enrollment = sign_up(make_cohort(course, code="EMT-SRC"))
    make_cohort(course, code="EMT-DST", capacity=4)
    make_cohort(course, code="EMT-GONE", status=CohortStatus.CANCELLED)

    response = run_action(staff_client, "move_selected", [enrollment])

    assert response.status_code == 200
    assert "admin/enrollment/enrollment/action_form.html" in [t.name for t in response.templates]
    choices = [label for _, label in response.context["form"].fields["to_cohort"].choices]
    assert any(label.startswith("EMT-DST: ") and "4 of 4 seats free" in label for label in choices)
    assert not any("EMT-GONE" in label for label in choices)
    assert str(enrollment.student) in response.text
    assert status_of(enrollment) == S.ENROLLED


def test_move_action_needs_a_cohort(staff_client, run_action, sign_up, status_of):
    enrollment = sign_up(make_cohort())
    response = run_action(staff_client, "move_selected", [enrollment], apply="1", to_cohort="")
    assert response.status_code == 200
    assert response.context["form"].errors["to_cohort"]
    assert status_of(enrollment) == S.ENROLLED


def test_move_action_moves_and_keeps_the_history(staff_client, messages_of, run_action, sign_up, status_of):
    course = make_course()
    source = make_cohort(course, code="EMT-SRC", capacity=1)
    target = make_cohort(course, code="EMT-DST", capacity=1)
    moving = sign_up(source)
    waiting = sign_up(source)
    sign_up(target)  # the target is full now: the mover is waitlisted there

    response = run_action(
        staff_client, "move_selected", [moving], apply="1", to_cohort=target.pk, reason="Works days now."
    )

    assert response.status_code == 302
    assert messages_of(response) == ["1 moved to EMT-DST", "In EMT-DST: 1 waitlisted."]
    assert status_of(moving) == S.WITHDRAWN
    new = Enrollment.objects.get(student=moving.student, cohort=target)
    assert new.status == S.WAITLISTED
    out = moving.audit_events.get(action="enrollment.moved")
    assert (out.actor, out.reason, out.data["moved_to"]) == (
        staff_client.user,
        "Moved to EMT-DST. Works days now.",
        new.pk,
    )
    arrived = new.audit_events.get()
    assert (arrived.actor, arrived.data["moved_from"]) == (staff_client.user, moving.pk)
    assert status_of(waiting) == S.OFFERED


def test_move_action_refusal_keeps_the_source_and_says_why(
    staff_client, cpr, messages_of, run_action, sign_up, status_of
):
    moving = sign_up(make_cohort(make_course(), code="EMT-SRC"))
    strict = make_course(title="Paramedic")
    make_requirement(strict, cpr)
    target = make_cohort(strict, code="PARA-DST")
    events_before = AuditEvent.objects.count()

    response = run_action(staff_client, "move_selected", [moving], apply="1", to_cohort=target.pk)

    [message] = messages_of(response)
    assert message.startswith(f"0 moved to PARA-DST; 1 skipped: {moving.student} in EMT-SRC: Paramedic requires")
    assert status_of(moving) == S.ENROLLED
    assert not Enrollment.objects.filter(cohort=target).exists()
    assert AuditEvent.objects.count() == events_before


# --- export -------------------------------------------------------------------------------------------------------


def test_export_csv_lists_the_selection_with_waitlist_positions_and_neutralised_formulas(
    staff_client, run_action, sign_up
):
    cohort = make_cohort(capacity=1, code="EMT-2027-SPR-EVE")
    seated = sign_up(cohort, first_name='=HYPERLINK("http://evil")', last_name="Smith", phone="+1 312 555 0100")
    first = sign_up(cohort, first_name="@SUM(A1)", last_name="Jones")
    second = sign_up(cohort, first_name="-2+3", last_name="Lee")

    response = run_action(staff_client, "export_csv", [seated, first, second])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Student", "Email", "Phone", "Cohort", "Course", "Status", "Created", "Waitlist position"]
    by_email = {row[1]: row for row in rows[1:]}
    assert len(by_email) == 3
    assert by_email[seated.student.email][0] == '\'=HYPERLINK("http://evil") Smith'
    assert by_email[seated.student.email][2] == "'+1 312 555 0100"
    assert by_email[seated.student.email][3:6] == ["EMT-2027-SPR-EVE", cohort.course.title, "Enrolled"]
    assert by_email[seated.student.email][7] == ""
    assert by_email[first.student.email][0] == "'@SUM(A1) Jones"
    assert by_email[first.student.email][5:] == [
        "Waitlisted",
        timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M"),
        "1",
    ]
    assert by_email[second.student.email][0] == "'-2+3 Lee"
    assert by_email[second.student.email][7] == "2"


def test_waitlist_position_counts_the_whole_waitlist_not_the_selection(staff_client, run_action, sign_up):
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    sign_up(cohort)
    third = sign_up(cohort)

    response = run_action(staff_client, "export_csv", [third])

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][7] == "2" == str(services.waitlist_position(third))
