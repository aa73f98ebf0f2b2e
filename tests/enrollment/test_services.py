import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from courses.models import CohortStatus, CourseDate
from enrollment import services
from enrollment.models import AuditEvent, Credential, CredentialStatus, Enrollment, EnrollmentStatus, Student
from enrollment.services import EnrollmentError
from enrollment.services.core import day_text
from tests.factories import (
    credential_details,
    details_of,
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_student,
    student_details,
    years_before,
)

S = EnrollmentStatus
pytestmark = pytest.mark.django_db


def sign_up(cohort, **student):
    return services.request_seat(cohort=cohort, student=student_details(**student))


def fill(cohort, n):
    return [sign_up(cohort) for _ in range(n)]


# --- request_seat ------------------------------------------------------------------------------------------------


def test_request_seat_enrolls_when_a_seat_is_free():
    cohort = make_cohort(capacity=2)
    enrollment = sign_up(cohort, email="Ana@Example.com")
    assert enrollment.status == S.ENROLLED
    assert enrollment.student.email == "ana@example.com"
    assert len(enrollment.token) >= 43  # 32 random bytes, url-safe
    event = AuditEvent.objects.get(enrollment=enrollment)
    assert (event.action, event.from_status, event.to_status) == ("enrollment.enrolled", "", S.ENROLLED)


def test_request_seat_waitlists_when_cohort_full():
    cohort = make_cohort(capacity=2)
    fill(cohort, 2)
    third = sign_up(cohort)
    fourth = sign_up(cohort)
    assert third.status == fourth.status == S.WAITLISTED
    assert services.waitlist_position(third) == 1
    assert services.waitlist_position(fourth) == 2
    assert third.waitlisted_at is not None


def test_request_seat_never_jumps_the_queue_when_a_seat_is_free_but_people_wait():
    cohort = make_cohort(capacity=1)
    first = sign_up(cohort)
    waiting = sign_up(cohort)
    # Staff raise capacity without promoting yet: a seat is free, but someone is waiting.
    cohort.capacity = 2
    cohort.save()
    newcomer = sign_up(cohort)
    waiting.refresh_from_db()
    assert first.status == S.ENROLLED
    # The free seat went to the person waiting (offered), the newcomer queues behind.
    assert waiting.status == S.OFFERED
    assert newcomer.status == S.WAITLISTED


def test_request_seat_pending_review_when_credential_needs_verification():
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course)
    enrollment = services.request_seat(
        cohort=cohort, student=student_details(), credentials=[credential_details(emt, number="EMT-99")]
    )
    assert enrollment.status == S.PENDING_REVIEW
    assert enrollment.holds_seat
    assert services.eligibility_on_file(cohort, enrollment.student, enrollment=enrollment).awaiting_names == [
        "EMT license"
    ]
    assert Credential.objects.get(student=enrollment.student).status == CredentialStatus.UNVERIFIED


def test_verified_credential_on_file_skips_review_once_the_address_is_confirmed():
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    student = make_student(email_confirmed_at=timezone.now())
    make_credential(student, emt, status=CredentialStatus.VERIFIED)
    cohort = make_cohort(course=course)
    # Decided on what was typed (a stranger must not learn what is on file)...
    enrollment = services.request_seat(
        cohort=cohort, student=details_of(student), credentials=[credential_details(emt, number="EMT-7")]
    )
    assert enrollment.status == S.PENDING_REVIEW
    assert enrollment.student == student
    # ...and once the owner confirms, the license staff verified before counts.
    services.confirm_signup(enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.status == S.ENROLLED
    assert enrollment.audit_events.filter(action="enrollment.approved", actor=None).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"status": CohortStatus.DRAFT},
        {"status": CohortStatus.CLOSED},
        {"status": CohortStatus.RUNNING},
        # Window times as offsets from the moment the test runs, not from when it was collected.
        {"enrollment_opens_at": datetime.timedelta(days=1)},
        {"enrollment_closes_at": -datetime.timedelta(minutes=1)},
    ],
)
def test_request_seat_refuses_when_not_open(change):
    now = timezone.now()
    cohort = make_cohort(**{k: now + v if isinstance(v, datetime.timedelta) else v for k, v in change.items()})
    with pytest.raises(EnrollmentError) as error:
        sign_up(cohort)
    assert error.value.code == "not_open"
    assert not Student.objects.exists()
    assert not Enrollment.objects.exists()


