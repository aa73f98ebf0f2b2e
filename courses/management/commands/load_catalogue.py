"""Load the school's catalogue (courses/catalogue.py): the courses, their credential types and entry requirements."""

from django.core.management.base import BaseCommand

from courses.catalogue import CREDENTIAL_TYPES, load_catalogue
from courses.models import Requirement


class Command(BaseCommand):
    help = (
        "Create or update the school's courses (by slug), credential types (by code) and entry requirements from "
        "courses/catalogue.py. Safe to run again: it puts the catalogue's wording and rules back, and leaves the "
        "courses and credential types staff added alone."
    )

    def handle(self, *args: object, verbosity: int = 1, **options: object) -> None:
        courses = load_catalogue()
        if verbosity:
            requirements = Requirement.objects.filter(course__in=courses.values())
            self.stdout.write(
                f"Catalogue loaded: {len(courses)} courses ({', '.join(courses)}), {len(CREDENTIAL_TYPES)} "
                f"credential types, {requirements.for_signup().count()} entry requirements, "
                f"{requirements.for_clinicals().count()} clearance documents."
            )
