"""One eligibility check at every step that grants or keeps a seat: signup, staff adding someone, accepting an
offer, staff approval and a move. Regression tests for the review that found accept_offer, approve and move
skipping it."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseDate
from enrollment import services
from enrollment.models import AuditEvent, CredentialStatus, Enrollment, EnrollmentStatus
from enrollment.services import EnrollmentError
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_student,
    student_details,
)

S = EnrollmentStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def cpr():
    return make_credential_type("CPR_BLS", "CPR/BLS card")


@pytest.fixture
def course(cpr):
    course = make_course(title="Emergency Medical Technician")
    make_requirement(course, cpr, valid_through=CourseDate.START)
    return course


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("dana", "dana@elite-ems.example", "pw")


def waitlisted_with_card(cohort, cpr, **card):
    """Fill the cohort's only seat, then sign a second person up (waitlisted) with a CPR card."""
    services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(cpr)], confirmed=True
    )
    return services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(cpr, **card)], confirmed=True
    )


def offer_a_seat(cohort, waiting):
    seated = cohort.enrollments.get(status__in=[S.ENROLLED, S.PENDING_REVIEW])
    services.withdraw(enrollment=seated)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    return waiting


def test_accepting_an_offer_after_staff_rejected_the_cpr_card_is_refused(course, cpr, staff):
    cohort = make_cohort(course, capacity=1)
    waiting = waitlisted_with_card(cohort, cpr)
    services.reject_credential(
        credential=waiting.student.credentials.get(), actor=staff, reason="The card number does not exist."
    )
    offer = offer_a_seat(cohort, waiting)

    with pytest.raises(EnrollmentError) as refused:
        services.accept_offer(enrollment=offer)

    assert refused.value.code == "missing_requirement"
    assert "could not accept the CPR/BLS card" in refused.value.message
    assert "add a current one" in refused.value.message
    offer.refresh_from_db()
    assert offer.status == S.OFFERED  # nothing written: the seat stays offered until its deadline
    assert not AuditEvent.objects.filter(enrollment=offer, action="enrollment.offer_accepted").exists()


def test_accepting_an_offer_after_the_card_ran_out_while_waiting_is_refused(course, cpr):
    cohort = make_cohort(course, capacity=1)
    starts = cohort.starts_on
    # Valid through the first day at signup; the seat is offered in the first week of class, after the card ran out.
    waiting = waitlisted_with_card(cohort, cpr, expires_on=starts + datetime.timedelta(days=1))
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(starts, datetime.time(12))), tick=False):
        offer = offer_a_seat(cohort, waiting)
    with (
        time_machine.travel(
            timezone.make_aware(datetime.datetime.combine(starts + datetime.timedelta(days=2), datetime.time(9))),
            tick=False,
        ),
        pytest.raises(EnrollmentError) as refused,
    ):
        services.accept_offer(enrollment=offer)

    assert refused.value.code == "missing_requirement"
    assert "expires on" in refused.value.message and "renew it" in refused.value.message


def test_accepting_an_offer_after_the_course_was_rescheduled_past_the_card_is_refused(course, cpr):
    cohort = make_cohort(course, capacity=1)
    waiting = waitlisted_with_card(cohort, cpr, expires_on=cohort.starts_on + datetime.timedelta(days=5))
    offer = offer_a_seat(cohort, waiting)
    # Staff push the start back three weeks: the card no longer covers the first day.
    type(cohort).objects.filter(pk=cohort.pk).update(
        starts_on=cohort.starts_on + datetime.timedelta(days=21), ends_on=cohort.ends_on + datetime.timedelta(days=21)
    )

    with pytest.raises(EnrollmentError) as refused:
        services.accept_offer(enrollment=offer)
    assert refused.value.code == "missing_requirement"


def test_an_offer_accepted_with_a_current_card_enrolls(course, cpr):
    cohort = make_cohort(course, capacity=1)
    offer = offer_a_seat(cohort, waitlisted_with_card(cohort, cpr))
    assert services.accept_offer(enrollment=offer).status == S.ENROLLED


def test_accepting_waits_for_review_while_a_card_needs_verification(cpr):
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    cohort = make_cohort(course, capacity=1)
    offer = offer_a_seat(cohort, waitlisted_with_card(cohort, cpr))
    assert services.accept_offer(enrollment=offer).status == S.PENDING_REVIEW


def test_approving_a_student_whose_card_staff_rejected_is_refused(cpr, staff):
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    cohort = make_cohort(course)
    pending = services.request_seat(cohort=cohort, student=student_details(), credentials=[credential_details(cpr)])
    assert pending.status == S.PENDING_REVIEW
    services.reject_credential(credential=pending.student.credentials.get(), actor=staff, reason="Expired in 2019.")

    with pytest.raises(EnrollmentError) as refused:
        services.approve(enrollment=pending, actor=staff)

    assert refused.value.code == "missing_requirement"
    assert str(pending.student) in refused.value.message
    pending.refresh_from_db()
    assert pending.status == S.PENDING_REVIEW