def test_sign_up_with_an_enrolled_address_emails_the_link_and_stores_nothing(django_capture_on_commit_callbacks):
    cohort = make_cohort()
    first = sign_up(cohort, email="sam@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.sign_up(cohort=cohort, student=student_details(email="SAM@example.com"))
    assert receipt.email == "sam@example.com"
    assert first.token not in str(receipt)
    assert Enrollment.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com"]
    assert first.token in mail.outbox[0].body


def test_request_seat_for_an_enrolled_person_is_refused_for_staff():
    cohort = make_cohort()
    sign_up(cohort, email="sam@example.com")
    with pytest.raises(EnrollmentError) as error:
        sign_up(cohort, email="sam@example.com")
    assert error.value.code == "already_enrolled"


def test_request_seat_allows_a_new_signup_after_withdrawing():
    cohort = make_cohort()
    first = sign_up(cohort, email="sam@example.com")
    services.withdraw(enrollment=first)
    again = sign_up(cohort, email="sam@example.com")
    assert again.status == S.ENROLLED
    assert again.student_id == first.student_id


def test_request_seat_too_young_on_the_first_day():
    cohort = make_cohort()
    born = years_before(cohort.starts_on, 18) + datetime.timedelta(days=1)
    with pytest.raises(EnrollmentError) as error:
        sign_up(cohort, date_of_birth=born)
    assert error.value.code == "too_young"
    assert "18 or older" in error.value.message
    assert not Student.objects.exists()


def test_request_seat_age_checked_on_last_day_when_course_says_so():
    course = make_course(age_checked_on=CourseDate.END)
    cohort = make_cohort(course=course)
    born = years_before(cohort.starts_on, 18) + datetime.timedelta(days=1)
    assert sign_up(cohort, date_of_birth=born).status == S.ENROLLED


def test_request_seat_missing_requirement_says_what_to_enter():
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course)
    with pytest.raises(EnrollmentError) as error:
        sign_up(cohort)
    assert error.value.code == "missing_requirement"
    assert error.value.message == (
        f"Paramedic requires a current EMT license, valid until the course starts ({day_text(cohort.starts_on)}). "
        "Add your EMT license: its number and expiration date."
    )
    assert not Student.objects.exists()


def test_request_seat_refuses_credential_expiring_before_course_end():
    course = make_course()
    cpr = make_credential_type()
    make_requirement(course, cpr, valid_through=CourseDate.END)
    cohort = make_cohort(course=course)
    between = cohort.starts_on + datetime.timedelta(days=1)
    with pytest.raises(EnrollmentError) as error:
        services.request_seat(
            cohort=cohort, student=student_details(), credentials=[credential_details(cpr, expires_on=between)]
        )
    assert error.value.code == "missing_requirement"
    assert "expires on" in error.value.message
    assert not Credential.objects.exists()


def test_returning_email_reuses_the_student_and_adds_credentials():
    course = make_course()
    cpr = make_credential_type()
    make_requirement(course, cpr)
    one, two = make_cohort(course=course), make_cohort(course=course)
    first = services.request_seat(
        cohort=one, student=student_details(email="kim@example.com"), credentials=[credential_details(cpr)]
    )
    # The CPR card on file is enough for the second cohort; a new one is added to the same student.
    second = services.request_seat(
        cohort=two,
        student=student_details(email="kim@example.com", first_name="Other"),
        credentials=[credential_details(cpr, number="BLS-2")],
    )
    assert first.student_id == second.student_id
    assert Student.objects.count() == 1
    assert Credential.objects.filter(student=first.student).count() == 2


def test_emails_are_sent_after_commit_and_not_on_rollback(django_capture_on_commit_callbacks):
    cohort = make_cohort()
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(cohort)
    assert len(mail.outbox) == 1
    assert "enrolled" in mail.outbox[0].subject
    assert mail.outbox[0].alternatives  # an HTML part too

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                sign_up(cohort)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


# --- withdraw, offers, waitlist ----------------------------------------------------------------------------------


def test_withdraw_offers_the_seat_to_the_first_waitlisted():
    cohort = make_cohort(capacity=1, offer_hours=24)
    seated = sign_up(cohort)
    first, second = sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=seated, reason="Moved away")
    first.refresh_from_db()
    second.refresh_from_db()
    seated.refresh_from_db()
    assert seated.status == S.WITHDRAWN
    assert seated.reason == "Moved away"
    assert first.status == S.OFFERED
    assert abs(first.offer_expires_at - (timezone.now() + datetime.timedelta(hours=24))) < datetime.timedelta(minutes=1)
    assert second.status == S.WAITLISTED
    assert services.waitlist_position(second) == 1
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["enrollment.withdrawn", "enrollment.offered"]


