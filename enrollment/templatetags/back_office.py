"""Template tags of the staff back office: the admin index's link to the review queue and its "school at a glance"."""

from __future__ import annotations

from django import template

from courses.models import Cohort, CohortStatus
from enrollment.models import Credential, Enrollment, EnrollmentStatus, with_status_counts

register = template.Library()

# Rows per list on the index; the changelists behind the links have the rest.
GLANCE_ROWS = 10
OFFER_HOURS = 24


@register.simple_tag
def pending_review_count() -> int:
    return Enrollment.objects.filter(status=EnrollmentStatus.PENDING_REVIEW).count()


@register.simple_tag
def school_at_a_glance() -> dict[str, object]:
    """Upcoming cohorts with their fill, offers expiring within 24 h and credentials that expire before their
    cohort ends: one query each, however many rows there are."""
    return {
        "upcoming": list(
            with_status_counts(Cohort.objects.upcoming().exclude(status=CohortStatus.CANCELLED))
            .select_related("course")
            .order_by("starts_on", "code")[:GLANCE_ROWS]
        ),
        "offer_hours": OFFER_HOURS,
        "expiring_offers": list(
            Enrollment.objects.offers_expiring_within(OFFER_HOURS).select_related("student", "cohort")[:GLANCE_ROWS]
        ),
        "expiring_credentials": list(
            Credential.objects.expiring_before_cohort_ends()
            .select_related("student", "credential_type")
            .order_by("expires_on", "pk")[:GLANCE_ROWS]
        ),
    }
