"""The back office as one site: every model of the school is registered, the site is named after the school, and each
model's changelist, search, add and change pages load for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from courses.models import ClassSession, Cohort, Course, CredentialType, Requirement
from enrollment.models import Attendance, AuditEvent, Credential, Enrollment, Student

pytestmark = pytest.mark.django_db


OUR_MODELS = [Course, CredentialType, Requirement, Cohort, ClassSession, Student, Credential, Enrollment, Attendance]


def test_every_model_of_the_school_is_registered():
    registered = set(admin.site._registry)
    assert set(OUR_MODELS) | {AuditEvent} <= registered


def test_admin_site_is_named_after_the_school(superuser_client, settings):
    response = superuser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert admin.site.site_header == f"{settings.SCHOOL_NAME} back office"
    assert f"{settings.SCHOOL_NAME} back office" in response.text


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_changelist_loads_for_superuser(superuser_client, school, model, admin_url):
    response = superuser_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_changelist_search_works(superuser_client, school, model, admin_url):
    response = superuser_client.get(admin_url(model, "changelist"), {"q": "dana"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_add_page_loads_for_superuser(superuser_client, school, model, admin_url):
    response = superuser_client.get(admin_url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [*OUR_MODELS, AuditEvent], ids=lambda m: m.__name__)
def test_change_page_loads_for_superuser(superuser_client, school, model, admin_url):
    response = superuser_client.get(admin_url(model, "change", school.object_of(model).pk))
    assert response.status_code == 200
