"""The database half of a backup: a consistent copy out of the running site, and back in, for each database the site
runs on (PostgreSQL with its own pg_dump and pg_restore, SQLite with its online backup API).

Both read what the manifest records (the last migration applied per app, the rows of the key tables) from the very
snapshot they copy, so a site taking signups while it is backed up cannot make the two disagree.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psycopg
from django.apps import apps
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper


class BackupError(Exception):
    """A backup or restore that cannot go ahead; `message` says what to do next, `code` is for programs and tests."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# The tables whose rows the manifest counts: a sanity check after a restore, and what an overwrite would replace.
KEY_MODELS = {
    settings.AUTH_USER_MODEL: ("user", "users"),
    "courses.Course": ("course", "courses"),
    "courses.Cohort": ("cohort", "cohorts"),
    "enrollment.Student": ("student", "students"),
    "enrollment.Enrollment": ("enrollment", "enrollments"),
    "enrollment.Credential": ("credential", "credentials"),
    "enrollment.Attendance": ("attendance record", "attendance records"),
    "enrollment.AuditEvent": ("audit event", "audit events"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """'3 users, 12 students and 40 audit events': the key tables that have rows, in words."""
    parts = [
        f"{counts[label]} {words[0] if counts[label] == 1 else words[1]}"
        for label, words in KEY_MODELS.items()
        if counts.get(label)
    ]
    if not parts:
        return "no rows in the key tables"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class Contents:
    """What a database holds, as the manifest records it."""

    migrations: dict[str, str]  # app label -> the last migration applied
    counts: dict[str, int]  # model label -> rows, for the key tables that exist


def read_contents(cursor, tables: set[str]) -> Contents:
    """The contents through any DB-API cursor (psycopg's, sqlite3's, Django's), for the tables that exist."""
    migrations = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    counts = {}
    for label in KEY_MODELS:
        table = apps.get_model(label)._meta.db_table
        if table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[label] = cursor.fetchone()[0]
    return Contents(migrations=migrations, counts=counts)


def find_tool(name: str) -> str:
    """The path of one of PostgreSQL's client programs, or a sentence saying which package brings it."""
    if path := shutil.which(name):
        return path
    raise BackupError(
        f"{name} is not installed on this machine. Install PostgreSQL's client programs (on Debian or Ubuntu: "
        f"apt-get install postgresql-client, the same major version as the database server) and run this again.",
        code="tool_missing",
    )


def run_tool(args: list[str], *, env: dict[str, str], doing: str) -> str:
    """Run a client program; its own complaint, in a sentence, when it fails. Returns what it printed."""
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} could not {doing}: {last_lines(result.stderr)}", code="tool_failed")
    return result.stdout


def last_lines(said: str) -> str:
    return " ".join(line.strip() for line in said.strip().splitlines()[-3:]) or "no message"


class Database(Protocol):
    vendor: str
    dump_name: str

    def dump(self, path: Path) -> Contents: ...

    def restore(self, path: Path) -> None: ...


# libpq's names for the connection settings, and the environment variables its programs read them from.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}
# Every table of the current schema, with whatever depends on it.
EMPTY_SCHEMA = (
    "DO $$ DECLARE t text; BEGIN FOR t IN SELECT quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname = current_schema() LOOP EXECUTE 'DROP TABLE IF EXISTS ' || t || ' CASCADE'; END LOOP; END $$;"
)


class PostgreSQL:
    """pg_dump's custom format; restored by pg_restore's script, run by psql in one transaction. The password
    travels in PGPASSWORD, never as an argument (where `ps` would show it)."""

    vendor = "postgresql"
    dump_name = "database.pgdump"

    def __init__(self, settings_dict: dict) -> None:
        self.settings_dict = settings_dict

    def connection_parameters(self) -> dict[str, str]:
        """The connection in libpq's words, from settings.DATABASES: for psycopg and for the client programs."""
        db = self.settings_dict
        options = db.get("OPTIONS") or {}
        parameters = {
            "dbname": db.get("NAME"),
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
            "host": db.get("HOST"),
            "port": db.get("PORT"),
            **{key: options.get(key) for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service")},
        }
        return {key: str(value) for key, value in parameters.items() if value}

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in LIBPQ_ENVIRONMENT.values()}
        env.update({LIBPQ_ENVIRONMENT[key]: value for key, value in self.connection_parameters().items()})
        return env

    def dump_command(self, pg_dump: str, path: Path, *, snapshot: str) -> list[str]:
        return [
            pg_dump,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={path}",
        ]

    def script_command(self, pg_restore: str, path: Path) -> list[str]:
        """pg_restore writing the SQL that replaces what the dump holds, for psql to run."""
        return [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", str(path)]

    def apply_command(self, psql: str) -> list[str]:
        """psql running what it reads, stopping at the first error (which leaves the transaction uncommitted)."""
        return [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={self.settings_dict['NAME']}"]

    def connect(self, **options) -> psycopg.Connection:
        try:
            return psycopg.connect(**self.connection_parameters(), **options)
        except psycopg.OperationalError as error:
            raise BackupError(
                f"Could not connect to the database: {str(error).strip()}. Check DATABASE_URL.", code="no_database"
            ) from error

    def dump(self, path: Path) -> Contents:
        pg_dump = find_tool("pg_dump")
        env = self.environment()
        with closing(self.connect()) as conn:
            self.check_client_version(pg_dump, env=env, server=conn.info.server_version)
            # pg_dump copies the snapshot this transaction exports, the very state the manifest describes.
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                contents = read_contents(cursor, self.tables(cursor))
                run_tool(self.dump_command(pg_dump, path, snapshot=snapshot), env=env, doing="dump the database")
            conn.rollback()
        return contents

    def restore(self, path: Path) -> None:
        pg_restore, psql = find_tool("pg_restore"), find_tool("psql")
        env = self.environment()
        with closing(self.connect()) as conn:
            self.check_client_version(pg_restore, env=env, server=conn.info.server_version)
        # One transaction empties the schema and restores the dump, committed only when pg_restore has written the
        # whole of it: if anything fails, the database is as it was. (pg_restore --clean alone would leave a newer
        # schema's extra tables and constraints behind, which block its drops or stop `migrate` making them again.)
        with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as apply_output:
            script = subprocess.Popen(
                self.script_command(pg_restore, path), stdout=subprocess.PIPE, stderr=script_errors, env=env
            )
            apply = subprocess.Popen(
                self.apply_command(psql), stdin=subprocess.PIPE, stdout=apply_output, stderr=subprocess.STDOUT, env=env
            )
            try:
                apply.stdin.write(f"SET client_min_messages = warning;\nBEGIN;\n{EMPTY_SCHEMA}\n".encode())
                shutil.copyfileobj(script.stdout, apply.stdin)
                apply.stdin.write(b"COMMIT;\n" if script.wait() == 0 else b"ROLLBACK;\n")
                apply.stdin.close()
            except BrokenPipeError:
                pass  # psql stopped at an error, which it reports below
            finally:
                script.stdout.close()
                script.wait()
                with suppress(BrokenPipeError):
                    apply.stdin.close()
                apply.wait()
            script_errors.seek(0)
            apply_output.seek(0)
            script_said = script_errors.read().decode(errors="replace")
            apply_said = apply_output.read().decode(errors="replace")
        if apply.returncode != 0:
            raise BackupError(
                f"The database could not be restored and is unchanged. psql said: {last_lines(apply_said)}",
                code="tool_failed",
            )
        if script.returncode != 0:
            raise BackupError(
                "The database could not be restored and is unchanged: pg_restore could not read the backup's dump: "
                f"{last_lines(script_said)}",
                code="tool_failed",
            )

    @staticmethod
    def tables(cursor) -> set[str]:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {row[0] for row in cursor.fetchall()}

    @staticmethod
    def check_client_version(program: str, *, env: dict[str, str], server: int) -> None:
        """pg_dump and pg_restore must be at least the server's major version; say which package if they are not."""
        said = run_tool([program, "--version"], env=env, doing="say its version")
        match = re.search(r"(\d+)(?:\.\d+)?", said)
        client, server_major = (int(match.group(1)) if match else 0), server // 10000
        if client < server_major:
            raise BackupError(
                f"{Path(program).name} here is version {client}, older than the database server "
                f"({server_major}). Install postgresql-client-{server_major} and run this again.",
                code="tool_too_old",
            )


class SQLite:
    """A copy made with SQLite's online backup API, consistent while the site keeps writing; restored the same way,
    page by page into the live file under its write lock, so open connections see the restored database."""

    vendor = "sqlite"
    dump_name = "database.sqlite3"

    def __init__(self, settings_dict: dict) -> None:
        self.settings_dict = settings_dict
        self.path = Path(str(settings_dict["NAME"]))

    def dump(self, path: Path) -> Contents:
        if str(self.path) == ":memory:" or not self.path.is_file():
            raise BackupError(f"There is no database file at {self.path}; check DATABASE_URL.", code="no_database")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"  # read-only: a wrong path must not create an empty file
        try:
            with closing(sqlite3.connect(uri, uri=True, timeout=20)) as source, closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
            with closing(sqlite3.connect(path)) as copy:
                cursor = copy.cursor()
                return read_contents(cursor, self.tables(cursor))
        except sqlite3.Error as error:
            raise BackupError(f"Could not copy the database {self.path}: {error}.", code="tool_failed") from error

    def restore(self, path: Path) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(path)) as backup, closing(sqlite3.connect(self.path, timeout=20)) as live:
                backup.backup(live)
        except sqlite3.Error as error:
            raise BackupError(
                f"The database {self.path} could not be restored and is unchanged: {error}. If it is busy, stop the "
                "site and the job runner and run this again.",
                code="tool_failed",
            ) from error

    @staticmethod
    def tables(cursor) -> set[str]:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in cursor.fetchall()}


def database_for(connection: BaseDatabaseWrapper) -> Database:
    """The backup method for the site's database."""
    kinds = {"postgresql": PostgreSQL, "sqlite": SQLite}
    if connection.vendor not in kinds:
        raise BackupError(
            f"Backups are made of PostgreSQL and SQLite databases; this site uses {connection.display_name}.",
            code="unsupported_database",
        )
    return kinds[connection.vendor](connection.settings_dict)


def tables_of(connection: BaseDatabaseWrapper) -> set[str]:
    return set(connection.introspection.table_names())
