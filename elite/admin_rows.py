"""The admin changelist's rows, the same markup as Django's `items_for_result`, with the work that is the same for
every row of a column done once per page.

Django's `items_for_result` (django.contrib.admin.templatetags.admin_list) works each cell out from scratch: it looks
the column up on the model's options (an exception for every method column), asks the admin for its empty value (a
lazy, translated string), builds the cell's class, reverses the change URL and re-parses the preserved filters into it
for every row, and writes each cell through `format_html`. On a page of 100 rows that was about 0.15 ms a row, more
than the data it shows. Here each column is looked up once (`Column`), the change URL is reversed once with a
placeholder for the key, and each cell is written by concatenation with the same escaping. What a cell says is still
Django's: `display_for_field` and `display_for_value` write every value.

A changelist that edits in place (`list_editable`), a popup, a `to_field` link or a column read through the model's
attributes goes through Django's own function (`django_rows`): those pages are rare and small.
`tests/elite/test_admin_rows.py` renders every registered admin's changelist both ways and compares them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    items_for_result,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    get_fields_from_path,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString

from courses.links import STAND_IN
from courses.widgets import escaped


@dataclass
class Column:
    """One column of a changelist, looked up once: how to read a row's value and how to write it."""

    classes: str  # the cell's class attribute without the "nowrap" a date or time value adds
    link: bool
    read: Callable[[models.Model], object]
    field: models.Field | None  # the model field the value is displayed as, None for a method's value
    attr: object  # the admin method (or callable) behind a computed column, for its `boolean`
    empty: str
    nowrap_field: bool
    # A row whose value raises ObjectDoesNotExist (a missing one-to-one) shows the admin's empty value, classed so.
    missing_classes: str
    missing: str


def _column(cl: ChangeList, index: int, name: object, link: bool) -> Column | None:
    """The column's lookup, as `lookup_field` does it for any row; None for a column read through the model's own
    attributes (an attribute name, a property or a `__` path), which Django's function handles."""
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    classes = f"field-{_coerce_field_name(name, index)}"
    try:
        field = _get_non_gfk_field(cl.lookup_opts, name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        field = None
    else:
        attname = name

        def read(obj: models.Model, attname: str = attname) -> object:
            return getattr(obj, attname)

        return _field_column(classes, link, read, field, empty, attr=None, default_empty=empty)
    if callable(name):
        attr = name

        def read(obj: models.Model, attr: Callable = attr) -> object:
            return attr(obj)

    elif isinstance(name, str) and name != "__str__" and hasattr(model_admin, name):
        attr = getattr(model_admin, name)

        def read(obj: models.Model, attr: Callable = attr) -> object:
            return attr(obj)

    else:
        return None
    default_empty, empty = empty, getattr(attr, "empty_value_display", empty)
    if isinstance(name, str) and LOOKUP_SEP in name:
        try:
            field = get_fields_from_path(cl.model, name)[-1]
        except FieldDoesNotExist:
            field = None
    if field is None or field.auto_created:
        shown = "action-checkbox" if name == "action_checkbox" else classes
        return Column(shown, link, read, None, attr, empty, False, classes, default_empty)
    return _field_column(classes, link, read, field, empty, attr=attr, default_empty=default_empty)


def _field_column(
    classes: str, link: bool, read: Callable, field: models.Field, empty: str, *, attr: object, default_empty: str
) -> Column:
    if field.auto_created:  # an automatic key: shown as a plain value
        return Column(classes, link, read, None, attr, empty, False, classes, default_empty)
    nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
    return Column(classes, link, read, field, attr, empty, nowrap, classes, default_empty)


def _links(cl: ChangeList) -> list[bool]:
    """Which columns link to the row's change page (items_for_result's link_in_col, the first column by default)."""
    links, first = [], True
    for name in cl.list_display:
        if cl.list_display_links is None:
            link = False
        elif first and not cl.list_display_links:
            link = True
        else:
            link = name in cl.list_display_links
        if link:
            first = False
        links.append(link)
    return links


def django_rows(cl: ChangeList) -> Iterator[ResultList]:
    """Django's own rows (admin_list.results)."""
    if cl.formset:
        for result, form in zip(cl.result_list, cl.formset.forms, strict=False):
            yield ResultList(form, items_for_result(cl, result, form))
    else:
        for result in cl.result_list:
            yield ResultList(None, items_for_result(cl, result, None))


def rows(cl: ChangeList) -> Iterator[ResultList]:
    """The page's rows, each a list of `<td>`/`<th>` cells as Django writes them."""
    if cl.formset or cl.is_popup or cl.to_field:
        yield from django_rows(cl)
        return
    links = _links(cl)
    columns = [
        _column(cl, index, name, link) for index, (name, link) in enumerate(zip(cl.list_display, links, strict=True))
    ]
    if any(column is None for column in columns):
        yield from django_rows(cl)
        return
    url_of = _change_url(cl)
    first_link = links.index(True) if True in links else None
    for result in cl.result_list:
        cells = []
        for index, column in enumerate(columns):
            cells.append(_cell(column, result, index == first_link, url_of))
        yield ResultList(None, cells)


def _change_url(cl: ChangeList) -> Callable[[models.Model], str | None]:
    """The row's change URL with the page's filters kept, as items_for_result writes it: reversed and merged with
    the filters once, the key put in per row (an integer key is written as is; any other goes through Django)."""
    try:
        template = cl.url_for_result(_Placeholder(cl.pk_attname))
    except NoReverseMatch:
        template = None
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    if template is not None:
        template = add_preserved_filters(context, template)

    def url_of(result: models.Model) -> str | None:
        pk = getattr(result, cl.pk_attname)
        if template is not None and type(pk) is int:
            return template.replace(str(STAND_IN), str(pk), 1)
        try:
            return add_preserved_filters(context, cl.url_for_result(result))
        except NoReverseMatch:
            return None

    return url_of


class _Placeholder:
    def __init__(self, attname: str) -> None:
        setattr(self, attname, STAND_IN)  # the stand-in key courses.links reverses one-key URLs with


def _cell(column: Column, result: models.Model, first_link: bool, url_of: Callable) -> SafeString:
    try:
        value = column.read(result)
    except ObjectDoesNotExist:
        text, classes = column.missing, column.missing_classes
    else:
        field = column.field
        if field is None:
            boolean = getattr(column.attr, "boolean", False)
            if isinstance(column.attr, property) and hasattr(column.attr, "fget"):
                boolean = getattr(column.attr.fget, "boolean", False)
            text = display_for_value(value, column.empty, boolean)
            nowrap = isinstance(value, (datetime.date, datetime.time))
        else:
            if isinstance(field.remote_field, models.ManyToOneRel):
                text = column.empty if value is None else value
            else:
                text = display_for_field(value, field, column.empty, avoid_link=column.link)
            nowrap = column.nowrap_field
        classes = f"{column.classes} nowrap" if nowrap else column.classes
    content = escaped(text)
    if column.link:
        tag = "th" if first_link else "td"
        url = url_of(result)
        if url is not None:
            content = f'<a href="{escaped(url)}">{content}</a>'
        return SafeString(f'<{tag} class="{classes}">{content}</{tag}>')
    return SafeString(f'<td class="{classes}">{content}</td>')


def result_list(cl: ChangeList) -> dict:
    """The context of Django's `result_list` tag (admin/change_list_results.html), with these rows."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": list(rows(cl)),
    }
