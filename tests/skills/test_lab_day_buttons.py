"""The lab day's result buttons, written in Python (skills/views.py `_result_buttons`), are the markup the template's
loop over the field's radios wrote: the same inputs, ids, labels, colours and checked button, escaped, for an empty
sheet and for each answer posted back (a form with errors shows what was chosen)."""

import pytest
from django import forms
from django.template import engines
from django.test.html import parse_html

from skills.models import AttemptResult
from skills.views import _result_buttons

# The template's loop as it was (templates/skills/lab_day.html before the buttons were written in Python).
TEMPLATE_LOOP = """{% for radio in result %}
<input class="btn-check lab-result" type="radio" name="{{ radio.data.name }}" id="{{ radio.id_for_label }}" value="{{ radio.data.value }}" data-fail-details="details-{{ result.html_name }}"{% if radio.data.selected %} checked{% endif %}>
<label class="btn {% if radio.data.value == 'pass' %}btn-outline-success{% elif radio.data.value == 'fail' %}btn-outline-danger{% else %}btn-outline-secondary{% endif %}" for="{{ radio.id_for_label }}">{% if radio.data.value %}{{ radio.choice_label }}{% else %}<span aria-hidden="true">–</span>{% endif %}<span class="visually-hidden">{% if not radio.data.value %}{{ radio.choice_label }}{% endif %} ({{ result.label }})</span></label>
{% endfor %}"""  # noqa: E501


class Sheet(forms.Form):
    result_7_3 = forms.ChoiceField(
        label='BVM, O\'Brien <Ann> & "Jo"',
        choices=[("", "Not tested"), *AttemptResult.choices],
        required=False,
        widget=forms.RadioSelect,
    )


@pytest.mark.parametrize("posted", [None, "", "pass", "fail", "<script>"])
def test_the_buttons_are_the_templates_markup(posted):
    form = Sheet(None if posted is None else {"result_7_3": posted})
    form.is_valid()
    field = form["result_7_3"]
    expected = engines["django"].from_string(TEMPLATE_LOOP).render({"result": field})
    ours = _result_buttons(field)
    assert parse_html(ours) == parse_html(expected)
    assert "<Ann>" not in ours and ours.count(" checked") == (0 if posted == "<script>" else 1)
