"""Fixtures for the backup tests: a second, empty database to restore into, and the site run against it."""

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """The DATABASE_URL of a new, empty database of the kind the suite runs on; dropped afterwards.

    On PostgreSQL a database beside the test database (same server and login), on SQLite a file in tmp_path.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{secrets.token_hex(4)}"
    server = {"dbname": "postgres", "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"]}
    server = {key: value for key, value in server.items() if value} | ({"port": db["PORT"]} if db["PORT"] else {})
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    login = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    address = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    try:
        yield f"postgres://{login}@{address}/{name}"
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def site_command(tmp_path) -> Callable[..., subprocess.CompletedProcess]:
    """site_command(database_url, *argv): run the real site (elite.settings, debug on, media in tmp_path/site-media)
    against that database in a new process: `manage.py ...`, or a script of this folder when argv[0] ends in .py."""
    media = tmp_path / "site-media"

    def site_command(database_url: str, *argv: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "elite.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": database_url,
            "DJANGO_MEDIA_ROOT": str(media),
            "PYTHONPATH": str(ROOT),
        }
        script = str(Path(__file__).with_name(argv[0])) if argv[0].endswith(".py") else None
        command = [sys.executable, script, *argv[1:]] if script else [sys.executable, "manage.py", *argv]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    site_command.media_root = media
    return site_command


@pytest.fixture
def write_backup(tmp_path) -> Callable[..., Path]:
    """write_backup(**manifest): a backup file holding only a manifest (this database's kind, early migrations),
    with the fields given replaced: enough for everything restore checks before it touches the database."""
    import io
    import tarfile

    from django.db import connection

    def write_backup(**overrides) -> Path:
        manifest = {
            "format": 1,
            "made_at": "2026-05-01T02:00:00-05:00",
            "vendor": connection.vendor,
            "database_file": "database.dump",
            "migrations": {"enrollment": "0001_initial"},
            "counts": {"enrollment.Student": 3},
            "media_files": 0,
            "media_bytes": 0,
            "django_version": "6.1",
        } | overrides
        path = tmp_path / f"crafted-{secrets.token_hex(4)}.tar.gz"
        text = json.dumps(manifest).encode()
        with tarfile.open(path, "w:gz") as archive:
            info = tarfile.TarInfo("manifest.json")
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
        return path

    return write_backup
