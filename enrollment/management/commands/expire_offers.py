from django.core.management.base import BaseCommand

from enrollment import services


class Command(BaseCommand):
    help = "Lapse waitlist offers past their deadline and offer each seat to the next person. Safe to run every minute."

    def handle(self, *args, **options) -> None:
        lapsed = services.expire_offers()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{lapsed} expired offer{'s' if lapsed != 1 else ''} lapsed.")
