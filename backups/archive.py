"""A backup is one .tar.gz: `manifest.json` first (so reading it is quick), the database as its vendor copies it, then
every file under MEDIA_ROOT below `media/`.

The database is copied before the media, so every evidence file a backed-up credential names is in the archive
(a file uploaded in between is merely extra). Restoring checks the manifest before it touches anything, puts the
database and the files back, checks the rows against the manifest, then migrates the database to the current code.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from backups.databases import BackupError, Contents, database_for, describe_counts, read_contents, tables_of

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


@dataclass(frozen=True)
class Manifest:
    format: int
    made_at: str  # ISO 8601, with its offset
    vendor: str  # connection.vendor: "postgresql" or "sqlite"
    database_file: str  # the database's name inside the archive
    migrations: dict[str, str]  # app label -> the last migration applied
    counts: dict[str, int]  # model label -> rows, for the key tables (databases.KEY_MODELS)
    media_files: int
    media_bytes: int
    django_version: str = field(default_factory=django.get_version)

    def made_on(self) -> str:
        """When the backup was made, in the site's time zone: '2026-05-01 02:00'."""
        return f"{timezone.localtime(datetime.datetime.fromisoformat(self.made_at)):%Y-%m-%d %H:%M}"

    def describe(self) -> str:
        return f"{describe_counts(self.counts)}; {self.media_files} evidence file{'s' if self.media_files != 1 else ''}"


def make_backup(*, output: str | None = None) -> tuple[Path, Manifest]:
    """Write a backup of the database and MEDIA_ROOT to `output`, a file or a folder (settings.BACKUP_DIR if None)."""
    target = backup_path(output)
    database = database_for(connection)
    media_root = Path(settings.MEDIA_ROOT)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The database is dumped beside the backup rather than in /tmp, which is often small.
        with tempfile.TemporaryDirectory(prefix=".work-", dir=target.parent) as work:
            dump = Path(work) / database.dump_name
            contents = database.dump(dump)
            media = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.is_dir() else []
            manifest = Manifest(
                format=FORMAT,
                made_at=timezone.now().isoformat(),
                vendor=database.vendor,
                database_file=database.dump_name,
                migrations=contents.migrations,
                counts=contents.counts,
                media_files=len(media),
                media_bytes=sum(path.stat().st_size for path in media),
            )
            write_archive(target, manifest=manifest, dump=dump, media=media, media_root=media_root)
    except OSError as error:
        raise BackupError(
            f"Could not write the backup {target}: {error.strerror or error}. Check that folder and the space left.",
            code="cannot_write",
        ) from error
    return target, manifest


def write_archive(target: Path, *, manifest: Manifest, dump: Path, media: list[Path], media_root: Path) -> None:
    """The .tar.gz: the manifest first, then the database, then the media files under media/."""
    # The backup holds personal data and password hashes: only its owner may read it. Written aside and renamed into
    # place, so a file with the final name is always a whole backup.
    partial = target.with_name(f".{target.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as archive:
            text = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(text), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(text))
            archive.add(dump, arcname=manifest.database_file)
            for path in media:
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}", recursive=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def backup_path(output: str | None) -> Path:
    """Where the backup goes: a dated file in the folder named (an existing one, or one ending in /), or that file."""
    path = Path(settings.BACKUP_DIR if output is None else output)
    if output is None or path.is_dir() or output.endswith(("/", os.sep)):
        path = path / f"elite-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    if path.exists():
        raise BackupError(f"{path} already exists; name another file or move that one away.", code="exists")
    return path


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at `path`, or a sentence saying why it is not one."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.", code="not_a_backup")
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST:
                raise ValueError("no manifest")
            data = json.load(archive.extractfile(first))
        if int(data["format"]) > FORMAT:
            raise BackupError(
                f"This backup's format ({data['format']}) is newer than this version of elite reads ({FORMAT}). "
                "Upgrade elite first, then restore it.",
                code="newer_than_code",
            )
        # Keys a later version of format 1 may add are ignored.
        return Manifest(**{item.name: data[item.name] for item in fields(Manifest) if item.name in data})
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError, TypeError) as error:
        raise BackupError(
            f"{path} is not a backup made by `manage.py backup` (a .tar.gz starting with {MANIFEST}).",
            code="not_a_backup",
        ) from error


