from django.core.management.base import BaseCommand, CommandError

from backups.archive import make_backup
from backups.databases import BackupError


class Command(BaseCommand):
    help = (
        "Write one .tar.gz holding the database, the uploaded evidence (MEDIA_ROOT) and a manifest. Safe while the "
        "site runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="The file to write, or a folder for a dated file in it (default: ELITE_BACKUP_DIR, var/backups/).",
        )

    def handle(self, *args, output: str | None, verbosity: int, **options) -> None:
        try:
            path, manifest = make_backup(output=output)
        except BackupError as error:
            raise CommandError(error.message) from error
        if verbosity >= 1:
            size = path.stat().st_size / 1_000_000
            self.stdout.write(f"Backed up to {path} ({size:.1f} MB): {manifest.describe()}.")
