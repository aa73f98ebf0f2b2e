import time

from django.core.management.base import BaseCommand, CommandParser

from enrollment import notifications


class Command(BaseCommand):
    help = "Send the e-mails queued under EMAIL_DELIVERY=queued. Once, or with --loop as a long-running worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep sending; poll every --interval seconds")
        parser.add_argument("--interval", type=float, default=2.0)

    def handle(self, *args, **options) -> None:
        while True:
            sent, failed = notifications.send_queued_emails()
            if options["verbosity"] >= 1 and (sent or failed or not options["loop"]):
                self.stdout.write(f"{sent} e-mail{'s' if sent != 1 else ''} sent, {failed} failed.")
            if not options["loop"]:
                return
            if not sent and not failed:
                time.sleep(options["interval"])
