"""Every rule of clinical shifts and every error code, through the clinical services on the real database."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from clinical import services
from clinical.models import AgeGroup, Booking, BookingStatus, Complaint
from enrollment import services as enrollment_services
from enrollment.models import AuditEvent, CredentialStatus, Enrollment
from enrollment.services import EnrollmentError
from tests.factories import make_cohort, make_course, make_session, student_details

pytestmark = pytest.mark.django_db

CONTACT = services.ContactDetails(age_group=AgeGroup.ADULT, complaint=Complaint.CARDIAC, skills="Vitals, 12-lead")


def refused(code: str, call, *args, **kwargs) -> EnrollmentError:
    with pytest.raises(EnrollmentError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert caught.value.message  # a sentence for people
    return caught.value


def test_a_cleared_student_books_a_place_and_the_audit_says_so(clinic):
    enrollment = clinic.student()
    shift = clinic.shift()
    booking = services.book_shift(shift=shift, enrollment=enrollment)
    assert booking.status == BookingStatus.BOOKED
    assert AuditEvent.objects.filter(enrollment=enrollment, action="clinical.booked").count() == 1


def test_shift_full(clinic):
    shift = clinic.shift(capacity=1)
    services.book_shift(shift=shift, enrollment=clinic.student())
    refused("shift_full", services.book_shift, shift=shift, enrollment=clinic.student())


def test_a_withdrawal_frees_the_place_without_the_clinical_app_being_told(clinic):
    shift = clinic.shift(capacity=1)
    first = clinic.student()
    services.book_shift(shift=shift, enrollment=first)
    enrollment_services.withdraw(enrollment=first)
    services.book_shift(shift=shift, enrollment=clinic.student())
    assert Booking.objects.live().filter(shift=shift).count() == 1


def test_not_cleared_without_a_verified_tb_test(clinic):
    enrollment = clinic.student(tb_status=CredentialStatus.UNVERIFIED)
    error = refused("not_cleared", services.book_shift, shift=clinic.shift(), enrollment=enrollment)
    assert "waiting for staff to verify" in error.message


def test_an_expired_tb_test_blocks_a_shift_after_its_expiry_but_not_before(clinic):
    expires = timezone.localdate() + datetime.timedelta(days=10)
    enrollment = clinic.student(cleared_until=expires)
    before = clinic.shift(days=9)
    after = clinic.shift(days=11)
    services.book_shift(shift=before, enrollment=enrollment)
    error = refused("not_cleared", services.book_shift, shift=after, enrollment=enrollment)
    assert "expires on" in error.message


def test_a_rejected_tb_test_says_upload_a_new_one(clinic):
    enrollment = clinic.student(tb_status=CredentialStatus.REJECTED)
    error = refused("not_cleared", services.book_shift, shift=clinic.shift(), enrollment=enrollment)
    assert "Upload a new one" in error.message


def test_overlapping_shifts_and_class_sessions_are_refused(clinic):
    enrollment = clinic.student()
    first = clinic.shift(days=5)
    services.book_shift(shift=first, enrollment=enrollment)
    refused("overlaps", services.book_shift, shift=clinic.shift(days=5.2, site=clinic.ambulance), enrollment=enrollment)
    session = make_session(clinic.cohort, days_from_now=8)
    clash = clinic.shift(days=0, hours=2)
    clash.starts_at, clash.ends_at = session.starts_at, session.ends_at
    clash.save()
    refused("overlaps", services.book_shift, shift=clash, enrollment=enrollment)


def test_booking_and_dropping_close_before_the_shift(clinic, settings):
    settings.CLINICAL_BOOKING_CLOSES_HOURS = 24
    enrollment = clinic.student()
    soon = clinic.shift(days=0.5)
    refused("booking_closed", services.book_shift, shift=soon, enrollment=enrollment)
    later = clinic.shift(days=3)
    booking = services.book_shift(shift=later, enrollment=enrollment)
    with time_machine.travel(later.starts_at - datetime.timedelta(hours=23)):
        refused("booking_closed", services.drop_booking, booking=booking)
    services.drop_booking(booking=booking)
    refused("not_booked", services.drop_booking, booking=booking)


def test_already_booked(clinic):
    enrollment = clinic.student()
    shift = clinic.shift()
    services.book_shift(shift=shift, enrollment=enrollment)
    refused("already_booked", services.book_shift, shift=shift, enrollment=enrollment)


def test_not_enrolled_when_not_seated_or_the_course_has_no_clinicals_or_the_shift_is_another_cohorts(clinic):
    waiting = enrollment_services.request_seat(
        cohort=make_cohort(course=clinic.cohort.course, capacity=0), student=student_details(), confirmed=True
    )
    refused("not_enrolled", services.book_shift, shift=clinic.shift(), enrollment=waiting)
    no_clinicals = enrollment_services.request_seat(
        cohort=make_cohort(course=make_course()), student=student_details(), confirmed=True
    )
    refused("not_enrolled", services.book_shift, shift=clinic.shift(), enrollment=no_clinicals)
    other_cohort = make_cohort(course=clinic.cohort.course)
    refused("not_enrolled", services.book_shift, shift=clinic.shift(cohort=other_cohort), enrollment=clinic.student())


def test_contacts_are_logged_after_the_shift_within_48_hours_and_without_phi(clinic):
    enrollment = clinic.student()
    shift = clinic.shift(days=3, hours=12)
    booking = services.book_shift(shift=shift, enrollment=enrollment)
    refused("shift_not_over", services.log_contact, booking=booking, details=CONTACT)
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=47)):
        services.log_contact(booking=booking, details=CONTACT)
        for note in ("Pt John Smith, chest pain", "DOB 3/14/1950", "MRN 4488123"):
            refused("phi_in_note", services.log_contact, booking=booking, details=_with_note(note))
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=49)):
        refused("late_log", services.log_contact, booking=booking, details=CONTACT)
    assert booking.contacts.count() == 1


def _with_note(note: str) -> services.ContactDetails:
    return services.ContactDetails(age_group=AgeGroup.ADULT, complaint=Complaint.TRAUMA, note=note)


def test_a_preceptor_link_works_once_and_signed_entries_are_locked(clinic):
    enrollment = clinic.student()
    shift = clinic.shift(days=2, hours=12)
    booking = services.book_shift(shift=shift, enrollment=enrollment)
    with time_machine.travel(shift.ends_at + datetime.timedelta(hours=1)):
        first = services.log_contact(booking=booking, details=CONTACT)
        second = services.log_contact(booking=booking, details=_with_note("Splinted a forearm"))
        token = services.issue_preceptor_link(shift=shift).token
        entry = services.SignedBooking(attended=True, minutes=600, contacts={first.pk: True, second.pk: False})
        services.sign_off(token=token, entries={booking.pk: entry}, name="Pat Preceptor", credential_number="RN-1")
        refused("link_used", services.sign_off, token=token, entries={}, name="Pat", credential_number="RN-1")
        refused("already_signed", services.log_contact, booking=booking, details=CONTACT)
    booking.refresh_from_db()
    assert (booking.attended, booking.signed_minutes, booking.signed_by_name) == (True, 600, "Pat Preceptor")
    assert [c.confirmed for c in booking.contacts.order_by("pk")] == [True, False]


def test_a_preceptor_link_expires(clinic, settings):
    settings.CLINICAL_PRECEPTOR_LINK_DAYS = 7
    shift = clinic.shift(days=1)
    token = services.issue_preceptor_link(shift=shift).token
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        refused("link_expired", services.sign_off, token=token, entries={}, name="Pat", credential_number="RN-1")
    refused("link_used", services.sign_off, token="not-a-token", entries={}, name="Pat", credential_number="RN-1")


def test_signed_minutes_cannot_exceed_the_shift(clinic):
    shift = clinic.shift(days=2, hours=12)
    booking = services.book_shift(shift=shift, enrollment=clinic.student())
    token = services.issue_preceptor_link(shift=shift).token
    entry = services.SignedBooking(attended=True, minutes=12 * 60 + 1, contacts={})
    refused(
        "minutes_out_of_range",
        services.sign_off,
        token=token,
        entries={booking.pk: entry},
        name="Pat",
        credential_number="RN-1",
    )


def test_progress_counts_only_signed_entries(clinic):
    enrollment = clinic.student()
    ed = clinic.shift(days=2, hours=12)
    ride = clinic.shift(days=4, hours=12, site=clinic.ambulance)
    ed_booking = services.book_shift(shift=ed, enrollment=enrollment)
    ride_booking = services.book_shift(shift=ride, enrollment=enrollment)
    with time_machine.travel(ed.ends_at + datetime.timedelta(hours=1)):
        ed_contacts = [services.log_contact(booking=ed_booking, details=CONTACT) for _ in range(3)]
    with time_machine.travel(ride.ends_at + datetime.timedelta(hours=1)):
        for _ in range(4):
            services.log_contact(booking=ride_booking, details=CONTACT)
        before = {p.minimum.kind: p.done for p in services.progress(enrollment)}
        assert before == {"ed_hours": 0, "ambulance_hours": 0, "contacts": 0}
        token = services.issue_preceptor_link(shift=ed).token
        entry = services.SignedBooking(attended=True, minutes=11 * 60, contacts={c.pk: True for c in ed_contacts[:2]})
        services.sign_off(token=token, entries={ed_booking.pk: entry}, name="Pat", credential_number="RN-1")
    after = {p.minimum.kind: (p.done, p.met) for p in services.progress(enrollment)}
    assert after == {"ed_hours": (11, False), "ambulance_hours": (0, False), "contacts": (2, False)}


def test_clinical_requirements_do_not_stop_a_signup(clinic):
    """A TB test is asked for before shifts, not at signup: someone without one still gets a seat."""
    enrollment = enrollment_services.request_seat(cohort=clinic.cohort, student=student_details(), confirmed=True)
    assert enrollment.status == Enrollment.objects.get(pk=enrollment.pk).status == "ENROLLED"
    assert not services.clearance(enrollment, on=timezone.localdate()).cleared


def test_reminders_go_30_and_7_days_before_a_document_expires_once_each(clinic, django_capture_on_commit_callbacks):
    from django.core import mail

    from enrollment.models import OutgoingEmail

    today = timezone.localdate()
    enrollment = clinic.student(cleared_until=today + datetime.timedelta(days=30))
    clinic.student(cleared_until=today + datetime.timedelta(days=200))  # not due
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_expiring_documents(today=today) == 1
        assert services.remind_expiring_documents(today=today) == 0  # once
        assert services.remind_expiring_documents(today=today + datetime.timedelta(days=22)) == 0  # 8 days out
        assert services.remind_expiring_documents(today=today + datetime.timedelta(days=23)) == 1  # 7 days out
    kinds = list(OutgoingEmail.objects.filter(enrollment=enrollment).values_list("kind", flat=True))
    assert sorted(k for k in kinds if k.startswith("document")) == ["document_expiring_30", "document_expiring_7"]
    reminders = [m for m in mail.outbox if "TB test expires on" in m.subject]
    assert len(reminders) == 2 and enrollment.token in reminders[0].body


def test_a_series_of_saturday_shifts_keeps_7_am_across_the_clock_change_and_publishes_exactly_the_preview(clinic):
    from courses.schedule import ScheduleError

    request = services.ShiftSeriesRequest(
        site=clinic.ambulance,
        weekdays=frozenset({5}),
        starts_at=datetime.time(7),
        ends_at=datetime.time(19),
        first_day=datetime.date(2027, 10, 23),
        last_day=datetime.date(2027, 11, 20),
        capacity=3,
        cohort=clinic.cohort,
        holidays=frozenset({datetime.date(2027, 11, 13)}),
    )
    plan = services.plan_shift_series(request)
    local = [timezone.localtime(s.starts_at) for s in plan.shifts]
    assert [d.date().isoformat() for d in local] == ["2027-10-23", "2027-10-30", "2027-11-06", "2027-11-20"]
    assert {d.hour for d in local} == {7}  # before and after the clocks go back on November 7
    assert [s.hours for s in plan.shifts] == [12, 12, 12, 12]
    made = services.publish_shift_series(request=request, fingerprint=plan.fingerprint)
    assert [s.starts_at for s in made] == [s.starts_at for s in plan.shifts]
    with pytest.raises(ScheduleError) as changed:
        services.publish_shift_series(request=request, fingerprint="not-the-preview")
    assert changed.value.code == "plan_changed"


def test_a_night_shift_ends_the_next_morning(clinic):
    request = services.ShiftSeriesRequest(
        site=clinic.ambulance,
        weekdays=frozenset({5}),
        starts_at=datetime.time(19),
        ends_at=datetime.time(7),
        first_day=datetime.date(2027, 3, 6),
        last_day=datetime.date(2027, 3, 13),
        capacity=2,
    )
    shifts = services.plan_shift_series(request).shifts
    # The clocks spring forward in the night of March 13 to 14: that night shift is an hour shorter.
    assert [s.hours for s in shifts] == [12, 11]
    assert timezone.localtime(shifts[0].ends_at) == datetime.datetime(
        2027, 3, 7, 7, tzinfo=timezone.get_default_timezone()
    )
