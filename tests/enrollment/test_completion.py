"""Completing a course: the readiness gate and its override, the certificate of completion (code, PDF, the public
verify page, revoking), the Registry export, exam attempts and the day-60 reminder."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pypdf
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from courses.models import CohortStatus, Level, SchoolProfile
from courses.spreadsheet import BYTE_ORDER_MARK
from enrollment import readiness as readiness_module
from enrollment import services
from enrollment.models import (
    CERTIFICATE_ALPHABET,
    AuditEvent,
    Certificate,
    Enrollment,
    EnrollmentStatus,
    ExamAttempt,
    OutgoingEmail,
    new_certificate_code,
    normalise_certificate_code,
)
from enrollment.readiness import ReadinessItem, readiness
from tests.factories import attend_in_full, make_cohort, make_course, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]
S = EnrollmentStatus


def seat(cohort, **student) -> Enrollment:
    return Enrollment.objects.create(student=make_student(**student), cohort=cohort, status=S.ENROLLED)


@pytest.fixture
def cohort():
    today = timezone.localdate()
    return make_cohort(
        # AEMT has no skill sheets yet, so the skills app adds no items here: these tests are about the gate and its
        # hours item (plus a provider registered below); the skills' own items are tested in tests/skills.
        course=make_course(
            title="Emergency Medical Technician", level=Level.AEMT, nominal_hours=120, attendance_threshold=90
        ),
        code="EMT-2026-FALL-EVE",
        starts_on=today - datetime.timedelta(days=80),
        ends_on=today,
        status=CohortStatus.RUNNING,
    )


@pytest.fixture
def ready(cohort) -> Enrollment:
    enrollment = seat(cohort, first_name="María", last_name="González", email="maria@example.com")
    attend_in_full(enrollment)
    return enrollment


@pytest.fixture
def skills_missing(monkeypatch):
    """A second provider registered through the real hook, as the skills app will: two items, one missing."""

    def skills(enrollments):
        return {
            e.pk: [
                ReadinessItem("skill:BVM", "BVM ventilation", True, "BVM ventilation: 2 of 2 passed."),
                ReadinessItem("skill:AED", "Cardiac arrest/AED", False, "Cardiac arrest/AED: 0 of 2 passed."),
            ]
            for e in enrollments
        }

    monkeypatch.setattr(readiness_module, "READINESS_PROVIDERS", [*readiness_module.READINESS_PROVIDERS])
    readiness_module.register_readiness(skills)


# --- the gate -------------------------------------------------------------------------------------------------------


def test_complete_is_refused_with_every_missing_sentence_and_writes_nothing(cohort, skills_missing, superuser):
    enrollment = seat(cohort)
    missing = readiness(enrollment).missing
    assert [item.key for item in missing] == ["hours", "skill:AED"]

    with pytest.raises(services.EnrollmentError) as refused:
        services.complete(enrollment=enrollment, actor=superuser)

    assert refused.value.code == "not_ready"
    for item in missing:
        assert item.sentence in refused.value.message
    assert "BVM" not in refused.value.message  # met items are not listed
    assert [item.key for item in refused.value.missing] == ["hours", "skill:AED"]
    enrollment.refresh_from_db()
    assert enrollment.status == S.ENROLLED
    assert not Certificate.objects.exists()
    assert not enrollment.audit_events.exists()


def test_complete_is_refused_when_only_the_hours_are_missing(cohort, superuser):
    enrollment = seat(cohort)
    with pytest.raises(services.EnrollmentError) as refused:
        services.complete(enrollment=enrollment, actor=superuser)
    assert refused.value.code == "not_ready"
    assert "0 h attended; 108 h are required" in refused.value.message


def test_a_ready_student_completes_with_a_certificate_in_the_same_transaction(ready, superuser):
    services.complete(enrollment=ready, actor=superuser)

    ready.refresh_from_db()
    assert ready.status == S.COMPLETED
    certificate = ready.certificate
    assert re.fullmatch(r"EL(-[2-9A-HJ-NP-Z]{4}){4}", certificate.code)
    actions = list(ready.audit_events.order_by("pk").values_list("action", flat=True))
    assert actions == ["enrollment.completed", "certificate.issued"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused(cohort, superuser, reason):
    enrollment = seat(cohort)
    with pytest.raises(services.EnrollmentError) as refused:
        services.complete(enrollment=enrollment, actor=superuser, override=True, override_reason=reason)
    assert refused.value.code == "reason_required"
    enrollment.refresh_from_db()
    assert enrollment.status == S.ENROLLED


def test_an_override_with_a_reason_completes_and_is_audited_and_shown(cohort, skills_missing, staff_client):
    enrollment = seat(cohort)
    services.complete(
        enrollment=enrollment,
        actor=staff_client.user,
        override=True,
        override_reason="Hours made up at the partner academy; letter on file.",
    )

    enrollment.refresh_from_db()
    assert enrollment.status == S.COMPLETED
    override = enrollment.audit_events.get(action="enrollment.completed_not_ready")
    assert override.actor == staff_client.user
    assert override.reason == "Hours made up at the partner academy; letter on file."
    assert override.data["missing"] == ["hours", "skill:AED"]
    assert Certificate.objects.filter(enrollment=enrollment).exists()
    page = staff_client.get(reverse("admin:enrollment_enrollment_change", args=[enrollment.pk])).text
    assert "Completed without every requirement" in page
    assert "Hours made up at the partner academy; letter on file." in page
    assert "Cardiac arrest/AED: 0 of 2 passed." in page


def test_the_complete_page_asks_for_a_reason_only_when_not_ready(cohort, ready, back_office, messages_of):
    not_ready = seat(cohort)
    url = reverse("admin:enrollment_enrollment_complete", args=[not_ready.pk])

    page = back_office.get(url)
    assert "override_reason" in page.context["form"].fields
    assert "0 h attended" in page.text
    refused = back_office.post(url, {"override_reason": "  "})
    assert refused.status_code == 200
    assert "a written reason is needed" in refused.text
    done = back_office.post(url, {"override_reason": "Make-up hours verified by the director."})
    assert done.status_code == 302
    not_ready.refresh_from_db()
    assert not_ready.status == S.COMPLETED

    ready_url = reverse("admin:enrollment_enrollment_complete", args=[ready.pk])
    assert "override_reason" not in back_office.get(ready_url).context["form"].fields
    response = back_office.post(ready_url)
    assert response.status_code == 302
    assert messages_of(response)[-1].endswith("the certificate of completion is issued.")
    ready.refresh_from_db()
    assert ready.status == S.COMPLETED
    assert not ready.audit_events.filter(action="enrollment.completed_not_ready").exists()


def test_the_complete_action_completes_the_ready_and_skips_the_rest_with_what_is_missing(
    cohort, ready, staff_client, messages_of
):
    not_ready = seat(cohort, first_name="Omar")
    response = staff_client.post(
        reverse("admin:enrollment_enrollment_changelist"),
        {"action": "complete_selected", "_selected_action": [ready.pk, not_ready.pk]},
    )
    message, hint = messages_of(response)
    assert message.startswith("1 completed; 1 skipped:")
    assert "not ready to complete the course: 0 h attended" in message
    assert "it asks for the written reason" in hint


def test_only_staff_reach_the_complete_page(cohort, client, django_user_model):
    enrollment = seat(cohort)
    url = reverse("admin:enrollment_enrollment_complete", args=[enrollment.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login
    instructor = django_user_model.objects.create_user("teacher", password="pw-for-tests-123")
    cohort.instructors.add(instructor)
    client.force_login(instructor)
    assert client.get(url).status_code == 302  # no admin access at all


# --- the code ---------------------------------------------------------------------------------------------------


def test_codes_have_80_random_bits_from_a_read_aloud_alphabet():
    assert len(CERTIFICATE_ALPHABET) == 32 and not set("01IO") & set(CERTIFICATE_ALPHABET)
    codes = {new_certificate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code.replace("-", "")) == 2 + 16  # 16 symbols x 5 bits


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("EL-7K3M-9QPA-X2D4-HN5R", "EL-7K3M-9QPA-X2D4-HN5R"),
        ("el-7k3m-9qpa-x2d4-hn5r", "EL-7K3M-9QPA-X2D4-HN5R"),
        ("EL 7K3M 9QPA X2D4 HN5R", "EL-7K3M-9QPA-X2D4-HN5R"),
        ("EL-7K3M-9QPA-X2D4", None),  # too short
        ("EL-7K3M-9QPA-X2D4-HN5O", None),  # O is not in the alphabet
        ("EL-7K3M-9QPA-X2D4-HN5R" + "2" * 100, None),
        ("'; DROP TABLE enrollment_certificate;--", None),
        ("ＥＬ-7K3M-9QPA-X2D4-HN5R", None),  # full-width letters are not ours
    ],
)
def test_codes_are_read_in_one_form(typed, normal):
    assert normalise_certificate_code(typed) == normal


# --- the PDF --------------------------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_certificate_pdf_parses_and_holds_the_code_school_student_course_hours_and_date(
    ready, superuser, client, settings
):
    settings.SITE_URL = "https://enroll.elite-ems.example"
    services.complete(enrollment=ready, actor=superuser)
    certificate = Certificate.objects.get(enrollment=ready)

    response = client.get(reverse("enrollment:certificate_pdf", args=[ready.token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    # Kept for people to look at, like the browser tests' screenshots.
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "certificate-of-completion.pdf").write_bytes(response.content)
    text = pdf_text(response.content)
    assert certificate.code in text
    assert SchoolProfile.current().display_name in text
    assert "María González" in text
    assert "Emergency Medical Technician" in text
    assert "120 hours" in text
    assert timezone.localdate().strftime("%B") in text
    assert f"https://enroll.elite-ems.example/verify/{certificate.code}/" in text


def test_staff_download_the_certificate_from_the_enrollment_page(ready, superuser, back_office, client):
    services.complete(enrollment=ready, actor=superuser)
    url = reverse("admin:enrollment_enrollment_certificate", args=[ready.pk])
    page = back_office.get(reverse("admin:enrollment_enrollment_change", args=[ready.pk])).text
    assert url in page
    response = back_office.get(url)
    assert response.status_code == 200
    assert Certificate.objects.get().code in pdf_text(response.content)


def test_no_certificate_download_before_completion_or_once_revoked(ready, superuser, client):
    url = reverse("enrollment:certificate_pdf", args=[ready.token])
    assert client.get(url).status_code == 404
    services.complete(enrollment=ready, actor=superuser)
    services.revoke_certificate(certificate=ready.certificate, actor=superuser, reason="Issued in error.")
    assert client.get(url).status_code == 404


# --- the public verify page ---------------------------------------------------------------------------------------


@pytest.fixture
def certificate(ready, superuser) -> Certificate:
    with time_machine.travel(datetime.datetime(2026, 6, 12, 15, 0, tzinfo=datetime.UTC), tick=False):
        services.complete(enrollment=ready, actor=superuser)
    return Certificate.objects.get(enrollment=ready)


def test_verify_shows_name_course_date_status_and_the_registry_window(client, certificate):
    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    text = response.text
    assert "María González" in text
    assert "Emergency Medical Technician" in text
    assert "June 12, 2026" in text
    assert "Valid" in text
    assert "two years: the window ends on June 12, 2028" in text
    assert "maria@example.com" not in text  # only what the page promises


def test_verify_of_a_revoked_certificate_says_revoked_without_the_reason(client, certificate, staff_client):
    services.revoke_certificate(certificate=certificate, actor=staff_client.user, reason="Attendance falsified.")

    text = client.get(f"/verify/{certificate.code}/").text

    assert "Revoked" in text
    assert "Attendance falsified." not in text
    assert "window ends" not in text


def test_verify_reads_a_code_typed_in_lower_case(client, certificate):
    response = client.get(f"/verify/{certificate.code.lower()}/")
    assert response.status_code == 302
    assert response.url == f"/verify/{certificate.code}/"


@pytest.mark.parametrize(
    "code",
    [
        "EL-2222-2222-2222-2222",  # well formed, unknown
        "EL-2222",
        "nonsense",
        "..%2F..%2Fetc%2Fpasswd",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "' OR 1=1 --",
        "A" * 5000,
        "%F0%9F%92%A9",
    ],
)
def test_unknown_or_hostile_codes_are_a_plain_404(client, certificate, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404
    assert certificate.code not in response.text
    assert "González" not in response.text


def test_a_nul_byte_is_a_bad_request_not_a_500(client, certificate):
    assert client.get("/verify/%00/").status_code == 400


def test_verify_is_rate_limited_per_client(client, certificate, settings):
    settings.VERIFY_RATE_LIMIT = "3/h"
    for _ in range(3):
        assert client.get("/verify/EL-2222-2222-2222-2222/").status_code == 404
    response = client.get(f"/verify/{certificate.code}/")
    assert response.status_code == 429
    assert "González" not in response.text


# --- revoking -------------------------------------------------------------------------------------------------------


def test_staff_revoke_with_a_reason_audited(certificate, back_office, messages_of):
    url = reverse("admin:enrollment_certificate_revoke", args=[certificate.pk])
    assert back_office.post(url, {"reason": " "}).status_code == 200  # the form asks again
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    response = back_office.post(url, {"reason": "Completed the wrong student."})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == back_office.user
    event = AuditEvent.objects.get(action="certificate.revoked")
    assert event.reason == "Completed the wrong student." and event.enrollment_id == certificate.enrollment_id
    with pytest.raises(services.EnrollmentError) as again:
        services.revoke_certificate(certificate=certificate, actor=back_office.user, reason="Twice.")
    assert again.value.code == "already_revoked"


def test_revoking_is_for_staff_only(certificate, client, django_user_model):
    url = reverse("admin:enrollment_certificate_revoke", args=[certificate.pk])
    assert client.post(url, {"reason": "x"}).status_code == 302  # to the login
    client.force_login(django_user_model.objects.create_user("teacher", password="pw-for-tests-123", is_staff=True))
    assert client.post(url, {"reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


# --- the Registry export ------------------------------------------------------------------------------------------


def test_registry_export_is_a_formula_safe_csv_with_a_bom(cohort, certificate, superuser, back_office):
    other = seat(cohort, first_name="=HYPERLINK", last_name="Evil", email="evil@example.com")
    attend_in_full(other)
    services.complete(enrollment=other, actor=superuser)
    revoked = seat(cohort, first_name="Revoked", last_name="Person")
    attend_in_full(revoked)
    services.complete(enrollment=revoked, actor=superuser)
    services.revoke_certificate(certificate=revoked.certificate, actor=superuser, reason="Error.")
    seat(cohort, first_name="Still", last_name="Enrolled")

    response = back_office.get(reverse("admin:enrollment_enrollment_registry_export", args=[cohort.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith(BYTE_ORDER_MARK)
    lines = text[1:].splitlines()
    assert lines[0] == "Last name,First name,Date of birth,E-mail,Course,Completion date,Certificate code"
    assert len(lines) == 3  # the revoked and the still-enrolled are left out
    assert "Evil,'=HYPERLINK,1995-05-17,evil@example.com,Emergency Medical Technician," in lines[1]
    assert lines[2] == (
        f"González,María,1995-05-17,maria@example.com,Emergency Medical Technician,2026-06-12,{certificate.code}"
    )
    cohort_page = back_office.get(reverse("admin:courses_cohort_change", args=[cohort.pk])).text
    assert reverse("admin:enrollment_enrollment_registry_export", args=[cohort.pk]) in cohort_page


def test_registry_export_is_for_staff_only(cohort, client):
    url = reverse("admin:enrollment_enrollment_registry_export", args=[cohort.pk])
    assert client.get(url).status_code == 302
    assert "/verify/" not in url


# --- exam attempts and the day-60 reminder ------------------------------------------------------------------------


def test_exam_attempts_are_numbered_in_order_and_append_only(certificate, staff_client):
    enrollment = certificate.enrollment
    with time_machine.travel(datetime.datetime(2026, 7, 20, 15, 0, tzinfo=datetime.UTC)):
        first = services.record_exam_attempt(
            enrollment=enrollment, taken_on=datetime.date(2026, 7, 1), result="fail", actor=staff_client.user
        )
        with pytest.raises(services.EnrollmentError) as early:
            services.record_exam_attempt(
                enrollment=enrollment, taken_on=datetime.date(2026, 6, 30), result="pass", actor=staff_client.user
            )
        assert early.value.code == "exam_date"
        second = services.record_exam_attempt(
            enrollment=enrollment, taken_on=datetime.date(2026, 7, 15), result="pass", actor=staff_client.user
        )
        with pytest.raises(services.EnrollmentError) as passed:
            services.record_exam_attempt(
                enrollment=enrollment, taken_on=datetime.date(2026, 7, 16), result="pass", actor=staff_client.user
            )
        assert passed.value.code == "already_passed"
    assert (first.number, second.number) == (1, 2)
    assert AuditEvent.objects.filter(action="exam.attempt_recorded", enrollment=enrollment).count() == 2
    # No change or delete in the back office, for staff or anyone.
    change = staff_client.get(reverse("admin:enrollment_examattempt_change", args=[first.pk]))
    assert b'name="result"' not in change.content
    assert staff_client.get(reverse("admin:enrollment_examattempt_delete", args=[first.pk])).status_code == 403


def test_staff_set_the_exam_registration_date_audited(certificate, back_office):
    url = reverse("admin:enrollment_certificate_change", args=[certificate.pk])
    assert back_office.get(url).status_code == 200
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert back_office.post(url, {"exam_registered_on": tomorrow.isoformat()}).status_code == 200  # refused
    response = back_office.post(url, {"exam_registered_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.exam_registered_on == timezone.localdate()
    assert AuditEvent.objects.get(action="exam.registered").actor == back_office.user


def test_exam_attempts_are_only_for_graduates(cohort, superuser):
    enrollment = seat(cohort)
    with pytest.raises(services.EnrollmentError) as refused:
        services.record_exam_attempt(
            enrollment=enrollment, taken_on=timezone.localdate(), result="pass", actor=superuser
        )
    assert refused.value.code == "not_completed"


def test_staff_record_an_attempt_in_the_back_office(certificate, back_office):
    enrollment = certificate.enrollment
    url = reverse("admin:enrollment_examattempt_add")
    with time_machine.travel(datetime.datetime(2026, 7, 20, 15, 0, tzinfo=datetime.UTC)):
        assert back_office.get(f"{url}?enrollment={enrollment.pk}").status_code == 200
        response = back_office.post(url, {"enrollment": enrollment.pk, "taken_on": "2026-07-02", "result": "pass"})
    assert response.status_code == 302
    attempt = ExamAttempt.objects.get()
    assert (attempt.number, attempt.result, attempt.recorded_by) == (1, "pass", back_office.user)


def run_reminders(day: datetime.date) -> int:
    moment = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        return services.remind_exam_registration()


def test_the_reminder_goes_on_day_60_once(certificate, mailoutbox):
    completed = datetime.date(2026, 6, 12)
    assert run_reminders(completed + datetime.timedelta(days=59)) == 0
    assert run_reminders(completed + datetime.timedelta(days=60)) == 1
    assert run_reminders(completed + datetime.timedelta(days=61)) == 0

    email = OutgoingEmail.objects.get(kind="exam_reminder")
    assert email.enrollment_id == certificate.enrollment_id
    certificate.refresh_from_db()
    assert certificate.exam_reminder_sent_at is not None
    assert AuditEvent.objects.filter(action="exam.reminder_queued").count() == 1
    from enrollment.notifications import deliver

    assert deliver(email.pk) == "sent"
    [sent] = mailoutbox
    assert "National Registry" in sent.subject
    assert "September 10, 2026" in sent.body  # 90 days after June 12


def test_a_missed_minute_job_still_reminds_within_the_window_but_not_after(certificate):
    completed = datetime.date(2026, 6, 12)
    assert run_reminders(completed + datetime.timedelta(days=90)) == 0  # the window is over
    assert run_reminders(completed + datetime.timedelta(days=75)) == 1


def test_no_reminder_for_graduates_registered_or_with_an_attempt(certificate, cohort, superuser):
    with time_machine.travel(datetime.datetime(2026, 6, 12, 15, 0, tzinfo=datetime.UTC), tick=False):
        other = seat(cohort, first_name="Omar")
        attend_in_full(other)
        services.complete(enrollment=other, actor=superuser)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 15, 0, tzinfo=datetime.UTC)):
        services.record_exam_registration(
            certificate=certificate, registered_on=datetime.date(2026, 6, 30), actor=superuser
        )
        services.record_exam_attempt(
            enrollment=other, taken_on=datetime.date(2026, 6, 30), result="fail", actor=superuser
        )
    assert run_reminders(datetime.date(2026, 8, 11)) == 0
    assert AuditEvent.objects.filter(action="exam.registered").count() == 1


def test_the_reminder_is_a_minute_job(settings):
    assert "enrollment.tasks.remind_exam_registration" in settings.MINUTE_JOBS


# --- the checklist shown ------------------------------------------------------------------------------------------


def test_the_status_page_shows_the_checklist_then_the_certificate(cohort, ready, client, superuser):
    not_ready = seat(cohort)
    text = client.get(not_ready.get_absolute_url()).text
    assert "Ready to complete the course?" in text
    assert "1 requirement still to meet" in text
    assert "readiness-missing" in text and "0 h attended; 108 h are required" in text

    services.complete(enrollment=ready, actor=superuser)
    text = client.get(ready.get_absolute_url()).text
    assert "Every requirement of completing the course is met." in text
    assert Certificate.objects.get(enrollment=ready).code in text
    assert reverse("enrollment:certificate_pdf", args=[ready.token]) in text


def test_the_roster_shows_ready_or_what_is_missing(cohort, ready, client):
    seat(cohort, first_name="Omar", last_name="Abbas")
    instructor = get_user_model().objects.create_user("teacher", password="pw-for-tests-123")
    cohort.instructors.add(instructor)
    client.force_login(instructor)

    response = client.get(reverse("portal:roster", args=[cohort.pk]))

    rows = {row.student.first_name: row for row in response.context["roster"].rows}
    assert rows["María"].ready_text == "Ready"
    assert rows["Omar"].ready_text == "1 missing: Classroom hours"
    assert "1 missing" in response.text
    csv = client.get(reverse("portal:roster_csv", args=[cohort.pk])).content.decode()
    assert "Ready to complete" in csv and "1 missing: Classroom hours" in csv
