"""Markup the apps write often enough to do without the template engine: `<option>` lists and a select of hundreds of
options. Courses is the lowest app, so every app may use them. Each writes the same markup as Django's templates
(tests/courses/test_widgets.py compares them)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


def escaped(value: Any) -> str:
    """Django's conditional_escape without its lazy-string wrapper (the cost that counts over hundreds of options or
    cells): a safe string as it is, anything else (a translated label included) as escaped text."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def option_tags(choices: Iterable[tuple[Any, Any]], chosen: str | None) -> SafeString:
    """`<option>`s for (value, label) pairs, the one whose value is `chosen` (as text) selected."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{escaped(value)}"{" selected" if str(value) == chosen else ""}>{escaped(label)}</option>'
            for value, label in choices
        )
    )


class LongSelect(forms.Select):
    """A select of hundreds of options (a sponsor's cohorts of the last two years: 825 in the scale data), written in
    Python with the same markup as Django's select.html and select_option.html. Django renders a template for each
    option, about 30 µs apiece: 825 options were 80% of the sponsor's invoices page."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: object | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escaped(widget["name"])}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escaped(group_name)}">')
            # Django marks at most one option selected (a single select), which is the one `chosen` names.
            chosen = next((str(option["value"]) for option in options if option["selected"]), None)
            parts.append(option_tags(((option["value"], option["label"]) for option in options), chosen))
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # every value above is escaped
