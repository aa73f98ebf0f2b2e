"""The back office's site: Django's admin, with the navigation every page carries built for less.

Every admin page builds the list of apps and models the user may see (the sidebar and the index) and renders it in
the sidebar. Django's own list reverses two URLs and translates two lazy names per model on every request (39 models
here: about 5 ms of CPU a page, as much as a page's own queries), and its sidebar template renders each row through
the template engine (about 5 ms more). Here the URLs are resolved once per process (they depend only on the URLconf
and the script prefix) and the names once per language; which models and links a user sees is still decided on
every request by each model admin's permission checks, exactly as Django does. The sidebar's markup is written by
`nav_sidebar_html()` (templates/admin/nav_sidebar.html), the same markup as Django's app_list.html, kept per process
for each list of links, page position and language it has written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import urlencode
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from elite.forms import AdminLoginForm


class SchoolAdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._urls_memo: dict[tuple, str | None] = {}
        self._names_memo: dict[tuple, str] = {}

    def _url(self, name: str, **kwargs: str) -> str | None:
        key = (name, get_script_prefix(), tuple(kwargs.items()))
        if key not in self._urls_memo:
            try:
                self._urls_memo[key] = reverse(name, kwargs=kwargs or None, current_app=self.name)
            except NoReverseMatch:
                self._urls_memo[key] = None
        return self._urls_memo[key]

    def _name(self, kind: str, subject: Any, lazy_name: Any) -> str:
        key = (kind, subject, get_language())
        if key not in self._names_memo:
            self._names_memo[key] = str(capfirst(lazy_name) if kind == "model" else lazy_name)
        return self._names_memo[key]

    def _build_app_dict(self, request: HttpRequest, label: str | None = None) -> dict[str, dict]:
        """Django's AdminSite._build_app_dict (the same keys and values), with the URLs and names memoised."""
        app_dict: dict[str, dict] = {}
        for model, model_admin in self._registry.items():
            app_label = model._meta.app_label
            if label and app_label != label:
                continue
            has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue
            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue
            info = f"{app_label}_{model._meta.model_name}"
            model_dict = {
                "model": model,
                "name": self._name("model", model, model._meta.verbose_name_plural),
                "object_name": model._meta.object_name,
                "perms": perms,
                "admin_url": None,
                "add_url": None,
            }
            if perms.get("change") or perms.get("view"):
                model_dict["view_only"] = not perms.get("change")
                model_dict["admin_url"] = self._url(f"admin:{info}_changelist")
            if perms.get("add"):
                model_dict["add_url"] = self._url(f"admin:{info}_add")
            if app_label in app_dict:
                app_dict[app_label]["models"].append(model_dict)
            else:
                app_dict[app_label] = {
                    "name": self._name("app", app_label, apps.get_app_config(app_label).verbose_name),
                    "app_label": app_label,
                    "app_url": self._url("admin:app_list", app_label=app_label),
                    "has_module_perms": has_module_perms,
                    "models": [model_dict],
                }
        return app_dict


def nav_sidebar_html(app_list: list[dict], path: str) -> SafeString:
    """The sidebar's list of apps and models: Django's admin/app_list.html with show_changelinks off, written in
    Python (the template engine took as long as the rest of the page's chrome).

    The markup depends only on the apps and models listed (names, links), which of them the page is under, and the
    language; it is kept per process for each such combination (a handful: one per role and page kind), so a page
    no longer writes ~100 rows of navigation (about 2 ms)."""
    path = urlencode(path)
    apps_key = tuple(
        (
            app["app_label"],
            app["app_url"],
            app["name"],
            app["app_url"] in path,
            tuple(
                (
                    model["object_name"],
                    model["admin_url"],
                    model["name"],
                    model["add_url"],
                    bool(model["admin_url"]) and model["admin_url"] in path,
                )
                for model in app["models"]
            ),
        )
        for app in app_list
    )
    return _sidebar(apps_key, get_language())


@lru_cache(maxsize=256)
def _sidebar(apps_key: tuple, language: str | None) -> SafeString:
    if not apps_key:
        return format_html("<p>{}</p>", _("You don’t have permission to view or edit anything."))
    head = format_html(
        '<thead class="visually-hidden"><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead>',
        _("Model name"),
        _("Add link"),
        _("Change or view list link"),
    )
    add = _("Add")
    return format_html_join(
        "\n",
        '<div class="app-{} module{}"><table><caption><a href="{}" class="section">{}</a></caption>{}{}</table></div>',
        (
            (
                app_label,
                " current-app" if current_app else "",
                app_url,
                name,
                head,
                format_html_join("", "{}", ((_model_row(app_label, model, add),) for model in models)),
            )
            for app_label, app_url, name, current_app, models in apps_key
        ),
    )


ARIA_CURRENT = mark_safe(' aria-current="page"')
EMPTY_CELL = mark_safe("<td></td>")


def _model_row(app_label: str, model: tuple, add: str) -> SafeString:
    object_name, admin_url, model_label, add_url, current = model
    model_name = object_name.lower()
    row_id = f"{app_label}-{model_name}"
    if admin_url:
        name = format_html('<a href="{}"{}>{}</a>', admin_url, ARIA_CURRENT if current else "", model_label)
    else:
        name = format_html("{}", model_label)
    add_cell = (
        format_html('<td><a href="{}" class="addlink" aria-describedby="{}">{}</a></td>', add_url, row_id, add)
        if add_url
        else EMPTY_CELL
    )
    return format_html(
        '<tr class="model-{}{}"><th scope="row" id="{}">{}</th>{}</tr>',
        model_name,
        " current-model" if current else "",
        row_id,
        name,
        add_cell,
    )
