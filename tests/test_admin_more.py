"""Back office, the rest of issue 4: who may reach the admin at all, moving a student to another cohort, credential
decisions and evidence, the cohort seat board and change page, capacity audit, the index's school at a glance, and
changelists whose query count does not grow with their rows."""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassSession, Cohort, CohortStatus
from enrollment import services
from enrollment.models import AuditEvent, Credential, CredentialStatus, Enrollment, EnrollmentStatus, Student
from tests.factories import (
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_requirement,
    make_session,
    make_student,
)
from tests.test_admin_actions import (
    ENROLLMENTS,
    cohort_form_data,
    messages_of,
    run_action,
    sign_up,
    status_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
COHORTS = reverse("admin:courses_cohort_changelist")
CREDENTIALS = reverse("admin:enrollment_credential_changelist")
REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")
PDF = b"%PDF-1.4\n% a scanned CPR card\n"


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    client.user = staff_user
    return client


@pytest.fixture
def cpr():
    return make_credential_type("CPR_BLS", "CPR/BLS card")


def with_evidence(credential: Credential, content: bytes = PDF, name: str = "card.pdf") -> Credential:
    credential.evidence.save(name, ContentFile(content), save=True)
    return credential


def evidence_url(credential: Credential) -> str:
    return reverse("admin:enrollment_credential_evidence", args=[credential.pk])


# --- access: only staff reach the admin, and staff never reach users or groups --------------------------------------


@pytest.fixture
def every_admin_page(cpr):
    """Every admin page of the school: index, review queue, evidence, and each model's changelist, add and change."""
    course = make_course()
    make_requirement(course, cpr)
    cohort = make_cohort(course)
    session = make_session(cohort)
    student = make_student()
    credential = with_evidence(make_credential(student, cpr))
    enrollment = Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)
    event = services._audit(action="enrollment.enrolled", enrollment=enrollment, actor=None)
    objects = {Cohort: cohort, ClassSession: session, Student: student, Credential: credential}
    objects |= {Enrollment: enrollment, AuditEvent: event, type(course): course}
    urls = [reverse("admin:index"), REVIEW_QUEUE, evidence_url(credential)]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls += [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
        if model in objects:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[objects[model].pk]))
    return SimpleNamespace(urls=urls, enrollment=enrollment, cohort=cohort)


@pytest.mark.parametrize("who", ["anonymous", "instructor", "student_link"])
def test_outsiders_cannot_reach_any_admin_page(client, django_user_model, every_admin_page, who):
    if who == "instructor":
        instructor = django_user_model.objects.create_user("dana", "dana@elite-ems.example", "pw")
        instructor.groups.add(Group.objects.get(name="Instructors"))
        client.force_login(instructor)
    elif who == "student_link":
        # A student following their private link is shown their status page, and nothing of the back office.
        assert client.get(every_admin_page.enrollment.get_absolute_url()).status_code == 200
    assert len(every_admin_page.urls) > 25
    for url in every_admin_page.urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    # Posting an action is refused the same way, and changes nothing.
    response = run_action(client, "withdraw_selected", [every_admin_page.enrollment], apply="1", reason="x")
    assert response.status_code == 302
    assert status_of(every_admin_page.enrollment) == S.ENROLLED


