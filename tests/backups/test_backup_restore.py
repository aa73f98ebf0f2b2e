"""Backups that restore: `manage.py backup` writes one file, `manage.py restore` puts it back into a fresh database,
and the site still works there; restore refuses, in a sentence, what it must not do."""

import hashlib
import json
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from backups import databases
from backups.archive import make_backup, read_manifest, restore_backup
from backups.databases import BackupError, PostgreSQL
from enrollment.models import AuditEvent
from tests.factories import make_cohort, make_course, make_credential, make_credential_type, make_student

PASSWORD = "correct-horse-battery-42"
# Bytes no text conversion leaves alone: a PNG header, a NUL, CR LF, and every byte value.
EVIDENCE = b"\x89PNG\r\n\x1a\n\x00" + bytes(range(256)) * 8


@pytest.mark.django_db(transaction=True)  # committed, so pg_dump (another process) sees it
def test_a_backup_restores_into_a_fresh_database_and_the_site_still_works(
    settings, tmp_path, fresh_database, site_command, staff_user, sign_up
):
    # The real settings' password hasher (the tests' MD5 one is unknown to the restored site).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    staff_user.set_password(PASSWORD)
    staff_user.save()
    cohort = make_cohort(make_course(), capacity=5)
    enrollment = sign_up(cohort)
    credential = make_credential(enrollment.student, make_credential_type())
    credential.evidence.save("card.png", ContentFile(EVIDENCE))
    audit_trail = [[pk, action] for pk, action in AuditEvent.objects.order_by("pk").values_list("pk", "action")]
    assert audit_trail

    call_command("backup", output=str(tmp_path / "nightly.tar.gz"), verbosity=0)
    backup = tmp_path / "nightly.tar.gz"

    manifest = read_manifest(backup)
    assert manifest.vendor == connection.vendor
    assert manifest.counts["enrollment.Student"] == 1
    assert manifest.counts["enrollment.AuditEvent"] == len(audit_trail)
    assert manifest.counts[settings.AUTH_USER_MODEL] == 1
    (latest,) = MigrationLoader(None).graph.leaf_nodes("enrollment")
    assert manifest.migrations["enrollment"] == latest[1]
    assert (manifest.media_files, manifest.media_bytes) == (1, len(EVIDENCE))
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600)

    restored = site_command(fresh_database, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "Restored the backup made" in restored.stdout

    # Now that it holds data, a second restore wants --yes, and says what it would replace.
    again = site_command(fresh_database, "restore", str(backup))
    assert again.returncode == 1
    assert "already holds 1 user, 1 course, 1 cohort, 1 student" in again.stderr
    assert "--yes" in again.stderr
    assert "Traceback" not in again.stderr

    given = {
        "now": timezone.now().isoformat(),
        "token": enrollment.token,
        "cohort_code": cohort.code,
        "username": staff_user.username,
        "password": PASSWORD,
        "cohort_pk": cohort.pk,
        "credential_pk": credential.pk,
    }
    checked = site_command(fresh_database, "restored_site.py", json.dumps(given))
    assert checked.returncode == 0, checked.stderr
    seen = json.loads(checked.stdout.strip().splitlines()[-1])
    assert seen == {
        "audit_trail": audit_trail,
        "audit_trail_refuses": ["save", "update", "delete"],
        "private_link": [200, True],
        "staff_login": [302, "/admin/", 200, True],
        "signup": [302, 1],
        "evidence_sha256": hashlib.sha256(EVIDENCE).hexdigest(),
    }
    assert PASSWORD not in restored.stdout + restored.stderr + checked.stderr


def test_restore_refuses_a_backup_from_another_kind_of_database(db, write_backup):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    with pytest.raises(BackupError) as refused:
        restore_backup(path=write_backup(vendor=other))
    assert refused.value.code == "other_vendor"
    assert f"this site uses {connection.display_name}" in refused.value.message


def test_restore_refuses_a_backup_made_by_newer_code_and_says_to_upgrade(db, write_backup):
    newer = write_backup(migrations={"enrollment": "0099_from_a_later_release"})
    with pytest.raises(BackupError) as refused:
        restore_backup(path=newer, overwrite=True)
    assert refused.value.code == "newer_than_code"
    assert "enrollment.0099_from_a_later_release" in refused.value.message
    assert "Upgrade" in refused.value.message

    with pytest.raises(BackupError) as refused:
        restore_backup(path=write_backup(format=2), overwrite=True)
    assert refused.value.code == "newer_than_code"


def test_restore_refuses_to_replace_data_without_yes_and_says_what_is_there(db, write_backup):
    make_student()
    make_student()
    backup = write_backup()
    with pytest.raises(BackupError) as refused:
        restore_backup(path=backup)
    assert refused.value.code == "would_overwrite"
    assert "already holds 2 students" in refused.value.message
    assert "made 2026-05-01 02:00 (3 students; 0 evidence files)" in refused.value.message

    with pytest.raises(CommandError, match="Run the restore again with --yes"):
        call_command("restore", str(backup))


@pytest.mark.parametrize("content", [None, b"not a backup", b"\x1f\x8b\x08 broken gzip"])
def test_restore_refuses_what_is_not_a_backup(db, tmp_path, content):
    path = tmp_path / "backup.tar.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BackupError) as refused:
        restore_backup(path=path)
    assert refused.value.code == "not_a_backup"
    assert str(path) in refused.value.message


def test_backup_will_not_write_over_an_existing_file(tmp_path):
    existing = tmp_path / "nightly.tar.gz"
    existing.write_bytes(b"last night's")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=str(existing))
    assert existing.read_bytes() == b"last night's"


def test_a_missing_postgresql_client_is_named_with_its_package(monkeypatch):
    monkeypatch.setattr(databases.shutil, "which", lambda name: None)
    with pytest.raises(BackupError) as refused:
        databases.find_tool("pg_dump")
    assert refused.value.code == "tool_missing"
    assert "pg_dump is not installed" in refused.value.message
    assert "apt-get install postgresql-client" in refused.value.message


def test_the_database_password_goes_in_the_environment_never_on_the_command_line(tmp_path):
    database = PostgreSQL(
        {"NAME": "elite", "USER": "elite", "PASSWORD": "s3cret!", "HOST": "db", "PORT": 5432, "OPTIONS": {}}
    )
    commands = [
        database.dump_command("pg_dump", tmp_path / "dump", snapshot="00000003-1"),
        database.script_command("pg_restore", tmp_path / "dump"),
        database.apply_command("psql"),
    ]
    assert not any("s3cret" in argument for command in commands for argument in command)
    env = database.environment()
    assert (env["PGPASSWORD"], env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == ("s3cret!", "db", "5432", "elite")


@pytest.mark.django_db(transaction=True)
def test_a_backup_goes_to_a_dated_file_in_the_backup_folder(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    make_student()
    path, manifest = make_backup()
    assert path.parent == settings.BACKUP_DIR
    assert path.name.startswith("elite-backup-") and path.name.endswith(".tar.gz")
    assert manifest.counts["enrollment.Student"] == 1
    assert [entry.name for entry in os.scandir(settings.BACKUP_DIR)] == [path.name]  # no work files left behind