def test_withdraw_from_waitlist_frees_no_seat():
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    first, second = sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=first)
    second.refresh_from_db()
    assert second.status == S.WAITLISTED
    assert services.waitlist_position(second) == 1


def test_withdraw_twice_is_refused():
    enrollment = sign_up(make_cohort())
    services.withdraw(enrollment=enrollment)
    with pytest.raises(EnrollmentError) as error:
        services.withdraw(enrollment=enrollment)
    assert error.value.code == "invalid_transition"


def test_accept_offer_enrolls_before_the_deadline():
    cohort = make_cohort(capacity=1)
    seated, waiting = sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=seated)
    accepted = services.accept_offer(enrollment=waiting)
    assert accepted.status == S.ENROLLED
    assert accepted.offer_expires_at is None


def test_accept_offer_goes_to_review_when_verification_is_outstanding():
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course, capacity=1)
    creds = [credential_details(emt)]
    seated = services.request_seat(cohort=cohort, student=student_details(), credentials=creds)
    waiting = services.request_seat(cohort=cohort, student=student_details(), credentials=creds)
    assert waiting.status == S.WAITLISTED
    services.withdraw(enrollment=seated)
    assert services.accept_offer(enrollment=waiting).status == S.PENDING_REVIEW


def test_accept_offer_after_the_deadline_is_refused():
    cohort = make_cohort(capacity=1)
    seated, waiting = sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=seated)
    Enrollment.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(EnrollmentError) as error:
        services.accept_offer(enrollment=waiting)
    assert error.value.code == "offer_expired"


def test_accept_offer_without_an_offer_is_refused():
    with pytest.raises(EnrollmentError) as error:
        services.accept_offer(enrollment=sign_up(make_cohort()))
    assert error.value.code == "invalid_transition"
    assert error.value.message == "An enrollment that is enrolled cannot be accepted."


def test_expired_offer_no_longer_holds_a_seat():
    cohort = make_cohort(capacity=1)
    seated, waiting = sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=seated)
    assert Enrollment.objects.seat_holding().filter(cohort=cohort).count() == 1
    Enrollment.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Enrollment.objects.seat_holding().filter(cohort=cohort).count() == 0