def test_staff_cannot_reach_any_user_or_group_page(staff_client, staff_user):
    group = Group.objects.get(name="Staff")
    for url in [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[staff_user.pk]),
        reverse("admin:auth_user_password_change", args=[staff_user.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:auth_group_change", args=[group.pk]),
    ]:
        assert staff_client.get(url).status_code == 403, url
    assert "auth" not in [app["app_label"] for app in staff_client.get(reverse("admin:index")).context["app_list"]]


def test_staff_are_offered_every_action(staff_client, every_admin_page):
    enrollment_actions = staff_client.get(ENROLLMENTS).context["action_form"].fields["action"].choices
    assert {name for name, _ in enrollment_actions} >= {
        "approve_selected",
        "reject_selected",
        "withdraw_selected",
        "move_selected",
        "complete_selected",
        "did_not_complete_selected",
        "export_csv",
    }
    credential_actions = staff_client.get(CREDENTIALS).context["action_form"].fields["action"].choices
    assert {name for name, _ in credential_actions} >= {"verify_credentials", "reject_credentials"}
    cohort_actions = staff_client.get(COHORTS).context["action_form"].fields["action"].choices
    assert "offer_next_seats" in {name for name, _ in cohort_actions}
    assert staff_client.get(REVIEW_QUEUE).status_code == 200


# --- move to another cohort --------------------------------------------------------------------------------------


def test_move_action_asks_for_the_target_cohort_first(staff_client):
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


def test_move_action_needs_a_cohort(staff_client):
    enrollment = sign_up(make_cohort())
    response = run_action(staff_client, "move_selected", [enrollment], apply="1", to_cohort="")
    assert response.status_code == 200
    assert response.context["form"].errors["to_cohort"]
    assert status_of(enrollment) == S.ENROLLED


def test_move_action_moves_and_keeps_the_history(staff_client):
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


def test_move_action_refusal_keeps_the_source_and_says_why(staff_client, cpr):
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


# --- credentials: decisions, evidence, filter ----------------------------------------------------------------------


def test_verify_action_records_who_and_when(staff_client, cpr):
    credential = make_credential(make_student(), cpr)

    response = run_action(staff_client, "verify_credentials", [credential], url=CREDENTIALS)

    assert messages_of(response) == ["1 verified"]
    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == (CredentialStatus.VERIFIED, staff_client.user)
    event = AuditEvent.objects.get(action="credential.verified")
    assert (event.enrollment, event.actor, event.data) == (None, staff_client.user, {"credential": credential.pk})


def test_verify_action_skips_a_verified_credential(staff_client, cpr):
    credential = make_credential(make_student(), cpr, status=CredentialStatus.VERIFIED)

    response = run_action(staff_client, "verify_credentials", [credential], url=CREDENTIALS)

    assert messages_of(response) == [f"0 verified; 1 skipped: {credential}: {credential} is already verified."]
    assert not AuditEvent.objects.exists()


def test_reject_credential_action_asks_for_a_reason_then_records_it(staff_client, cpr):
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


def test_evidence_view_serves_the_file_inline_to_staff(staff_client, cpr):
    credential = with_evidence(make_credential(make_student(), cpr))

    response = staff_client.get(evidence_url(credential))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]


def test_evidence_of_an_unrecognised_type_is_downloaded_not_shown(staff_client, cpr):
    credential = with_evidence(make_credential(make_student(), cpr), b"<script>alert(1)</script>", "card.html")

    response = staff_client.get(evidence_url(credential))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_evidence_view_refuses_outsiders(client, django_user_model, cpr):
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


def test_evidence_view_404_without_a_file(staff_client, cpr):
    bare = make_credential(make_student(), cpr)
    assert staff_client.get(evidence_url(bare)).status_code == 404
    lost = with_evidence(make_credential(make_student(), cpr))
    lost.evidence.storage.delete(lost.evidence.name)
    assert staff_client.get(evidence_url(lost)).status_code == 404
    assert staff_client.get(reverse("admin:enrollment_credential_evidence", args=[999999])).status_code == 404


def test_evidence_is_linked_through_the_view_never_its_media_url(staff_client, cpr, settings):
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


# --- cohorts: the seat board and the change page -------------------------------------------------------------------


def test_cohort_changelist_shows_counts_by_status_and_a_fill_bar(staff_client):
    cohort = make_cohort(capacity=4, code="EMT-BOARD")
    now = timezone.now()
    for status, expires in [
        (S.ENROLLED, None),
        (S.PENDING_REVIEW, None),
        (S.OFFERED, now + datetime.timedelta(hours=1)),
        (S.OFFERED, now - datetime.timedelta(hours=1)),  # expired: no seat
        (S.WAITLISTED, None),
    ]:
        Enrollment.objects.create(student=make_student(), cohort=cohort, status=status, offer_expires_at=expires)

    response = staff_client.get(COHORTS)

    [row] = response.context["cl"].result_list
    assert (row.seats_taken, row.seated, row.pending, row.offered, row.waitlisted) == (3, 1, 1, 1, 1)
    for field, value in [("seats_taken", 3), ("seated", 1), ("pending", 1), ("offered", 1), ("waitlisted", 1)]:
        assert f'<td class="field-{field}">{value}</td>' in response.text
    assert 'class="fill-bar fill-70" role="img" aria-label="3 of 4 seats taken"' in response.text
    assert "css/back_office.css" in response.text
    fill_cell = response.text.split('class="field-fill"')[1].split("</td>")[0]
    assert "style=" not in fill_cell


