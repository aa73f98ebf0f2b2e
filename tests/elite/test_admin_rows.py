"""The changelists' rows (elite.admin_rows) are Django's markup, cell for cell, on every admin list of the demo school:
plain, sorted and searched, filtered (the links keep the filters) and as a popup."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import IS_POPUP_VAR
from django.core.management import call_command

from elite import admin_rows

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def demo_school():
    call_command("seed_demo", verbosity=0)


def _changelist(client, model, query: str = ""):
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{query}"
    response = client.get(url)
    assert response.status_code == 200, url
    return response, response.context_data["cl"]


def _cells(rows) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in rows]


def test_every_changelist_row_is_djangos(demo_school, superuser_client):
    compared = rows = 0
    for model in MODELS:
        for query in ("", "?o=-1.2", "?o=2&q=a"):
            response, cl = _changelist(superuser_client, model, query)
            ours, djangos = _cells(admin_rows.rows(cl)), _cells(admin_rows.django_rows(cl))
            assert ours == djangos, (model, query)
            # The page shows these rows (the project's change_list.html writes the table with them).
            for row in ours:
                assert "".join(row) in response.content.decode()
            compared += 1
            rows += len(ours)
    assert compared == 3 * len(MODELS)
    assert rows > 500  # the demo school fills the lists: not a comparison of empty tables


def test_the_row_links_keep_the_filters(demo_school, superuser_client):
    from enrollment.models import Enrollment

    response, cl = _changelist(superuser_client, Enrollment, "?status__exact=ENROLLED&o=-6")
    assert cl.preserved_filters  # the row links carry the page's filters back from the change page
    first = next(admin_rows.rows(cl))
    assert "_changelist_filters=status__exact%3DENROLLED%26o%3D-6" in "".join(first)


def test_the_changelist_template_writes_the_rows_with_this_module(demo_school, superuser_client):
    """The project's admin/change_list.html (extending Django's) is the one rendered, and its table's block is ours."""
    from django.conf import settings

    from enrollment.models import Enrollment

    response, _cl = _changelist(superuser_client, Enrollment)
    ours = str(settings.BASE_DIR / "templates" / "admin" / "change_list.html")
    rendered = [template.origin.name for template in response.templates]
    assert ours in rendered
    text = (settings.BASE_DIR / "templates" / "admin" / "change_list.html").read_text()
    assert "{% school_result_list cl %}" in text and "{% result_list cl %}" not in text


def test_a_popup_goes_through_djangos_rows(demo_school, superuser_client):
    from enrollment.models import Enrollment

    _response, cl = _changelist(superuser_client, Enrollment, f"?{IS_POPUP_VAR}=1")
    assert _cells(admin_rows.rows(cl)) == _cells(admin_rows.django_rows(cl))
    assert "data-popup-opener" in "".join(next(iter(_cells(admin_rows.rows(cl)))))


def test_the_row_checkbox_is_djangos(demo_school, superuser_client):
    """InputCheckingAdmin.action_checkbox writes Django's checkbox markup itself (Django renders a widget template
    for each row): the same for every row of every list, in English and Spanish, for a name with markup in it."""
    from django.utils import translation

    from enrollment.models import Student

    Student.objects.filter(pk=Student.objects.order_by("pk").values("pk")[:1]).update(last_name='O\'Neil <b>&"x"')
    compared = 0
    for language in ["en", "es"]:
        with translation.override(language):
            for model in MODELS:
                _response, cl = _changelist(superuser_client, model)
                for obj in cl.result_list:
                    assert cl.model_admin.action_checkbox(obj) == admin.ModelAdmin.action_checkbox(
                        cl.model_admin, obj
                    ), model
                    compared += 1
    assert compared > 500
    student = Student.objects.get(last_name__startswith="O'Neil")
    model_admin = admin.site._registry[Student]
    assert "&lt;b&gt;&amp;&quot;x&quot;" in model_admin.action_checkbox(student)
