"""LongSelect writes the same select as Django's templates: options, groups, the selected one, attributes and
escaping (courses/widgets.py)."""

from decimal import Decimal

import pytest
from django import forms
from django.test.html import parse_html

from courses.widgets import LongSelect
from enrollment.models import Enrollment
from tests.factories import make_cohort, make_course, make_student

CHOICES = [
    ("", "All open shares"),
    ("1", "EMT <2027> & co"),
    ('Group "A"', [("2", "Two"), ("3", 'Three "quoted"')]),
    ("4", "Four"),
]


@pytest.mark.parametrize("value", [None, "", "1", "3", "nonsense", "<script>"])
def test_a_long_select_is_the_same_html_as_djangos(value):
    attrs = {"id": "id_cohort", "required": True, "disabled": False, "aria-describedby": "id_cohort_helptext"}
    ours = LongSelect(attrs=attrs, choices=CHOICES).render("cohort", value)
    djangos = forms.Select(attrs=attrs, choices=CHOICES).render("cohort", value)
    assert parse_html(ours) == parse_html(djangos)
    assert "<script>" not in ours and "&lt;2027&gt; &amp; co" in ours


@pytest.mark.django_db
def test_the_invoice_forms_cohorts_are_a_long_select_bound_to_the_chosen_one():
    from payments.forms import InvoiceForm
    from payments.models import Sponsor, SponsorShare

    course = make_course()
    cohort = make_cohort(course, code="EMT-LONG")
    other = make_cohort(course, code="EMT-NOT-SPONSORED")
    sponsor = Sponsor.objects.create(name="Chicago Fire Department")
    enrollment = Enrollment.objects.create(student=make_student(), cohort=cohort)
    SponsorShare.objects.create(enrollment=enrollment, sponsor=sponsor, percent=Decimal(100))
    # The form's own choices: the cohorts the sponsor has shares in.
    assert not InvoiceForm(sponsor=sponsor, data={"cohort": str(other.pk)}).is_valid()
    form = InvoiceForm(sponsor=sponsor, data={"cohort": str(cohort.pk)})
    assert isinstance(form.fields["cohort"].widget, LongSelect)
    assert form.is_valid(), form.errors
    html = str(form["cohort"])
    assert f'<option value="{cohort.pk}" selected>EMT-LONG' in html and "EMT-NOT-SPONSORED" not in html
    assert parse_html(html) == parse_html(
        forms.Select(choices=form.fields["cohort"].choices).render(
            "cohort", str(cohort.pk), {"id": "id_cohort", "aria-describedby": "id_cohort_helptext"}
        )
    )
