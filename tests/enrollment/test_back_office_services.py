"""Services behind the back office: moving a student to another cohort, credential decisions, capacity audit, and the
QuerySet methods the admin pages count with."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from courses.models import Cohort, CohortStatus
from enrollment import services
from enrollment.models import (
    AuditEvent,
    Credential,
    CredentialStatus,
    Enrollment,
    EnrollmentStatus,
    with_status_counts,
)
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_student,
    student_details,
    years_before,
)

pytestmark = pytest.mark.django_db

S = EnrollmentStatus


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("renee", "renee@elite-ems.example", "pw", is_staff=True)


def sign_up(cohort: Cohort, credentials=(), **student) -> Enrollment:
    return services.request_seat(cohort=cohort, student=student_details(**student), credentials=list(credentials))


def refresh(enrollment: Enrollment) -> Enrollment:
    enrollment.refresh_from_db()
    return enrollment


# --- move --------------------------------------------------------------------------------------------------------


def test_move_withdraws_the_source_seats_the_target_and_links_both_in_the_audit(staff):
    course = make_course()
    source = make_cohort(course, code="EMT-SRC", capacity=1)
    target = make_cohort(course, code="EMT-DST", capacity=5)
    old = sign_up(source)
    waiting = sign_up(source)

    new = services.move(enrollment=old, to_cohort=target, actor=staff, reason="Shift change.")

    old = refresh(old)
    assert (old.status, old.reason) == (S.WITHDRAWN, "Moved to EMT-DST. Shift change.")
    assert (new.cohort, new.student, new.status) == (target, old.student, S.ENROLLED)
    moved = old.audit_events.get(action="enrollment.moved")
    assert (moved.actor, moved.from_status, moved.to_status) == (staff, S.ENROLLED, S.WITHDRAWN)
    assert moved.data == {"moved_to": new.pk, "to_cohort": "EMT-DST"}
    arrived = new.audit_events.get(action__startswith="enrollment.")
    assert (arrived.action, arrived.actor) == ("enrollment.enrolled", staff)
    assert arrived.data == {"moved_from": old.pk, "from_cohort": "EMT-SRC"}
    # The freed seat went to the source's waitlist in the same transaction.
    assert refresh(waiting).status == S.OFFERED


def test_move_reason_defaults_to_the_target_code(staff):
    course = make_course()
    old = sign_up(make_cohort(course))
    target = make_cohort(course, code="EMT-DST")

    services.move(enrollment=old, to_cohort=target, actor=staff)

    assert refresh(old).reason == "Moved to EMT-DST"


@pytest.mark.parametrize("target_state", ["full", "pending_review"])
def test_move_may_land_waitlisted_or_pending_review(staff, target_state):
    cpr = make_credential_type()
    course = make_course()
    if target_state == "pending_review":
        make_requirement(course, cpr, needs_verification=True)
    old = sign_up(make_cohort(course), credentials=[credential_details(cpr)])
    target = make_cohort(course, capacity=0 if target_state == "full" else 5)

    new = services.move(enrollment=old, to_cohort=target, actor=staff)

    assert new.status == (S.WAITLISTED if target_state == "full" else S.PENDING_REVIEW)
    assert refresh(old).status == S.WITHDRAWN


def test_move_ignores_the_target_enrollment_window(staff):
    course = make_course()
    old = sign_up(make_cohort(course))
    closed = make_cohort(
        course,
        enrollment_opens_at=timezone.now() - datetime.timedelta(days=20),
        enrollment_closes_at=timezone.now() - datetime.timedelta(days=10),
    )
    assert services.move(enrollment=old, to_cohort=closed, actor=staff).status == S.ENROLLED


def _refused_move(staff, old: Enrollment, target: Cohort, code: str) -> None:
    events_before = AuditEvent.objects.count()
    enrollments_before = Enrollment.objects.count()
    with pytest.raises(services.EnrollmentError) as refused:
        services.move(enrollment=old, to_cohort=target, actor=staff)
    assert refused.value.code == code
    assert AuditEvent.objects.count() == events_before
    assert Enrollment.objects.count() == enrollments_before


def test_move_refused_by_a_missing_requirement_leaves_the_source_untouched(staff):
    cpr = make_credential_type()
    old = sign_up(make_cohort(make_course()))
    strict = make_course()
    make_requirement(strict, cpr)

    _refused_move(staff, old, make_cohort(strict), "missing_requirement")

    assert refresh(old).status == S.ENROLLED


def test_move_refused_for_a_too_young_student_leaves_the_source_untouched(staff):
    old = sign_up(make_cohort(make_course(min_age=16)), date_of_birth=years_before(timezone.localdate(), 18))
    target = make_cohort(make_course(min_age=21))

    _refused_move(staff, old, target, "too_young")

    assert refresh(old).status == S.ENROLLED


def test_move_refused_when_already_in_the_target(staff):
    course = make_course()
    target = make_cohort(course, code="EMT-DST")
    old = sign_up(make_cohort(course), email="twice@example.com")
    sign_up(target, email="twice@example.com")

    _refused_move(staff, old, target, "already_enrolled")

    assert refresh(old).status == S.ENROLLED


def test_move_refused_for_an_ended_enrollment_or_the_same_cohort(staff):
    course = make_course()
    cohort = make_cohort(course)
    old = sign_up(cohort)
    _refused_move(staff, old, cohort, "same_cohort")
    services.withdraw(enrollment=old, reason="Changed plans.")
    _refused_move(staff, old, make_cohort(course), "invalid_transition")


def test_move_refused_to_a_cancelled_cohort(staff):
    course = make_course()
    old = sign_up(make_cohort(course))
    _refused_move(staff, old, make_cohort(course, status=CohortStatus.CANCELLED), "not_open")
    assert refresh(old).status == S.ENROLLED


# --- credential decisions ----------------------------------------------------------------------------------------


def test_verify_credential_records_who_and_when_with_an_audit_row(staff):
    credential = make_credential(make_student(), make_credential_type())

    services.verify_credential(credential=credential, actor=staff)

    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == (CredentialStatus.VERIFIED, staff)
    assert credential.verified_at is not None
    event = AuditEvent.objects.get(action="credential.verified")
    assert (event.enrollment, event.actor, event.data) == (None, staff, {"credential": credential.pk})
    assert (event.from_status, event.to_status) == (CredentialStatus.UNVERIFIED, CredentialStatus.VERIFIED)


def test_verify_credential_refuses_twice_and_expired(staff):
    student = make_student()
    verified = make_credential(student, make_credential_type(), status=CredentialStatus.VERIFIED)
    expired = make_credential(
        student, make_credential_type("EMT", "EMT license"), expires_on=timezone.localdate() - datetime.timedelta(1)
    )
    for credential, code in [(verified, "already_verified"), (expired, "credential_expired")]:
        with pytest.raises(services.EnrollmentError) as refused:
            services.verify_credential(credential=credential, actor=staff)
        assert refused.value.code == code
    assert not AuditEvent.objects.exists()
    expired.refresh_from_db()
    assert expired.status == CredentialStatus.UNVERIFIED


def test_reject_credential_records_the_reason_and_no_longer_meets_the_requirement(staff):
    cpr = make_credential_type()
    credential = make_credential(make_student(), cpr)

    services.reject_credential(credential=credential, actor=staff, reason="  Number not in the registry. ")

    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == (CredentialStatus.REJECTED, staff)
    assert not credential.is_valid_on(timezone.localdate())
    event = AuditEvent.objects.get(action="credential.rejected")
    assert (event.enrollment, event.reason, event.data) == (
        None,
        "Number not in the registry.",
        {"credential": credential.pk},
    )


def test_reject_credential_refuses_without_reason_and_twice(staff):
    credential = make_credential(make_student(), make_credential_type())
    with pytest.raises(services.EnrollmentError) as refused:
        services.reject_credential(credential=credential, actor=staff, reason="  ")
    assert refused.value.code == "reason_required"
    services.reject_credential(credential=credential, actor=staff, reason="Fake.")
    with pytest.raises(services.EnrollmentError) as refused:
        services.reject_credential(credential=credential, actor=staff, reason="Fake.")
    assert refused.value.code == "already_rejected"
    assert AuditEvent.objects.filter(action="credential.rejected").count() == 1


# --- capacity ----------------------------------------------------------------------------------------------------


def test_record_capacity_change_audits_and_offers_raised_seats(staff):
    cohort = make_cohort(capacity=1, code="EMT-CAP")
    sign_up(cohort)
    waiting = sign_up(cohort)
    Cohort.objects.filter(pk=cohort.pk).update(capacity=2)

    offered = services.record_capacity_change(cohort=cohort, old=1, new=2, actor=staff)

    assert offered == [waiting]
    event = AuditEvent.objects.get(action="cohort.capacity_changed")
    assert (event.enrollment, event.actor, event.data) == (None, staff, {"cohort": "EMT-CAP", "from": 1, "to": 2})
    assert services.record_capacity_change(cohort=cohort, old=2, new=2, actor=staff) == []
    assert AuditEvent.objects.filter(action="cohort.capacity_changed").count() == 1


# --- counting QuerySets ------------------------------------------------------------------------------------------


def test_with_status_counts_splits_the_seat_holders_and_ignores_expired_offers():
    cpr = make_credential_type()
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    cohort = make_cohort(course, capacity=3)
    student = make_student()
    make_credential(student, cpr, status=CredentialStatus.VERIFIED)
    now = timezone.now()
    for status, expires in [
        (S.ENROLLED, None),
        (S.PENDING_REVIEW, None),
        (S.OFFERED, now + datetime.timedelta(hours=5)),
        (S.OFFERED, now - datetime.timedelta(hours=1)),  # expired: holds no seat
        (S.WAITLISTED, None),
        (S.WAITLISTED, None),
        (S.WITHDRAWN, None),
    ]:
        Enrollment.objects.create(student=make_student(), cohort=cohort, status=status, offer_expires_at=expires)

    counted = with_status_counts(Cohort.objects.all()).get(pk=cohort.pk)

    assert (counted.seated, counted.pending, counted.offered, counted.waitlisted) == (1, 1, 1, 2)
    assert counted.seats_taken == 3 == Enrollment.objects.seat_holding().filter(cohort=cohort).count()
    assert counted.fill_percent == 100


def test_credentials_expiring_before_cohort_ends_only_for_required_types_and_live_enrollments():
    cpr = make_credential_type()
    other = make_credential_type("HAZMAT", "Hazmat awareness")
    course = make_course()
    make_requirement(course, cpr)
    cohort = make_cohort(course, code="EMT-GLANCE")
    before_end = cohort.ends_on - datetime.timedelta(days=5)
    at_risk = make_student(last_name="AtRisk")
    short = make_credential(at_risk, cpr, expires_on=before_end)
    make_credential(at_risk, other, expires_on=before_end)  # not required by the course
    Enrollment.objects.create(student=at_risk, cohort=cohort, status=S.ENROLLED)
    gone = make_student(last_name="Gone")
    make_credential(gone, cpr, expires_on=before_end)
    Enrollment.objects.create(student=gone, cohort=cohort, status=S.WITHDRAWN)
    fine = make_student(last_name="Fine")
    make_credential(fine, cpr, expires_on=cohort.ends_on + datetime.timedelta(days=1))
    Enrollment.objects.create(student=fine, cohort=cohort, status=S.ENROLLED)

    rows = list(Credential.objects.expiring_before_cohort_ends())

    assert [(c.pk, c.cohort_code, c.cohort_ends_on) for c in rows] == [(short.pk, "EMT-GLANCE", cohort.ends_on)]
    assert rows[0].enrollment_id == Enrollment.objects.get(student=at_risk).pk


def test_offers_expiring_within_24_hours():
    cohort = make_cohort()
    now = timezone.now()
    soon, later, past = (
        Enrollment.objects.create(student=make_student(), cohort=cohort, status=S.OFFERED, offer_expires_at=at)
        for at in (now + datetime.timedelta(hours=3), now + datetime.timedelta(hours=30), now - datetime.timedelta(1))
    )
    assert list(Enrollment.objects.offers_expiring_within(24)) == [soon]


def test_credentials_expiring_within_60_days():
    student = make_student()
    cpr = make_credential_type()
    today = timezone.localdate()
    soon = make_credential(student, cpr, expires_on=today + datetime.timedelta(days=60))
    make_credential(student, cpr, expires_on=today + datetime.timedelta(days=61))
    make_credential(student, cpr, expires_on=today - datetime.timedelta(days=1))
    make_credential(student, cpr, expires_on=None)
    assert list(Credential.objects.expiring_within(60)) == [soon]
