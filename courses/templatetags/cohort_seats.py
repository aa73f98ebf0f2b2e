"""A cohort's seats, drawn: the fill bar of the cohort changelist and the admin index's upcoming cohorts."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from courses.models import Cohort

register = template.Library()


@register.filter
def fill_bar(cohort: Cohort) -> SafeString:
    """A cohort's seats taken as a bar drawn with CSS classes (the CSP allows no inline styles); needs the seat
    counts annotated (CohortQuerySet.with_seat_counts)."""
    return format_html(
        '<span class="fill-bar fill-{}" role="img" aria-label="{}">'
        '<span class="fill-bar-level"></span></span><span class="fill-text">{}/{}</span>',
        cohort.fill_percent,
        _("%(taken)s of %(capacity)s seats taken") % {"taken": cohort.seats_taken, "capacity": cohort.capacity},
        cohort.seats_taken,
        cohort.capacity,
    )
