"""The student's clinicals pages and the preceptor's page, through the test client on the real database."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinical import services
from clinical.models import Booking, BookingStatus, PatientContact, Shift
from enrollment.models import CredentialStatus, OutgoingEmail
from tests.factories import make_credential

pytestmark = pytest.mark.django_db


def clinicals_url(enrollment) -> str:
    return reverse("clinical:clinicals", kwargs={"token": enrollment.token})


def test_the_page_shows_progress_clearance_and_bookable_shifts(client, clinic):
    enrollment = clinic.student()
    shift = clinic.shift()
    page = client.get(clinicals_url(enrollment))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Hours in a hospital emergency department" in text
    assert "You are cleared for clinical shifts today." in text
    assert shift.site.name in text and "Book this shift" in text


def test_the_status_page_links_to_clinicals_only_where_the_course_has_them(client, clinic):
    enrollment = clinic.student()
    assert clinicals_url(enrollment) in client.get(enrollment.get_absolute_url()).content.decode()


def test_booking_and_dropping_from_the_page(client, clinic):
    enrollment = clinic.student()
    shift = clinic.shift()
    response = client.post(reverse("clinical:book", args=[enrollment.token, shift.pk]), follow=True)
    assert "You are booked" in response.content.decode()
    booking = Booking.objects.get(enrollment=enrollment)
    response = client.post(reverse("clinical:drop", args=[enrollment.token, booking.pk]), follow=True)
    assert "You have dropped the shift" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DROPPED


def test_a_refusal_is_a_sentence_on_the_page_never_an_error_page(client, clinic):
    enrollment = clinic.student(tb_status=CredentialStatus.UNVERIFIED)
    shift = clinic.shift()
    response = client.post(reverse("clinical:book", args=[enrollment.token, shift.pk]), follow=True)
    assert response.status_code == 200
    assert "waiting for staff to verify" in response.content.decode()
    assert not Booking.objects.exists()


def test_another_students_booking_is_a_404(client, clinic):
    mine, theirs = clinic.student(), clinic.student()
    booking = services.book_shift(shift=clinic.shift(), enrollment=theirs)
    assert client.post(reverse("clinical:drop", args=[mine.token, booking.pk])).status_code == 404
    assert client.get(reverse("clinical:log", args=[mine.token, booking.pk])).status_code == 404


def test_hostile_ids_and_tokens_are_404_not_500(client, clinic):
    enrollment = clinic.student()
    for url in (
        f"/my/{enrollment.token}/clinicals/shifts/99999999999999999999/book/",
        f"/my/{enrollment.token}/clinicals/bookings/0/drop/",
        "/my/short/clinicals/",
        "/preceptor/%00/",
        "/preceptor/" + "a" * 43 + "/",
    ):
        assert client.post(url).status_code in {400, 404, 410}, url


def test_uploading_a_clearance_document_puts_it_on_file_unverified(client, clinic, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enrollment = clinic.student(tb_status=CredentialStatus.REJECTED)
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("tb.pdf", b"%PDF-1.4\n%scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    expires = (timezone.localdate() + datetime.timedelta(days=300)).isoformat()
    response = client.post(
        reverse("clinical:add_document", args=[enrollment.token]),
        {"credential_type": clinic.tb.pk, "number": "TB-2026-1", "expires_on": expires, "evidence": scan},
        follow=True,
    )
    assert "is on file" in response.content.decode()
    newest = enrollment.student.credentials.filter(credential_type=clinic.tb).latest("pk")
    assert (newest.status, newest.number) == (CredentialStatus.UNVERIFIED, "TB-2026-1")


def test_a_document_without_its_scan_is_refused_and_nothing_is_lost(client, clinic):
    enrollment = clinic.student(tb_status=CredentialStatus.REJECTED)
    expires = (timezone.localdate() + datetime.timedelta(days=300)).isoformat()
    response = client.post(
        reverse("clinical:add_document", args=[enrollment.token]),
        {"credential_type": clinic.tb.pk, "number": "TB-2026-1", "expires_on": expires},
    )
    assert response.status_code == 400
    assert 'value="TB-2026-1"' in response.content.decode()


def test_logging_a_contact_refuses_phi_and_keeps_what_was_typed(client, clinic):
    enrollment = clinic.student()
    shift = clinic.shift(days=2, hours=12)
    booking = services.book_shift(shift=shift, enrollment=enrollment)
    url = reverse("clinical:log", args=[enrollment.token, booking.pk])
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=2)):
        form = {"age_group": "adult", "complaint": "trauma", "skills": "Splinting", "note": "Mrs. Garcia fell"}
        response = client.post(url, form)
        assert response.status_code == 400
        assert "looks like a name" in response.content.decode()
        assert "Splinting" in response.content.decode()
        form["note"] = "Fall from standing, splinted the wrist"
        response = client.post(url, {**form, "another": "1"})
        assert response.status_code == 302 and response.url == url
    assert PatientContact.objects.filter(booking=booking).count() == 1


def test_the_preceptor_is_emailed_when_the_shift_ends_and_signs_once(
    client, clinic, django_capture_on_commit_callbacks
):
    enrollment = clinic.student()
    shift = clinic.shift(days=2, hours=12)
    booking = services.book_shift(shift=shift, enrollment=enrollment)
    with time_machine.travel(shift.ends_at + datetime.timedelta(minutes=5)):
        contact = services.log_contact(
            booking=booking,
            details=services.ContactDetails(age_group="adult", complaint="cardiac", skills="12-lead"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_links_for_ended_shifts() == 1
        assert services.send_links_for_ended_shifts() == 0  # one link per shift
    email = OutgoingEmail.objects.get(kind="preceptor_link")
    assert email.to_address == "preceptor@hospital.example"
    [message] = [m for m in mail.outbox if m.to == ["preceptor@hospital.example"]]
    assert enrollment.student.full_name in message.body
    link = shift.preceptor_links.get()
    url = reverse("clinical:preceptor", args=[link.token])
    assert url in message.body
    page = client.get(url)
    assert page.status_code == 200 and "12-lead" in page.content.decode()
    form = {
        f"attended_{booking.pk}": "on",
        f"minutes_{booking.pk}": "700",
        f"contact_{contact.pk}": "on",
        "name": "Pat Preceptor",
        "credential_number": "RN-445",
        "attest": "on",
    }
    assert client.post(url, {**form, f"minutes_{booking.pk}": "721"}).status_code == 400  # longer than the shift
    response = client.post(url, form)
    assert "Your sign-off is recorded" in response.content.decode()
    assert client.get(url).status_code == 410
    assert client.post(url, form).status_code == 410
    booking.refresh_from_db()
    assert (booking.signed_minutes, booking.signed_by_credential) == (700, "RN-445")


def test_the_clinicals_page_runs_the_same_queries_with_more_data(client, clinic):
    enrollment = clinic.student()
    clinic.shift(days=3)
    services.book_shift(shift=clinic.shift(days=4), enrollment=enrollment)
    url = clinicals_url(enrollment)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for day in range(5, 15):
        services.book_shift(shift=clinic.shift(days=day, site=clinic.ambulance), enrollment=clinic.student())
        clinic.shift(days=day + 0.5)
    services.book_shift(shift=clinic.shift(days=20), enrollment=enrollment)
    make_credential(enrollment.student, clinic.tb, status=CredentialStatus.VERIFIED)
    assert count() == before


@pytest.fixture
def staff_client(client, clinic):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tests.factories import make_groups

    make_groups()
    user = get_user_model().objects.create_user("office", password="pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(user)
    return client


def test_the_clearance_board_shows_who_is_cleared_and_what_is_missing(staff_client, clinic):
    cleared = clinic.student()
    unverified = clinic.student(tb_status=CredentialStatus.UNVERIFIED)
    unverified.student.last_name = "González"
    unverified.student.save()
    page = staff_client.get(reverse("admin:clinical_clearance_board", args=[clinic.cohort.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert cleared.student.last_name in text and "1 missing" in text and "Not yet verified" in text
    assert clinic.cohort.code in staff_client.get(reverse("admin:clinical_clearance")).content.decode()
    export = staff_client.get(reverse("admin:clinical_clearance_csv", args=[clinic.cohort.pk]))
    body = export.content.decode("utf-8")
    assert body.startswith("\ufeff") and "González" in body
    assert staff_client.get(reverse("admin:clinical_clearance_board", args=[999999])).status_code == 404


def test_the_clearance_board_is_for_staff_only(client, clinic):
    from django.contrib.auth import get_user_model

    url = reverse("admin:clinical_clearance_board", args=[clinic.cohort.pk])
    assert client.get(url).status_code == 302  # anonymous: the login page
    teacher = get_user_model().objects.create_user("teacher", password="pw-for-tests-123")
    client.force_login(teacher)
    assert client.get(url).status_code == 302  # not staff: the admin's login page


def test_the_clearance_board_runs_the_same_queries_for_a_bigger_cohort(staff_client, clinic):
    clinic.student()
    url = reverse("admin:clinical_clearance_board", args=[clinic.cohort.pk])
    staff_client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    before = count()
    for _ in range(8):
        clinic.student(tb_status=CredentialStatus.UNVERIFIED)
    assert count() == before


def test_staff_see_fill_per_shift_and_per_site(staff_client, clinic):
    shift = clinic.shift(capacity=4)
    clinic.shift(capacity=2, days=9)
    services.book_shift(shift=shift, enrollment=clinic.student())
    shifts = staff_client.get(reverse("admin:clinical_shift_changelist")).content.decode()
    assert "1 / 4" in shifts and "0 / 2" in shifts
    sites = staff_client.get(reverse("admin:clinical_site_changelist")).content.decode()
    assert "1 / 6" in sites
    change = staff_client.get(reverse("admin:clinical_shift_change", args=[shift.pk])).content.decode()
    assert clinic.cohort.code in change  # the bookings, read-only


def test_the_roster_shows_clinical_progress_and_flags_a_student_behind(client, clinic):
    from django.contrib.auth import get_user_model

    teacher = get_user_model().objects.create_user("teacher", password="pw-for-tests-123")
    clinic.cohort.instructors.add(teacher)
    clinic.cohort.starts_on = timezone.localdate() - datetime.timedelta(days=60)
    clinic.cohort.ends_on = timezone.localdate() + datetime.timedelta(days=30)
    clinic.cohort.save()
    on_pace = clinic.student()
    behind = clinic.student()
    shift = clinic.shift(days=-1, hours=12)
    Booking.objects.create(
        shift=shift, enrollment=on_pace, attended=True, signed_minutes=20 * 60, signed_at=timezone.now()
    )
    client.force_login(teacher)
    page = client.get(reverse("portal:roster", args=[clinic.cohort.pk])).content.decode()
    assert "Clinicals: ED h 20 of 24" in page
    assert "Clinicals: ED h 0 of 24 · ambulance h 0 of 24 · contacts 0 of 10 (behind)" in page
    from enrollment.portal import build_roster

    rows = {row.enrollment.pk: row for row in build_roster(clinic.cohort).rows}
    assert rows[behind.pk].at_risk and not rows[behind.pk].behind_on_hours
    assert rows[on_pace.pk].notes[0].at_risk  # ambulance hours and contacts are behind too
    csv_text = client.get(reverse("portal:roster_csv", args=[clinic.cohort.pk])).content.decode()
    assert "Clinicals: ED h 20 of 24" in csv_text


def test_staff_publish_a_series_from_its_preview(staff_client, clinic):
    url = reverse("admin:clinical_shift_series")
    form = {
        "site": clinic.ambulance.pk,
        "cohort": clinic.cohort.pk,
        "weekdays": ["5"],
        "starts_at": "07:00",
        "ends_at": "19:00",
        "first_day": "2027-05-01",
        "last_day": "2027-05-29",
        "capacity": "3",
        "preceptor_name": "Luis Ortega",
        "preceptor_email": "medic14@example.com",
        "holidays": "2027-05-15",
    }
    preview = staff_client.post(url, {**form, "preview": "1"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview: 4 shifts" in html and "Sat May 15, 2027 (holiday you listed)" in html
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', html).group(1)
    published = staff_client.post(url, {**form, "publish": "1", "fingerprint": fingerprint})
    assert published.status_code == 302
    assert Shift.objects.filter(site=clinic.ambulance, preceptor_email="medic14@example.com").count() == 4
    from enrollment.models import AuditEvent

    event = AuditEvent.objects.get(action="clinical.shifts_published")
    assert (event.actor.username, event.data["shifts"]) == ("office", 4)
    bad = staff_client.post(url, {**form, "weekdays": [], "ends_at": "07:00", "preview": "1"})
    assert bad.status_code == 200 and "Choose at least one day of the week." in bad.content.decode()


def test_the_series_page_is_for_staff_who_may_add_shifts(client, clinic):
    from django.contrib.auth import get_user_model

    url = reverse("admin:clinical_shift_series")
    assert client.get(url).status_code == 302
    client.force_login(get_user_model().objects.create_user("viewer", password="pw-for-tests-123", is_staff=True))
    assert client.get(url).status_code == 403
