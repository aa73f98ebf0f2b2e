"""Load the clinical minimums of the school's courses (clinical/catalogue.py)."""

from django.core.management.base import BaseCommand

from clinical.catalogue import load_clinical_catalogue


class Command(BaseCommand):
    help = (
        "Create or update the clinical and field minimums of the catalogue's courses from clinical/catalogue.py "
        "(run after load_catalogue). Safe to run again."
    )

    def handle(self, *args: object, verbosity: int = 1, **options: object) -> None:
        count = load_clinical_catalogue()
        if verbosity:
            self.stdout.write(f"Clinical catalogue loaded: {count} minimums.")
