"""Template tags of the staff back office (the admin index's link to the review queue)."""

from __future__ import annotations

from django import template

from enrollment.models import Enrollment, EnrollmentStatus

register = template.Library()


@register.simple_tag
def pending_review_count() -> int:
    return Enrollment.objects.filter(status=EnrollmentStatus.PENDING_REVIEW).count()
