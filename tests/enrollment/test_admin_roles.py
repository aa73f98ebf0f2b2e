"""Who reaches the back office: the Staff and Instructors groups from the migration, outsiders sent to the admin
login from every page, staff kept from users and groups but offered every action."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from courses.models import ClassSession, Cohort
from enrollment import services
from enrollment.models import AuditEvent, Credential, Enrollment, EnrollmentStatus, Student
from tests.factories import make_cohort, make_course, make_credential, make_requirement, make_session, make_student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

S = EnrollmentStatus
ENROLLMENTS = reverse("admin:enrollment_enrollment_changelist")
COHORTS = reverse("admin:courses_cohort_changelist")
CREDENTIALS = reverse("admin:enrollment_credential_changelist")
REVIEW_QUEUE = reverse("admin:enrollment_enrollment_review")


def test_staff_group_from_migration_manages_the_school_but_not_users():
    perms = set(Group.objects.get(name="Staff").permissions.values_list("content_type__app_label", "codename"))
    assert ("enrollment", "change_enrollment") in perms
    assert ("courses", "add_cohort") in perms
    assert ("enrollment", "view_auditevent") in perms
    assert not {p for p in perms if p[1].endswith("_auditevent") and p[1] != "view_auditevent"}
    # Users: staff make instructors' accounts (the user admin keeps them to those); never groups or permissions.
    user_perms = {("auth", "add_user"), ("auth", "change_user"), ("auth", "view_user")}
    assert {p for p in perms if p[0] == "auth"} == user_perms
    assert {p for p in perms if p[0] == "axes"} == {("axes", "view_accessattempt"), ("axes", "delete_accessattempt")}
    assert not Group.objects.get(name="Instructors").permissions.exists()
    assert Permission.objects.filter(content_type__app_label="enrollment").exists()


def test_anonymous_is_sent_to_the_admin_login(client):
    for url in [reverse("admin:index"), ENROLLMENTS, reverse("admin:auth_user_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_instructor_cannot_reach_the_admin(client, django_user_model):
    instructor = django_user_model.objects.create_user("dana", "dana@elite-ems.example", "pw")
    instructor.groups.add(Group.objects.get(name="Instructors"))
    client.force_login(instructor)
    for url in [reverse("admin:index"), ENROLLMENTS]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_cannot_reach_group_admin_and_see_only_instructors_in_user_admin(staff_client, staff_user):
    users = staff_client.get(reverse("admin:auth_user_changelist"))
    assert users.status_code == 200
    assert staff_user not in users.context["cl"].result_list
    assert staff_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert staff_client.get(ENROLLMENTS).status_code == 200
    assert staff_client.get(reverse("admin:enrollment_auditevent_changelist")).status_code == 200


@pytest.fixture
def every_admin_page(cpr, evidence_url, with_evidence):
    """Every admin page of the school: index, review queue, evidence, and each model's changelist, add and change."""
    course = make_course()
    make_requirement(course, cpr)
    cohort = make_cohort(course)
    session = make_session(cohort)
    student = make_student()
    credential = with_evidence(make_credential(student, cpr))
    enrollment = Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)
    event = services.audit(action="enrollment.enrolled", enrollment=enrollment, actor=None)
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
def test_outsiders_cannot_reach_any_admin_page(client, django_user_model, every_admin_page, who, run_action, status_of):
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


def test_staff_cannot_reach_any_group_page_nor_a_staff_account(staff_client, staff_user, superuser):
    group = Group.objects.get(name="Staff")
    for url in [
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:auth_group_change", args=[group.pk]),
    ]:
        assert staff_client.get(url).status_code == 403, url
    for account in (staff_user, superuser):  # not instructors: as if they did not exist
        change = staff_client.get(reverse("admin:auth_user_change", args=[account.pk]))
        assert change.status_code == 302 and change["Location"] == reverse("admin:index")
        password = staff_client.get(reverse("admin:auth_user_password_change", args=[account.pk]))
        assert password.status_code == 404
    auth_models = {
        m["object_name"]
        for app in staff_client.get(reverse("admin:index")).context["app_list"]
        if app["app_label"] == "auth"
        for m in app["models"]
    }
    assert auth_models == {"User"}


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
