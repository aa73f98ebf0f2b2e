"""The school's clinical and field minimums per course, as Chicago-area programs publish them (only signed hours and
contacts count). Loaded by `manage.py load_clinical_catalogue` (and the demo); staff edit them in the back office."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from clinical.models import ClinicalMinimum, MinimumKind
from courses.models import Course

# course slug: [(kind, at least)]
MINIMUMS: dict[str, list[tuple[str, Decimal]]] = {
    # Moraine Valley's EMT: 24 h in an emergency department and 24 h of ambulance ride time; Sauk Valley asks for at
    # least 10 reported patient contacts.
    "emt": [
        (MinimumKind.ED_HOURS, Decimal(24)),
        (MinimumKind.AMBULANCE_HOURS, Decimal(24)),
        (MinimumKind.CONTACTS, Decimal(10)),
    ],
    "aemt": [
        (MinimumKind.ED_HOURS, Decimal(48)),
        (MinimumKind.AMBULANCE_HOURS, Decimal(48)),
        (MinimumKind.CONTACTS, Decimal(30)),
    ],
    # Paramedic: 500+ clinical hours, team leads in the field capstone.
    "paramedic": [
        (MinimumKind.ED_HOURS, Decimal(200)),
        (MinimumKind.AMBULANCE_HOURS, Decimal(300)),
        (MinimumKind.CONTACTS, Decimal(100)),
        (MinimumKind.TEAM_LEADS, Decimal(20)),
    ],
}


@transaction.atomic
def load_clinical_catalogue() -> int:
    """Create or update the minimums of the catalogue's courses that exist; returns how many there are. Minimums
    staff added of other kinds stay."""
    courses = Course.objects.in_bulk(list(MINIMUMS), field_name="slug")
    count = 0
    for slug, minimums in MINIMUMS.items():
        course = courses.get(slug)
        if course is None:
            continue
        for kind, amount in minimums:
            ClinicalMinimum.objects.update_or_create(course=course, kind=kind, defaults={"amount": amount})
            count += 1
    return count
