from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.archive import restore_backup
from backups.databases import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: the database (replacing what is there) and the uploaded "
        "evidence, then migrate it to this version's schema. Stop the site and the job runner first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", metavar="PATH", help="The backup file (.tar.gz).")
        parser.add_argument(
            "--yes", action="store_true", help="Go ahead even though the database already holds data, replacing it."
        )

    def handle(self, *args, path: str, yes: bool, verbosity: int, **options) -> None:
        try:
            restored = restore_backup(path=Path(path), overwrite=yes)
        except BackupError as error:
            raise CommandError(error.message) from error
        if verbosity >= 1:
            manifest = restored.manifest
            self.stdout.write(f"Restored the backup made {manifest.made_on()}: {manifest.describe()}.")
            if restored.migrations_applied:
                applied = ", ".join(restored.migrations_applied)
                self.stdout.write(f"Brought it up to this version's schema: {applied}.")
            else:
                self.stdout.write("Its schema was already this version's; no migration was needed.")
            if restored.media_left_in_place:
                self.stdout.write(
                    f"{restored.media_left_in_place} file(s) already in {settings.MEDIA_ROOT} that the backup "
                    "does not have were left in place."
                )