def test_cohort_changelist_is_ordered_by_start_and_filters_by_start_month(staff_client):
    course = make_course()
    march = make_cohort(course, code="C-MAR", starts_on=datetime.date(2031, 3, 10), ends_on=datetime.date(2031, 6, 1))
    january = make_cohort(course, code="C-JAN", starts_on=datetime.date(2031, 1, 5), ends_on=datetime.date(2031, 4, 1))
    late_march = make_cohort(
        course, code="C-MAR2", starts_on=datetime.date(2031, 3, 31), ends_on=datetime.date(2031, 6, 1)
    )

    everything = staff_client.get(COHORTS)
    assert [c.code for c in everything.context["cl"].result_list] == ["C-JAN", "C-MAR", "C-MAR2"]
    assert "March 2031" in everything.text and "January 2031" in everything.text

    in_march = staff_client.get(COHORTS, {"starts": "2031-03"})
    assert [c.pk for c in in_march.context["cl"].result_list] == [march.pk, late_march.pk]
    assert staff_client.get(COHORTS, {"starts": "nonsense"}).status_code in {200, 302}
    assert january.pk not in [c.pk for c in in_march.context["cl"].result_list]


def test_cohort_changelist_searches_code_and_location(staff_client):
    make_cohort(code="EMT-WEST", location="West Loop campus")
    make_cohort(code="EMT-SOUTH", location="Hyde Park annex")

    by_code = staff_client.get(COHORTS, {"q": "west"})
    by_location = staff_client.get(COHORTS, {"q": "hyde"})

    assert [c.code for c in by_code.context["cl"].result_list] == ["EMT-WEST"]
    assert [c.code for c in by_location.context["cl"].result_list] == ["EMT-SOUTH"]


def test_cohort_page_warns_when_scheduled_hours_differ_from_the_course(staff_client):
    cohort = make_cohort(make_course(nominal_hours=12))
    make_session(cohort, days_from_now=1, hours=4)
    make_session(cohort, days_from_now=3, hours=4)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    short = staff_client.get(url).text
    assert '<span class="hours-mismatch">8.0 h scheduled, 4.0 h short of the course\'s 12 h' in short

    make_session(cohort, days_from_now=5, hours=4)
    exact = staff_client.get(url).text
    assert "hours-mismatch" not in exact
    assert "12.0 h, the course&#x27;s 12 h" in exact


def test_cohort_page_lists_enrollments_read_only_with_links(staff_client):
    cohort = make_cohort(capacity=1)
    seated = sign_up(cohort)
    waiting = sign_up(cohort)

    response = staff_client.get(reverse("admin:courses_cohort_change", args=[cohort.pk]))

    inline = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Enrollment)
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert [form.original for form in inline] == [seated, waiting]
    assert reverse("admin:enrollment_student_change", args=[seated.student_id]) in response.text
    assert reverse("admin:enrollment_enrollment_change", args=[waiting.pk]) in response.text
    assert "Waitlisted" in response.text
    assert 'name="enrollments-0-status"' not in response.text


def test_cohort_page_has_instructor_autocomplete(staff_client):
    response = staff_client.get(reverse("admin:courses_cohort_change", args=[make_cohort().pk]))
    assert "admin-autocomplete" in response.text


# --- capacity changes are audited ----------------------------------------------------------------------------------


def test_capacity_changes_are_audited(staff_client):
    cohort = make_cohort(capacity=3, code="EMT-CAP")
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])

    assert staff_client.post(url, cohort_form_data(cohort, capacity=5)).status_code == 302
    cohort.refresh_from_db()
    assert staff_client.post(url, cohort_form_data(cohort, capacity=2)).status_code == 302
    cohort.refresh_from_db()
    assert staff_client.post(url, cohort_form_data(cohort, location="Elsewhere")).status_code == 302

    events = AuditEvent.objects.filter(action="cohort.capacity_changed").order_by("pk")
    assert [(e.data, e.actor, e.enrollment) for e in events] == [
        ({"cohort": "EMT-CAP", "from": 3, "to": 5}, staff_client.user, None),
        ({"cohort": "EMT-CAP", "from": 5, "to": 2}, staff_client.user, None),
    ]


def test_refused_capacity_change_is_not_audited(staff_client):
    cohort = make_cohort(capacity=2)
    sign_up(cohort)
    sign_up(cohort)

    response = staff_client.post(
        reverse("admin:courses_cohort_change", args=[cohort.pk]), cohort_form_data(cohort, capacity=1)
    )

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="cohort.capacity_changed").exists()


