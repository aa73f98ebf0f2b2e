"""The credential admin: verify and reject actions (who, when, why, audited), the expires-within-60-days filter, and the
uploaded evidence, served only to staff through its own view, never by its media URL."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from enrollment.models import AuditEvent, CredentialStatus, Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_course, make_credential, make_requirement, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
CREDENTIALS = reverse("admin:enrollment_credential_changelist")
REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")
PDF = b"%PDF-1.4\n% a scanned CPR card\n"


def test_verify_action_records_who_and_when(staff_client, cpr, messages_of, run_action):
    credential = make_credential(make_student(), cpr)

    response = run_action(staff_client, "verify_credentials", [credential], url=CREDENTIALS)

    assert messages_of(response) == ["1 verified"]
    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == (CredentialStatus.VERIFIED, staff_client.user)
    event = AuditEvent.objects.get(action="credential.verified")
    assert (event.enrollment, event.actor, event.data) == (None, staff_client.user, {"credential": credential.pk})


def test_verify_action_skips_a_verified_credential(staff_client, cpr, messages_of, run_action):
    credential = make_credential(make_student(), cpr, status=CredentialStatus.VERIFIED)

    response = run_action(staff_client, "verify_credentials", [credential], url=CREDENTIALS)

    assert messages_of(response) == [f"0 verified; 1 skipped: {credential}: {credential} is already verified."]
    assert not AuditEvent.objects.exists()


def test_reject_credential_action_asks_for_a_reason_then_records_it(staff_client, cpr, messages_of, run_action):
    credential = make_credential(make_student(), cpr)

    page = run_action(staff_client, "reject_credentials", [credential], url=CREDENTIALS)
    assert page.status_code == 200
    assert str(credential) in page.text
    empty = run_action(staff_client, "reject_credentials", [credential], url=CREDENTIALS, apply="1", reason=" ")
    assert empty.context["form"].errors["reason"]
    done = run_action(
        staff_client, "reject_credentials", [credential], url=CREDENTIALS, apply="1", reason="Not in the registry."
    )

    assert messages_of(done) == ["1 rejected"]
    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == (CredentialStatus.REJECTED, staff_client.user)
    event = AuditEvent.objects.get(action="credential.rejected")
    assert (event.enrollment, event.reason, event.data) == (None, "Not in the registry.", {"credential": credential.pk})
    again = run_action(staff_client, "reject_credentials", [credential], url=CREDENTIALS, apply="1", reason="Again.")
    assert "0 rejected; 1 skipped" in messages_of(again)[-1]
    assert AuditEvent.objects.filter(action="credential.rejected").count() == 1


def test_expires_within_60_days_filter(staff_client, cpr):
    student = make_student()
    today = timezone.localdate()
    soon = make_credential(student, cpr, expires_on=today + datetime.timedelta(days=59))
    make_credential(student, cpr, expires_on=today + datetime.timedelta(days=90))

    response = staff_client.get(CREDENTIALS, {"expires": "60d"})

    assert [c.pk for c in response.context["cl"].result_list] == [soon.pk]


def test_evidence_view_serves_the_file_inline_to_staff(staff_client, cpr, evidence_url, with_evidence):
    credential = with_evidence(make_credential(make_student(), cpr), PDF)

    response = staff_client.get(evidence_url(credential))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]


def test_evidence_of_an_unrecognised_type_is_downloaded_not_shown(staff_client, cpr, evidence_url, with_evidence):
    credential = with_evidence(make_credential(make_student(), cpr), b"<script>alert(1)</script>", "card.html")

    response = staff_client.get(evidence_url(credential))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_evidence_view_refuses_outsiders(client, django_user_model, cpr, evidence_url, with_evidence):
    credential = with_evidence(make_credential(make_student(), cpr))
    url = evidence_url(credential)

    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    instructor = django_user_model.objects.create_user("dana", "dana@elite-ems.example", "pw")
    instructor.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(instructor)
    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    clerk = django_user_model.objects.create_user("clerk", "clerk@elite-ems.example", "pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_enrollment"))
    client.force_login(clerk)
    assert client.get(url).status_code == 403


def test_evidence_view_404_without_a_file(staff_client, cpr, evidence_url, with_evidence):
    bare = make_credential(make_student(), cpr)
    assert staff_client.get(evidence_url(bare)).status_code == 404
    lost = with_evidence(make_credential(make_student(), cpr))
    lost.evidence.storage.delete(lost.evidence.name)
    assert staff_client.get(evidence_url(lost)).status_code == 404
    assert staff_client.get(reverse("admin:enrollment_credential_evidence", args=[999999])).status_code == 404


def test_evidence_is_linked_through_the_view_never_its_media_url(
    staff_client, cpr, settings, evidence_url, with_evidence
):
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    student = make_student()
    credential = with_evidence(make_credential(student, cpr))
    Enrollment.objects.create(student=student, cohort=make_cohort(course), status=S.PENDING_REVIEW)

    for page in [
        reverse("admin:enrollment_credential_change", args=[credential.pk]),
        reverse("admin:enrollment_student_change", args=[student.pk]),
        REVIEW_QUEUE,
        CREDENTIALS,
    ]:
        text = staff_client.get(page).text
        assert f'href="{evidence_url(credential)}"' in text, page
        assert settings.MEDIA_URL not in text, page
        assert credential.evidence.name not in text, page