def check_restorable(manifest: Manifest) -> None:
    """Refuse a backup this code cannot restore here, before anything is touched."""
    if manifest.vendor != connection.vendor:
        made_on = VENDOR_NAMES.get(manifest.vendor, manifest.vendor)
        raise BackupError(
            f"This backup was made from a {made_on} database and this site uses {connection.display_name}. "
            f"Restore it into a {made_on} database (point DATABASE_URL at one); moving a school between kinds of "
            "database is not something restore does.",
            code="other_vendor",
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, name in sorted(manifest.migrations.items()) if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"This backup was made by a newer version of elite: its database has migrations this code does not "
            f"have ({', '.join(unknown)}). Upgrade this installation to that version or later first, then restore.",
            code="newer_than_code",
        )


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    migrations_applied: list[str]
    media_left_in_place: int  # files under MEDIA_ROOT the backup does not have (never deleted)


def restore_backup(*, path: Path, overwrite: bool = False) -> Restored:
    """Put the backup at `path` back: the database (replacing what is there), the evidence files, then `migrate`.

    Refuses, before touching anything, a file that is no backup, one from another kind of database or from newer
    code, and, unless `overwrite`, a database that already holds data.
    """
    manifest = read_manifest(path)
    check_restorable(manifest)
    database = database_for(connection)
    if not overwrite and (present := current_counts()) and any(present.values()):
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already holds {describe_counts(present)}. Restoring "
            f"replaces all of it with the backup made {manifest.made_on()} ({manifest.describe()}). Run the restore "
            "again with --yes to go ahead.",
            code="would_overwrite",
        )
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="elite-restore-") as work:
        unpacked = Path(work)
        try:
            with tarfile.open(path, mode="r:gz") as archive:
                archive.extractall(unpacked, filter="data")  # nothing may land outside the folder
        except (tarfile.TarError, EOFError) as error:
            raise BackupError(f"{path} is damaged and cannot be unpacked: {error}.", code="not_a_backup") from error
        except OSError as error:
            raise BackupError(
                f"Could not unpack {path} into {work}: {error.strerror or error}. Check the space left there.",
                code="cannot_write",
            ) from error
        dump = unpacked / manifest.database_file
        if not dump.is_file():
            raise BackupError(f"{path} has no database in it ({manifest.database_file}).", code="not_a_backup")
        connection.close()  # nothing of ours holds the database while it is replaced
        database.restore(dump)
        restored = read_contents_now()
        if restored.counts != manifest.counts:
            raise BackupError(
                f"The restored database holds {describe_counts(restored.counts)}, but the backup's manifest says "
                f"{describe_counts(manifest.counts)}. The backup may be damaged; try an older one.",
                code="counts_differ",
            )
        try:
            left_in_place = restore_media(unpacked / MEDIA, media_root)
        except OSError as error:
            raise BackupError(
                f"The database is restored, but the evidence files could not be copied into {media_root}: "
                f"{error.strerror or error}. Fix that and run the restore again with --yes.",
                code="cannot_write",
            ) from error
    before = set(MigrationRecorder(connection).applied_migrations())
    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
    except Exception as error:
        raise BackupError(
            f"The backup is restored, but bringing its database up to the current schema failed: {error}. Fix that "
            "and run `manage.py migrate`.",
            code="migrate_failed",
        ) from error
    applied = sorted(set(MigrationRecorder(connection).applied_migrations()) - before)
    return Restored(
        manifest=manifest,
        migrations_applied=[f"{app}.{name}" for app, name in applied],
        media_left_in_place=left_in_place,
    )


def current_counts() -> dict[str, int]:
    try:
        return read_contents_now().counts
    except DatabaseError as error:
        raise BackupError(
            f"Could not read the database {connection.settings_dict['NAME']}: {str(error).strip()}. Check "
            "DATABASE_URL; to restore into a new database, create it first (createdb).",
            code="no_database",
        ) from error


def read_contents_now() -> Contents:
    with connection.cursor() as cursor:
        return read_contents(cursor, tables_of(connection))


def restore_media(source: Path, media_root: Path) -> int:
    """Copy the backup's files into MEDIA_ROOT; files already there that it lacks stay. Returns how many stayed."""
    restored = {path.relative_to(source) for path in source.rglob("*") if path.is_file()} if source.is_dir() else set()
    present = (
        {path.relative_to(media_root) for path in media_root.rglob("*") if path.is_file()}
        if media_root.is_dir()
        else set()
    )
    for relative in sorted(restored):
        destination = media_root / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination)
    return len(present - restored)
