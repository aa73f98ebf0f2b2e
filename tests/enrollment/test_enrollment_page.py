"""The enrollment's page in the back office: its status in words, the decisions legal from it (each a custom admin
view through a service), the student's credentials with verify/reject, messages to the student, and the history.
Who may do what: staff and superusers act; an instructor or anonymous visitor is sent to log in; illegal actions
come back as a message, never a 500."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from courses.models import CohortStatus
from enrollment import services
from enrollment.models import AuditEvent, CredentialStatus, EnrollmentStatus, StudentMessage
from tests.factories import make_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]
S = EnrollmentStatus


def page_url(enrollment) -> str:
    return reverse("admin:enrollment_enrollment_change", args=[enrollment.pk])


def action_url(enrollment, name: str) -> str:
    return reverse(f"admin:enrollment_enrollment_{name}", args=[enrollment.pk])


def credential_url(enrollment, credential, name: str) -> str:
    return reverse(f"admin:enrollment_enrollment_credential_{name}", args=[enrollment.pk, credential.pk])


def test_page_shows_status_in_words_legal_buttons_credentials_and_history(back_office, school):
    response = back_office.get(page_url(school.enrollment))

    assert response.status_code == 200
    text = response.text
    assert '<p class="enrollment-status status-pending_review">Pending review</p>' in text
    labels = [label for label, _url, _post in response.context["page_actions"]]
    assert [str(label) for label in labels] == ["Approve", "Reject", "Move to another cohort", "Withdraw"]
    assert "BLS-1" in text and "Not yet verified" in text
    assert credential_url(school.enrollment, school.credential, "verify") in text
    assert "Signed up; seat held pending review" in text
    assert "→ Pending review" in text
    assert "enrollment.pending_review" not in text.split('id="history-title"')[1]


def test_only_the_actions_legal_from_the_status_are_offered(staff_client, school):
    services.approve(enrollment=school.enrollment, actor=staff_client.user)

    response = staff_client.get(page_url(school.enrollment))

    labels = [str(label) for label, _url, _post in response.context["page_actions"]]
    assert labels == ["Move to another cohort", "Withdraw", "Complete the course"]
    assert action_url(school.enrollment, "approve") not in response.text


def test_approve_button_approves_and_reports(back_office, school, messages_of, status_of):
    response = back_office.post(action_url(school.enrollment, "approve"))

    assert response.status_code == 302
    assert response.url == page_url(school.enrollment)
    assert status_of(school.enrollment) == S.ENROLLED
    assert messages_of(response) == ["Dana Reyes is enrolled in EMT-2026-FALL-EVE."]
    assert school.enrollment.audit_events.get(action="enrollment.approved").actor == back_office.user


def test_an_illegal_action_is_a_message_not_a_500(staff_client, school, messages_of, status_of):
    services.withdraw(enrollment=school.enrollment, actor=staff_client.user, reason="Left.")

    approve = staff_client.post(action_url(school.enrollment, "approve"))
    reject = staff_client.get(action_url(school.enrollment, "reject"))
    move = staff_client.post(action_url(school.enrollment, "move"), {"to_cohort": school.cohort.pk})

    for response in (approve, reject, move):
        assert response.status_code == 302
        assert response.url == page_url(school.enrollment)
    # Not followed, so each response's messages carry the earlier ones too: the newest is last.
    assert messages_of(approve)[-1] == "An enrollment that is withdrawn cannot be approved."
    assert messages_of(reject)[-1] == "An enrollment that is withdrawn cannot be rejected."
    assert messages_of(move)[-1] == "An enrollment that is withdrawn cannot be moved."
    assert status_of(school.enrollment) == S.WITHDRAWN


def test_approve_is_post_only(staff_client, school, status_of):
    assert staff_client.get(action_url(school.enrollment, "approve")).status_code == 405
    assert status_of(school.enrollment) == S.PENDING_REVIEW


def test_reject_asks_for_a_reason_then_rejects(staff_client, school, messages_of, status_of):
    form = staff_client.get(action_url(school.enrollment, "reject"))
    assert form.status_code == 200
    assert "The reason is e-mailed to the student." in form.text
    empty = staff_client.post(action_url(school.enrollment, "reject"), {"reason": "  "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]
    assert status_of(school.enrollment) == S.PENDING_REVIEW

    done = staff_client.post(action_url(school.enrollment, "reject"), {"reason": "Card not in the registry."})

    assert done.status_code == 302
    assert status_of(school.enrollment) == S.REJECTED
    assert school.enrollment.reason == "Card not in the registry."
    assert messages_of(done) == ["Dana Reyes: rejected from EMT-2026-FALL-EVE."]


def test_withdraw_asks_for_a_reason_then_withdraws(staff_client, school, status_of):
    done = staff_client.post(action_url(school.enrollment, "withdraw"), {"reason": "Moved away."})

    assert done.status_code == 302
    assert status_of(school.enrollment) == S.WITHDRAWN
    assert school.enrollment.audit_events.get(action="enrollment.withdrawn").reason == "Moved away."


def test_move_lands_on_the_new_enrollment(staff_client, school, messages_of, status_of):
    target = make_cohort(school.course, code="EMT-2027-SPR-DAY")
    form = staff_client.get(action_url(school.enrollment, "move"))
    assert form.status_code == 200
    choices = [str(c) for c in form.context["form"].fields["to_cohort"].queryset]
    assert "EMT-2027-SPR-DAY" in " ".join(choices)
    assert school.cohort.code not in " ".join(choices)  # not the cohort it is in

    done = staff_client.post(action_url(school.enrollment, "move"), {"to_cohort": target.pk, "reason": "Days."})

    new = school.enrollment.student.enrollments.get(cohort=target)
    assert done.status_code == 302
    assert done.url == page_url(new)
    assert status_of(school.enrollment) == S.WITHDRAWN
    assert messages_of(done) == [
        f"Dana Reyes moved from EMT-2026-FALL-EVE to EMT-2027-SPR-DAY: {new.get_status_display().lower()} there."
    ]


def test_move_refused_by_the_target_is_a_form_error(staff_client, school, status_of):
    full = make_cohort(school.course, code="EMT-FULL", status=CohortStatus.CANCELLED)
    # A cancelled cohort is not offered; posting it anyway is refused by the form's choices, not a 500.
    response = staff_client.post(action_url(school.enrollment, "move"), {"to_cohort": full.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["to_cohort"]
    assert status_of(school.enrollment) == S.PENDING_REVIEW


def test_message_to_the_student_is_stored_emailed_audited_and_shown(
    back_office, school, client, messages_of, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    form = back_office.get(action_url(school.enrollment, "message"))
    assert form.status_code == 200
    assert "dana.reyes@example.com" in form.text

    with django_capture_on_commit_callbacks(execute=True):
        done = back_office.post(action_url(school.enrollment, "message"), {"body": "Bring your CPR card on day one."})

    assert done.status_code == 302
    message = StudentMessage.objects.get()
    assert (message.enrollment, message.body, message.written_by) == (
        school.enrollment,
        "Bring your CPR card on day one.",
        back_office.user,
    )
    assert messages_of(done) == ["Message sent to Dana Reyes; it is also on their status page."]
    (email,) = mail.outbox
    assert email.to == ["dana.reyes@example.com"]
    assert email.subject == "A message from the school about EMT-2026-FALL-EVE"
    assert "Bring your CPR card on day one." in email.body
    assert school.enrollment.audit_events.filter(action="enrollment.message_sent", actor=back_office.user).exists()
    assert "Bring your CPR card on day one." in back_office.get(page_url(school.enrollment)).text
    client.logout()
    status_page = client.get(school.enrollment.get_absolute_url())
    assert "Messages from the school" in status_page.text
    assert "Bring your CPR card on day one." in status_page.text


def test_an_empty_message_is_refused(staff_client, school):
    response = staff_client.post(action_url(school.enrollment, "message"), {"body": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not StudentMessage.objects.exists()


def test_each_email_carries_its_own_message(staff_client, school, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for body in ["First note.", "Second note."]:
            staff_client.post(action_url(school.enrollment, "message"), {"body": body})
    assert ["First note." in m.body for m in mail.outbox] == [True, False]
    assert ["Second note." in m.body for m in mail.outbox] == [False, True]


def test_internal_reason_is_not_a_message(staff_client, school, client):
    services.reject(enrollment=school.enrollment, actor=staff_client.user, reason="Internal: registry lookup failed.")
    client.logout()
    assert "Messages from the school" not in client.get(school.enrollment.get_absolute_url()).text


def test_verifying_the_last_awaited_credential_finishes_the_review(staff_client, school, messages_of, status_of):
    response = staff_client.post(credential_url(school.enrollment, school.credential, "verify"))

    assert response.status_code == 302
    assert status_of(school.enrollment) == S.ENROLLED
    assert messages_of(response) == [
        f"{school.credential} verified.",
        "That was the last credential awaited: Dana Reyes is now enrolled in EMT-2026-FALL-EVE.",
    ]
    school.credential.refresh_from_db()
    assert school.credential.status == CredentialStatus.VERIFIED
    approved = school.enrollment.audit_events.get(action="enrollment.approved")
    assert approved.actor == staff_client.user


def test_reject_credential_from_the_enrollment_page(staff_client, school, messages_of, status_of):
    form = staff_client.get(credential_url(school.enrollment, school.credential, "reject"))
    assert form.status_code == 200
    done = staff_client.post(
        credential_url(school.enrollment, school.credential, "reject"), {"reason": "Not in the registry."}
    )
    assert done.status_code == 302
    school.credential.refresh_from_db()
    assert school.credential.status == CredentialStatus.REJECTED
    assert status_of(school.enrollment) == S.PENDING_REVIEW
    history = staff_client.get(page_url(school.enrollment))
    assert "Credential rejected: CPR/BLS card" in history.text
    assert "Not yet verified → Rejected" in history.text


def test_verify_twice_is_a_message(staff_client, school, messages_of):
    staff_client.post(credential_url(school.enrollment, school.credential, "verify"))
    again = staff_client.post(credential_url(school.enrollment, school.credential, "verify"))
    assert again.status_code == 302
    assert messages_of(again)[-1] == f"{school.credential} is already verified."


def test_another_students_credential_is_404(staff_client, school, cpr):
    from tests.factories import make_credential, make_student

    other = make_credential(make_student(), school.cpr)
    assert staff_client.post(credential_url(school.enrollment, other, "verify")).status_code == 404
    assert staff_client.get(action_url(type("E", (), {"pk": 999999})(), "reject")).status_code == 404


@pytest.mark.parametrize("name", ["approve", "reject", "move", "withdraw", "message"])
def test_anonymous_and_instructors_are_sent_to_log_in(client, school, name, status_of):
    instructor = get_user_model().objects.create_user("teacher", password="pw")
    for who in (None, instructor):
        if who is not None:
            client.force_login(who)
        response = client.post(action_url(school.enrollment, name), {"reason": "x", "body": "x"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert status_of(school.enrollment) == S.PENDING_REVIEW
    assert not StudentMessage.objects.exists()


def test_staff_without_the_change_permission_are_refused(client, school, status_of):
    viewer = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_enrollment"))
    client.force_login(viewer)
    page = client.get(page_url(school.enrollment))
    assert page.status_code == 200
    assert page.context["page_actions"] == []
    assert client.post(action_url(school.enrollment, "approve")).status_code == 403
    assert client.post(credential_url(school.enrollment, school.credential, "verify")).status_code == 403
    assert status_of(school.enrollment) == S.PENDING_REVIEW


def test_audit_trail_in_words_with_student_and_credential_named(staff_client, school):
    services.verify_credential(credential=school.credential, actor=staff_client.user)

    response = staff_client.get(reverse("admin:enrollment_auditevent_changelist"))

    text = response.text
    assert "Credential verified" in text
    assert "Not yet verified → Verified" in text
    assert "CPR/BLS card" in text
    assert "Dana Reyes" in text
    assert "Pending review → Enrolled" in text
    assert ">credential.verified<" not in text


def test_audit_event_title_is_in_chicago_time(staff_client, school):
    import datetime

    from django.utils import timezone

    event = AuditEvent.objects.create(
        action="enrollment.withdrawn",
        enrollment=school.enrollment,
        at=datetime.datetime(2026, 7, 1, 3, 30, tzinfo=datetime.UTC),
    )
    assert str(event) == "2026-06-30 22:30 Withdrew"
    response = staff_client.get(reverse("admin:enrollment_auditevent_change", args=[event.pk]))
    assert "2026-06-30 22:30" in response.text
    assert "Jun 30, 2026" in response.text
    assert timezone.get_current_timezone_name() == "America/Chicago"


def test_verify_action_on_the_credential_list_finishes_reviews_too(staff_client, school, run_action, messages_of):
    response = run_action(
        staff_client, "verify_credentials", [school.credential], url=reverse("admin:enrollment_credential_changelist")
    )
    assert messages_of(response) == [
        "1 verified",
        "Reviews finished, the last awaited credential verified: Dana Reyes in EMT-2026-FALL-EVE now enrolled.",
    ]
    school.enrollment.refresh_from_db()
    assert school.enrollment.status == S.ENROLLED


def test_a_review_still_waiting_for_another_credential_stays_pending(staff_client, school, status_of):
    from tests.factories import make_credential, make_credential_type, make_requirement

    license_type = make_credential_type("EMT_LIC", "EMT license")
    make_requirement(school.course, license_type, needs_verification=True)
    license_card = make_credential(school.student, license_type)

    verification = services.verify_credential(credential=school.credential, actor=staff_client.user)

    assert verification.approved == []
    assert status_of(school.enrollment) == S.PENDING_REVIEW
    finished = services.verify_credential(credential=license_card, actor=staff_client.user)
    assert [e.pk for e in finished.approved] == [school.enrollment.pk]
    assert status_of(school.enrollment) == S.ENROLLED


@pytest.mark.parametrize("object_id", ["abc", "99999999999999999999999", "0"])
def test_a_bad_enrollment_key_is_404_not_500(staff_client, school, object_id):
    for name in ["approve", "reject", "move", "withdraw", "message"]:
        url = reverse(f"admin:enrollment_enrollment_{name}", args=[object_id])
        response = staff_client.post(url) if name == "approve" else staff_client.get(url)
        assert response.status_code == 404, (name, response.status_code)


def test_a_message_too_long_is_a_form_error(staff_client, school):
    response = staff_client.post(action_url(school.enrollment, "message"), {"body": "x" * 4001})
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not StudentMessage.objects.exists()


def test_move_with_a_cohort_key_that_is_not_a_number_is_a_form_error(staff_client, school, status_of):
    response = staff_client.post(action_url(school.enrollment, "move"), {"to_cohort": "EMT'--"})
    assert response.status_code == 200
    assert response.context["form"].errors["to_cohort"]
    assert status_of(school.enrollment) == S.PENDING_REVIEW