def test_approving_verifies_the_card_that_meets_the_requirement(cpr, staff):
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    cohort = make_cohort(course)
    pending = services.request_seat(cohort=cohort, student=student_details(), credentials=[credential_details(cpr)])
    expired = make_credential(pending.student, cpr, expires_on=timezone.localdate() - datetime.timedelta(days=1))

    services.approve(enrollment=pending, actor=staff)

    assert pending.student.credentials.get(number="BLS-123456").status == CredentialStatus.VERIFIED
    expired.refresh_from_db()
    assert expired.status == CredentialStatus.UNVERIFIED


def test_moving_a_student_whose_card_staff_rejected_is_refused(course, cpr, staff):
    source, target = make_cohort(course), make_cohort(course)
    enrollment = services.request_seat(cohort=source, student=student_details(), credentials=[credential_details(cpr)])
    services.reject_credential(credential=enrollment.student.credentials.get(), actor=staff, reason="Not a BLS card.")

    with pytest.raises(EnrollmentError) as refused:
        services.move(enrollment=enrollment, to_cohort=target, actor=staff)

    assert refused.value.code == "missing_requirement"
    enrollment.refresh_from_db()
    assert enrollment.status == S.ENROLLED
    assert not target.enrollments.exists()


def test_staff_adding_a_student_whose_card_ran_out_is_refused(course, cpr, staff):
    cohort = make_cohort(course)
    student = make_student()
    make_credential(student, cpr, expires_on=cohort.starts_on - datetime.timedelta(days=1))
    with pytest.raises(EnrollmentError) as refused:
        services.add_to_cohort(student=student, cohort=cohort, actor=staff)
    assert refused.value.code == "missing_requirement"


def test_eligibility_lists_every_shortfall_with_what_to_do(course, cpr):
    license_type = make_credential_type("EMT", "EMT license")
    make_requirement(course, license_type, valid_through=CourseDate.END)
    cohort = make_cohort(course)
    young = timezone.localdate().replace(year=timezone.localdate().year - 16, month=1, day=1)

    eligibility = services.check_eligibility(cohort, date_of_birth=young, credentials=[])

    assert not eligibility.ok
    assert [s.code for s in eligibility.shortfalls] == ["too_young", "missing_requirement", "missing_requirement"]
    assert "Add your CPR/BLS card" in eligibility.shortfalls[1].message
    assert "Add your EMT license" in eligibility.shortfalls[2].message


def test_unknown_error_codes_are_a_programming_error():
    with pytest.raises(ValueError, match="Unknown EnrollmentError code"):
        EnrollmentError("Something", code="made_up")
    assert set(services.ERROR_CODES) >= {"too_young", "missing_requirement", "invalid_transition", "not_open"}


# --- the student's status page says what to upload, and takes it -------------------------------------------------


def test_status_page_tells_the_student_what_to_upload_and_takes_the_new_card(client, course, cpr, staff):
    cohort = make_cohort(course, capacity=1)
    waiting = waitlisted_with_card(cohort, cpr)
    services.reject_credential(credential=waiting.student.credentials.get(), actor=staff, reason="Illegible.")
    offer = offer_a_seat(cohort, waiting)

    page = client.get(offer.get_absolute_url())
    assert page.status_code == 200
    assert "Before you can take this seat:" in page.text
    assert "could not accept the CPR/BLS card" in page.text
    assert "Add or renew a credential" in page.text

    refused = client.post(reverse("enrollment:accept_offer", args=[offer.token]), follow=True)
    assert "could not accept the CPR/BLS card" in refused.text
    offer.refresh_from_db()
    assert offer.status == S.OFFERED

    renewed = client.post(
        reverse("enrollment:add_credential", args=[offer.token]),
        {
            "credential_type": cpr.pk,
            "number": "BLS-777",
            "expires_on": (cohort.ends_on + datetime.timedelta(days=365)).isoformat(),
        },
    )
    assert renewed.status_code == 302
    assert AuditEvent.objects.filter(enrollment=offer, action="credential.added").exists()
    accepted = client.post(reverse("enrollment:accept_offer", args=[offer.token]), follow=True)
    assert "You have accepted the seat" in accepted.text
    assert Enrollment.objects.get(pk=offer.pk).status == S.ENROLLED


def test_status_page_refuses_a_credential_the_course_does_not_ask_for(client, course, cpr):
    other = make_credential_type("EMT", "EMT license")
    cohort = make_cohort(course, capacity=1)
    waiting = waitlisted_with_card(cohort, cpr)
    response = client.post(
        reverse("enrollment:add_credential", args=[waiting.token]),
        {"credential_type": other.pk, "number": "X-1", "expires_on": "2040-01-01"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert waiting.student.credentials.count() == 1


def test_a_finished_enrollment_takes_no_credentials(client, course, cpr):
    enrollment = services.request_seat(
        cohort=make_cohort(course), student=student_details(), credentials=[credential_details(cpr)]
    )
    services.withdraw(enrollment=enrollment)
    response = client.post(
        reverse("enrollment:add_credential", args=[enrollment.token]),
        {"credential_type": cpr.pk, "number": "X-1", "expires_on": "2040-01-01"},
    )
    assert response.status_code == 302
    assert enrollment.student.credentials.count() == 1
