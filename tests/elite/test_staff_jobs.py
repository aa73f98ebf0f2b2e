"""Every staff job has a screen: instructor accounts (and no way to escalate), choosing instructors from the
Instructors group (the autocomplete that used to answer staff with 403), unlocking a locked-out login, the outbox."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Cohort
from tests.factories import make_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("groups_from_migration")]

User = get_user_model()
PASSWORD = "pw-for-tests-123"
ADD_USER = reverse("admin:auth_user_add")
LOCKED_OUT = reverse("admin:axes_accessattempt_locked_out")
UNLOCK = reverse("admin:axes_accessattempt_unlock")
AUTOCOMPLETE = reverse("admin:autocomplete")


def instructor(username: str = "dana") -> User:
    user = User.objects.create_user(username, f"{username}@elite-ems.example", PASSWORD)
    user.groups.add(Group.objects.get(name="Instructors"))
    return user


def new_instructor(**extra) -> dict:
    return {
        "username": "lee",
        "first_name": "Lee",
        "last_name": "Ortiz",
        "email": "lee@elite-ems.example",
        "usable_password": "true",
        "password1": "a-long-Passphrase-2026",
        "password2": "a-long-Passphrase-2026",
        **extra,
    }


# --- instructor accounts ------------------------------------------------------------------------------------------


def test_staff_add_an_instructor_account_in_the_instructors_group_only(staff_client):
    page = staff_client.get(ADD_USER)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {
        "username",
        "first_name",
        "last_name",
        "email",
        "usable_password",
        "password1",
        "password2",
    }
    response = staff_client.post(ADD_USER, new_instructor())
    assert response.status_code == 302
    lee = User.objects.get(username="lee")
    assert (lee.first_name, lee.last_name, lee.email) == ("Lee", "Ortiz", "lee@elite-ems.example")
    assert not lee.is_staff and not lee.is_superuser
    assert list(lee.groups.values_list("name", flat=True)) == ["Instructors"]
    assert lee.check_password("a-long-Passphrase-2026")
    # The new instructor logs in to the portal, not the back office.
    portal = Client()
    logged_in = portal.post("/accounts/login/", {"username": "lee", "password": "a-long-Passphrase-2026"})
    assert logged_in.status_code == 302
    assert portal.get("/instructor/").status_code == 200
    assert portal.get("/admin/").status_code == 302


def test_a_forged_post_cannot_make_a_staff_member_or_superuser(staff_client):
    staff_group = Group.objects.get(name="Staff")
    permission = Permission.objects.get(codename="delete_user")
    forged = new_instructor(
        is_staff="on",
        is_superuser="on",
        groups=[staff_group.pk],
        user_permissions=[permission.pk],
    )
    assert staff_client.post(ADD_USER, forged).status_code == 302
    lee = User.objects.get(username="lee")
    assert not lee.is_staff and not lee.is_superuser
    assert list(lee.groups.values_list("name", flat=True)) == ["Instructors"]
    assert not lee.user_permissions.exists()

    # Nor can an instructor's page be used to promote them later.
    change = reverse("admin:auth_user_change", args=[lee.pk])
    page = staff_client.get(change)
    assert set(page.context["adminform"].form.fields) == {"first_name", "last_name", "email", "is_active"}
    response = staff_client.post(
        change,
        {
            "username": "root2",
            "first_name": "Lee",
            "last_name": "Ortiz-Diaz",
            "email": "lee@elite-ems.example",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [staff_group.pk],
            "user_permissions": [permission.pk],
        },
    )
    assert response.status_code == 302
    lee.refresh_from_db()
    assert lee.last_name == "Ortiz-Diaz"
    assert lee.username == "lee"
    assert not lee.is_staff and not lee.is_superuser
    assert list(lee.groups.values_list("name", flat=True)) == ["Instructors"]
    assert not lee.user_permissions.exists()


def test_staff_cannot_touch_a_staff_account_or_delete_anyone(staff_client, superuser):
    response = staff_client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]),
        {"first_name": "Hacked", "last_name": "", "email": "x@example.com", "is_active": ""},
    )
    assert response.status_code == 302
    superuser.refresh_from_db()
    assert superuser.first_name != "Hacked" and superuser.is_active
    dana = instructor()
    assert staff_client.post(reverse("admin:auth_user_delete", args=[dana.pk]), {"post": "yes"}).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    new_password = {"password1": "x-Long-pass-99", "password2": "x-Long-pass-99"}
    assert staff_client.post(password, new_password).status_code == 404
    assert superuser.check_password("pw")
    assert staff_client.get(reverse("admin:auth_group_add")).status_code == 403


def test_superusers_still_manage_every_account(superuser_client):
    page = superuser_client.get(ADD_USER)
    assert "is_staff" not in page.context["adminform"].form.fields  # Django's own add form, then the full page
    response = superuser_client.post(
        ADD_USER,
        {
            "username": "office2",
            "usable_password": "true",
            "password1": "a-long-Passphrase-2026",
            "password2": "a-long-Passphrase-2026",
        },
    )
    assert response.status_code == 302
    office = User.objects.get(username="office2")
    change = superuser_client.get(reverse("admin:auth_user_change", args=[office.pk]))
    assert "is_staff" in change.context["adminform"].form.fields


# --- choosing a cohort's instructors ------------------------------------------------------------------------------


def autocomplete(client, term: str = "") -> list[str]:
    response = client.get(
        AUTOCOMPLETE, {"app_label": "courses", "model_name": "cohort", "field_name": "instructors", "term": term}
    )
    assert response.status_code == 200, response.status_code
    return sorted(r["text"] for r in json.loads(response.content)["results"])


def test_the_instructor_autocomplete_answers_staff_with_instructors_only(back_office, staff_user):
    instructor("dana")
    instructor("devon")
    User.objects.create_user("dave-not-an-instructor", password=PASSWORD)
    assert autocomplete(back_office) == ["dana", "devon"]
    assert autocomplete(back_office, "dav") == []
    assert autocomplete(back_office, "dan") == ["dana"]


def test_the_cohort_form_refuses_someone_outside_the_instructors_group(staff_client):
    cohort = make_cohort()
    dana = instructor("dana")
    outsider = User.objects.create_user("outsider", password=PASSWORD)
    url = reverse("admin:courses_cohort_change", args=[cohort.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name != "instructors"}
    data.update({"capacity": cohort.capacity, "offer_hours": cohort.offer_hours, "_save": "Save"})

    refused = staff_client.post(url, {**data, "instructors": [outsider.pk]})
    assert refused.status_code == 200
    assert "instructors" in refused.context["adminform"].form.errors
    accepted = staff_client.post(url, {**data, "instructors": [dana.pk]})
    assert accepted.status_code == 302, accepted.context["adminform"].form.errors
    assert list(Cohort.objects.get(pk=cohort.pk).instructors.all()) == [dana]


# --- locked-out logins ----------------------------------------------------------------------------------------------


def lock_out(username: str) -> None:
    stranger = Client()
    for _ in range(5):
        stranger.post("/accounts/login/", {"username": username, "password": "wrong-password"})


def test_staff_see_locked_out_logins_and_unlock_them(staff_client, messages_of):
    instructor("dana")
    lock_out("dana")
    locked = Client().post("/accounts/login/", {"username": "dana", "password": PASSWORD})
    assert locked.status_code == 429

    page = staff_client.get(LOCKED_OUT)
    assert page.status_code == 200
    [lockout] = page.context["lockouts"]
    assert (lockout.username, lockout.ip_address) == ("dana", "127.0.0.1")
    assert lockout.failures == 6  # five failures, and the refused login with the right password
    assert 'aria-label="Unlock dana"' in page.text

    response = staff_client.post(UNLOCK, {"username": "dana", "ip_address": "127.0.0.1"})
    assert response.status_code == 302 and response["Location"] == LOCKED_OUT
    assert messages_of(response) == ["dana can log in again from 127.0.0.1."]
    assert not AccessAttempt.objects.filter(username="dana").exists()
    again = Client().post("/accounts/login/", {"username": "dana", "password": PASSWORD})
    assert again.status_code == 302
    assert staff_client.get(LOCKED_OUT).context["lockouts"] == []


def test_unlocking_nobody_forgets_nothing(staff_client, messages_of):
    lock_out("dana")
    lock_out("devon")
    response = staff_client.post(UNLOCK, {"username": "", "ip_address": ""})
    assert messages_of(response) == ["That login was not locked out (any more): nothing to unlock."]
    assert AccessAttempt.objects.count() == 2
    not_an_address = staff_client.post(UNLOCK, {"username": "dana", "ip_address": "not-an-address' OR 1=1"})
    assert not_an_address.status_code == 302
    assert AccessAttempt.objects.count() == 2
    staff_client.post(UNLOCK, {"username": "dana", "ip_address": "127.0.0.1"})
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["devon"]


def test_fewer_than_five_failures_is_not_a_lockout(staff_client):
    stranger = Client()
    for _ in range(4):
        stranger.post("/accounts/login/", {"username": "dana", "password": "wrong-password"})
    assert staff_client.get(LOCKED_OUT).context["lockouts"] == []
    assert "Nobody is locked out." in staff_client.get(LOCKED_OUT).text


def test_only_back_office_users_with_the_permission_may_unlock(client):
    lock_out("dana")
    assert client.get(LOCKED_OUT).status_code == 302  # anonymous: to the login
    assert client.post(UNLOCK, {"username": "dana", "ip_address": "127.0.0.1"}).status_code == 302
    client.force_login(instructor("devon"))
    assert client.get(LOCKED_OUT).status_code == 302
    viewer = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    client.force_login(viewer)
    assert client.get(LOCKED_OUT).status_code == 403
    assert client.post(UNLOCK, {"username": "dana", "ip_address": "127.0.0.1"}).status_code == 403
    assert client.get(UNLOCK).status_code in {403, 405}
    assert AccessAttempt.objects.filter(username="dana").exists()


def test_locked_out_page_runs_a_fixed_number_of_queries(staff_client):
    lock_out("dana")
    staff_client.get(LOCKED_OUT)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(LOCKED_OUT)
    for name in ("devon", "drew", "dale"):
        lock_out(name)
    with CaptureQueriesContext(connection) as four:
        response = staff_client.get(LOCKED_OUT)
    assert len(response.context["lockouts"]) == 4
    assert len(four) == len(one)


# --- the index: every job one click away ----------------------------------------------------------------------------


def test_the_index_links_staff_to_every_job(staff_client):
    page = staff_client.get(reverse("admin:index"))
    jobs = page.text.split('id="staff-jobs"')[1].split("</div>")[0]
    for url, words in [
        (ADD_USER, "Add an instructor account"),
        (reverse("admin:auth_user_changelist"), "Instructor accounts"),
        (LOCKED_OUT, "Locked-out logins"),
        (reverse("admin:enrollment_outgoingemail_changelist"), "E-mail outbox"),
    ]:
        assert f'<a href="{url}">{words}</a>' in jobs
    assert staff_client.get(reverse("admin:enrollment_outgoingemail_changelist")).status_code == 200


def test_the_outbox_works_for_staff_not_only_superusers(staff_client, sign_up):
    from enrollment.models import OutgoingEmail

    sign_up(make_cohort())
    email = OutgoingEmail.objects.get()
    outbox = staff_client.get(reverse("admin:enrollment_outgoingemail_changelist"))
    assert outbox.status_code == 200
    assert list(outbox.context["cl"].result_list) == [email]
    assert staff_client.get(reverse("admin:enrollment_outgoingemail_change", args=[email.pk])).status_code == 200
    sent_again = staff_client.post(
        reverse("admin:enrollment_outgoingemail_changelist"),
        {"action": "send_selected_again", "_selected_action": [email.pk], "index": "0"},
    )
    assert sent_again.status_code == 302


def test_no_delete_offered_for_an_account_the_audit_trail_names(superuser_client, sign_up):
    from enrollment import services

    dana = instructor("dana")
    lee = instructor("lee")
    enrollment = sign_up(make_cohort())
    services.withdraw(enrollment=enrollment, actor=dana, reason="Moved away")
    delete = reverse("admin:auth_user_delete", args=[dana.pk])
    assert delete not in superuser_client.get(reverse("admin:auth_user_change", args=[dana.pk])).text
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    lee_page = superuser_client.get(reverse("admin:auth_user_change", args=[lee.pk])).text
    assert reverse("admin:auth_user_delete", args=[lee.pk]) in lee_page


def test_the_migration_puts_every_cohorts_teacher_in_the_instructors_group():
    import importlib
    from types import SimpleNamespace

    from django.db.migrations.executor import MigrationExecutor

    teacher = User.objects.create_user("old-hand", password=PASSWORD)
    make_cohort().instructors.add(teacher)
    User.objects.create_user("not-teaching", password=PASSWORD)
    name = "0012_staff_make_instructors_and_unlock_logins"
    module = importlib.import_module(f"enrollment.migrations.{name}")
    state_apps = MigrationExecutor(connection).loader.project_state(("enrollment", name)).apps
    module.teachers_join_the_instructors_group(state_apps, SimpleNamespace(connection=connection))
    assert list(Group.objects.get(name="Instructors").user_set.values_list("username", flat=True)) == ["old-hand"]