def test_expire_offers_lapses_and_offers_the_next_person_and_is_idempotent(django_capture_on_commit_callbacks):
    cohort = make_cohort(capacity=1)
    seated, first, second = sign_up(cohort), sign_up(cohort), sign_up(cohort)
    services.withdraw(enrollment=seated)
    Enrollment.objects.filter(pk=first.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_offers() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.LAPSED
    assert second.status == S.OFFERED
    assert sorted(m.subject.split(" ")[1] for m in mail.outbox)  # lapsed + offer e-mails went out
    assert {m.to[0] for m in mail.outbox} == {first.student.email, second.student.email}
    assert services.expire_offers() == 0
    assert Enrollment.objects.filter(status=S.OFFERED).count() == 1


def test_promote_waitlist_fills_every_free_seat_in_order():
    cohort = make_cohort(capacity=1)
    sign_up(cohort)
    waiting = fill(cohort, 3)
    cohort.capacity = 3
    cohort.save()
    offered = services.promote_waitlist(cohort=cohort)
    assert [e.pk for e in offered] == [waiting[0].pk, waiting[1].pk]
    assert services.promote_waitlist(cohort=cohort) == []


# --- staff decisions ---------------------------------------------------------------------------------------------


@pytest.fixture
def pending(django_user_model):
    course = make_course(title="Paramedic")
    emt = make_credential_type("EMT", "EMT license")
    make_requirement(course, emt, valid_through=CourseDate.START, needs_verification=True)
    cohort = make_cohort(course=course, capacity=1)
    enrollment = services.request_seat(cohort=cohort, student=student_details(), credentials=[credential_details(emt)])
    staff = django_user_model.objects.create_user("staffer", is_staff=True)
    return enrollment, staff


def test_approve_verifies_the_credential_and_enrolls(pending):
    enrollment, staff = pending
    services.approve(enrollment=enrollment, actor=staff)
    enrollment.refresh_from_db()
    credential = enrollment.student.credentials.get()
    assert enrollment.status == S.ENROLLED
    assert (credential.status, credential.verified_by) == (CredentialStatus.VERIFIED, staff)
    event = AuditEvent.objects.filter(enrollment=enrollment).latest("pk")
    assert (event.action, event.actor, event.from_status) == ("enrollment.approved", staff, S.PENDING_REVIEW)


def test_approve_refuses_an_expired_credential(pending):
    enrollment, staff = pending
    enrollment.student.credentials.update(expires_on=timezone.localdate())
    with pytest.raises(EnrollmentError) as error:
        services.approve(enrollment=enrollment, actor=staff)
    assert error.value.code == "missing_requirement"
    enrollment.refresh_from_db()
    assert enrollment.status == S.PENDING_REVIEW


def test_approve_refuses_a_withdrawn_enrollment(pending):
    enrollment, staff = pending
    services.withdraw(enrollment=enrollment)
    with pytest.raises(EnrollmentError) as error:
        services.approve(enrollment=enrollment, actor=staff)
    assert error.value.code == "invalid_transition"


def test_reject_needs_a_reason_and_frees_the_seat(pending, django_capture_on_commit_callbacks):
    enrollment, staff = pending
    waiting = services.request_seat(
        cohort=enrollment.cohort,
        student=student_details(),
        credentials=[credential_details(enrollment.student.credentials.get().credential_type)],
    )
    with pytest.raises(EnrollmentError) as error:
        services.reject(enrollment=enrollment, actor=staff, reason="  ")
    assert error.value.code == "reason_required"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject(enrollment=enrollment, actor=staff, reason="The license number is not on the state registry.")
    enrollment.refresh_from_db()
    waiting.refresh_from_db()
    assert enrollment.status == S.REJECTED
    assert waiting.status == S.OFFERED
    rejected_mail = next(m for m in mail.outbox if m.to == [enrollment.student.email])
    assert "not on the state registry" in rejected_mail.body


def test_audit_events_are_append_only():
    enrollment = sign_up(make_cohort())
    event = AuditEvent.objects.get(enrollment=enrollment)
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(reason="x")


def test_the_same_credential_typed_again_is_not_stored_twice():
    course = make_course()
    cpr = make_credential_type()
    make_requirement(course, cpr)
    one, two = make_cohort(course=course), make_cohort(course=course)
    card = credential_details(cpr, number="BLS-1")
    first = services.request_seat(cohort=one, student=student_details(email="lee@example.com"), credentials=[card])
    services.confirm_signup(enrollment=first)
    services.request_seat(cohort=two, student=student_details(email="lee@example.com"), credentials=[card])
    assert Credential.objects.count() == 1


def test_a_card_typed_in_an_unconfirmed_signup_is_not_taken_as_on_file():
    course = make_course()
    cpr = make_credential_type()
    make_requirement(course, cpr)
    card = credential_details(cpr, number="BLS-1")
    services.request_seat(
        cohort=make_cohort(course=course), student=student_details(email="lee@example.com"), credentials=[card]
    )
    services.request_seat(
        cohort=make_cohort(course=course), student=student_details(email="lee@example.com"), credentials=[card]
    )
    assert Credential.objects.count() == 2  # each unconfirmed signup keeps what it typed


def test_seat_summary_matches_the_seat_holding_definition():
    """seat_summary's SQL is compiled once per process from holds_seat_q(); it must count what seat_holding() does."""
    cohort = make_cohort(capacity=2, offer_hours=1)
    seated = [sign_up(cohort) for _ in range(2)]
    waiting = [sign_up(cohort) for _ in range(3)]
    services.withdraw(enrollment=seated[0])  # the first waiting person is offered the seat
    Enrollment.objects.filter(pk=waiting[0].pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    sign_up(make_cohort())  # another cohort's enrollments do not count
    for _ in range(2):  # the second call uses the compiled SQL
        summary = Enrollment.objects.seat_summary(cohort.pk)
        assert summary == {
            "seats_taken": Enrollment.objects.seat_holding().filter(cohort=cohort).count(),
            "waiting": Enrollment.objects.filter(cohort=cohort, status=S.WAITLISTED).count(),
            "expired_offers": 1,
            "unconfirmed_overdue": 0,
        }
        assert summary["seats_taken"] == 1
    assert Enrollment.objects.seat_summary(make_cohort().pk) == {
        "seats_taken": 0,
        "waiting": 0,
        "expired_offers": 0,
        "unconfirmed_overdue": 0,
    }


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 24, datetime.date(2028, 11, 15)),
        (datetime.date(2026, 12, 31), 12, datetime.date(2027, 12, 31)),
        (datetime.date(2026, 3, 31), 11, datetime.date(2027, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_the_months_last(day, months, expected):
    assert services.add_months(day, months) == expected
