"""The back office's navigation (elite/admin_site.py): the same apps, models and links as Django's own, and the same
sidebar markup, built without resolving URLs or translating names again on every page."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from courses.models import SchoolProfile
from elite.admin_site import SchoolAdminSite, nav_sidebar_html

pytestmark = pytest.mark.django_db


def _request(user, path="/admin/courses/cohort/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def _djangos(request, app_label=None):
    """The app list as Django's own AdminSite builds and sorts it, with its lazy names made text. (Calling
    AdminSite.get_app_list on our site would build it with our _build_app_dict.)"""
    app_dict = AdminSite._build_app_dict(admin.site, request, app_label)
    apps = sorted(app_dict.values(), key=lambda app: str(app["name"]).lower())
    for app in apps:
        app["models"].sort(key=lambda model: str(model["name"]))
    return [
        {**app, "name": str(app["name"]), "models": [{**m, "name": str(m["name"])} for m in app["models"]]}
        for app in apps
    ]


def test_the_school_site_is_the_admin_site():
    assert isinstance(admin.site, SchoolAdminSite)


@pytest.fixture
def staff_without_rights(django_user_model):
    return django_user_model.objects.create_user("idle", "idle@elite-ems.example", "pw", is_staff=True)


@pytest.mark.parametrize("who", ["staff_user", "superuser", "staff_without_rights"])
def test_the_app_list_is_djangos_for_every_role(request, who):
    user = request.getfixturevalue(who)
    for language in ["en", "es"]:
        with translation.override(language):
            ours = admin.site.get_app_list(_request(user))
            again = admin.site.get_app_list(_request(user))  # from the memo this time
            assert ours == again == _djangos(_request(user))
    if who == "staff_without_rights":
        assert ours == []
    else:
        assert {m["admin_url"] for app in ours for m in app["models"]} >= {reverse("admin:courses_cohort_changelist")}


def test_one_apps_list_is_djangos(staff_user):
    ours = admin.site.get_app_list(_request(staff_user), app_label="payments")
    assert ours == _djangos(_request(staff_user), app_label="payments")
    assert {app["app_label"] for app in ours} == {"payments"}


def _normal(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize(
    "path", ["/admin/courses/cohort/", "/admin/courses/cohort/3/change/", "/admin/payments/", "/admin/"]
)
def test_the_sidebar_is_djangos_markup(staff_user, superuser, path):
    # Each user, page and language in turn, twice (the second time from the kept markup): a kept sidebar is never
    # another role's, another page's or another language's.
    for _ in range(2):
        for language in ["en", "es"]:
            for user in [staff_user, superuser]:
                with translation.override(language):
                    request = _request(user, path)
                    app_list = admin.site.get_app_list(request)
                    djangos = render_to_string(
                        "admin/app_list.html", {"app_list": app_list, "show_changelinks": False, "request": request}
                    )
                    assert _normal(nav_sidebar_html(app_list, path)) == _normal(djangos)
    assert 'aria-current="page"' in nav_sidebar_html(app_list, "/admin/courses/cohort/")
    assert 'aria-current="page"' not in nav_sidebar_html(app_list, "/admin/")


def test_a_user_who_may_see_nothing_is_told_so():
    assert "permission to view or edit anything" in nav_sidebar_html([], "/admin/")


def test_every_admin_page_shows_the_sidebar_with_the_current_model(staff_client):
    response = staff_client.get(reverse("admin:courses_cohort_changelist"))
    assert response.status_code == 200
    html = response.text
    sidebar = html[html.index('<nav class="sticky" id="nav-sidebar"') :]
    assert 'class="model-cohort current-model"' in sidebar
    assert f'<a href="{reverse("admin:courses_cohort_changelist")}" aria-current="page">Cohorts</a>' in sidebar
    assert 'class="app-courses module current-app"' in sidebar


def test_the_school_profile_can_be_added_only_while_there_is_none(superuser_client):
    SchoolProfile.objects.filter(pk=1).delete()
    SchoolProfile.forget()
    add_url = reverse("admin:courses_schoolprofile_add")
    assert add_url in superuser_client.get(reverse("admin:index")).text
    assert superuser_client.get(add_url).status_code == 200
    SchoolProfile(phone="(312) 555-0199").save()
    assert add_url not in superuser_client.get(reverse("admin:index")).text
    assert superuser_client.get(add_url).status_code == 403