# --- the admin index: the school at a glance ------------------------------------------------------------------------


def glance_data(cpr, n: int) -> None:
    """`n` upcoming cohorts, each with a seated student whose required card expires before the cohort ends and an
    offer that expires within 24 h."""
    course = make_course()
    make_requirement(course, cpr)
    for _ in range(n):
        cohort = make_cohort(course, capacity=2)
        student = make_student()
        make_credential(student, cpr, expires_on=cohort.ends_on - datetime.timedelta(days=1))
        Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)
        Enrollment.objects.create(
            student=make_student(),
            cohort=cohort,
            status=S.OFFERED,
            offer_expires_at=timezone.now() + datetime.timedelta(hours=3),
        )


def test_index_shows_the_school_at_a_glance(staff_client, cpr):
    glance_data(cpr, 1)
    cohort = Cohort.objects.get()
    offer = Enrollment.objects.get(status=S.OFFERED)
    credential = Credential.objects.get()

    response = staff_client.get(reverse("admin:index"))

    text = response.text
    assert "School at a glance" in text
    assert "Upcoming cohorts" in text
    assert reverse("admin:courses_cohort_change", args=[cohort.pk]) in text
    assert 'class="fill-bar fill-100" role="img" aria-label="2 of 2 seats taken"' in text
    assert "Offers that expire within 24 h" in text
    assert reverse("admin:enrollment_enrollment_change", args=[offer.pk]) in text
    assert "Credentials that expire before their cohort ends" in text
    assert reverse("admin:enrollment_credential_change", args=[credential.pk]) in text


def test_index_runs_the_same_queries_however_much_there_is(staff_client, cpr):
    glance_data(cpr, 1)
    staff_client.get(reverse("admin:index"))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("admin:index"))
    glance_data(cpr, 15)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(reverse("admin:index"))
    assert response.text.count("aria-label=") > 10
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# --- changelists: the same number of queries with 10 rows and with 200 ------------------------------------------------


_bulk_seq = itertools.count(1)


def bulk_school(cohorts: int, *, per_cohort: int) -> None:
    """`cohorts` cohorts with `per_cohort` enrollments each, cycling enrolled, pending, offered and waitlisted; built
    with bulk_create, since only the number of rows matters here."""
    course = make_course()
    today = timezone.localdate()
    made = Cohort.objects.bulk_create(
        Cohort(
            course=course,
            code=f"BULK-{next(_bulk_seq):05d}",
            starts_on=today + datetime.timedelta(days=30 + i),
            ends_on=today + datetime.timedelta(days=120 + i),
            schedule="Tue/Thu 6-10 pm",
            location="Chicago",
            capacity=3,
            status=CohortStatus.OPEN,
        )
        for i in range(cohorts)
    )
    students = Student.objects.bulk_create(
        Student(
            first_name="Bulk",
            last_name=f"Student{n}",
            email=f"bulk{n}@example.com",
            date_of_birth=datetime.date(1990, 1, 1),
        )
        for n in (next(_bulk_seq) for _ in range(cohorts * per_cohort))
    )
    statuses = [S.ENROLLED, S.PENDING_REVIEW, S.OFFERED, S.WAITLISTED]
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(
            student=students[i * per_cohort + j],
            cohort=cohort,
            status=statuses[j % 4],
            waitlisted_at=now if statuses[j % 4] == S.WAITLISTED else None,
            offer_expires_at=now + datetime.timedelta(hours=10) if statuses[j % 4] == S.OFFERED else None,
        )
        for i, cohort in enumerate(made)
        for j in range(per_cohort)
    )


@pytest.mark.parametrize("url", [COHORTS, ENROLLMENTS], ids=["cohorts", "enrollments"])
def test_changelist_runs_the_same_queries_with_10_and_200_rows(staff_client, url):
    # Cohorts: 10 then 200 cohorts of 4 enrollments. Enrollments: 10 then 200 enrollments, 10 per cohort.
    few, more = ({"cohorts": 10, "per_cohort": 4}, {"cohorts": 190, "per_cohort": 4})
    if url == ENROLLMENTS:
        few, more = ({"cohorts": 1, "per_cohort": 10}, {"cohorts": 19, "per_cohort": 10})
    bulk_school(**few)
    staff_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as ten:
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 10

    bulk_school(**more)
    with CaptureQueriesContext(connection) as two_hundred:
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 200

    assert len(two_hundred) == len(ten), "\n".join(q["sql"] for q in two_hundred.captured_queries)
