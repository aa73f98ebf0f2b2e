from django.core.management.base import BaseCommand

from enrollment.notifications import send_due_emails


class Command(BaseCommand):
    help = "Send every queued e-mail whose next attempt is due, now (the job runner does this every minute)."

    def handle(self, *args, **options) -> None:
        tried = send_due_emails.call(grace_seconds=0)
        self.stdout.write(f"{tried} e-mail{'s' if tried != 1 else ''} tried.")
