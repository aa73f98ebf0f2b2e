"""The project's settings: without a secret key nothing is served, commands that sign nothing still run, a
nonsense DJANGO_DEBUG is reported, and production settings pass the deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_django(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serving_without_a_secret_key_stops_with_one_clear_sentence():
    sentence = "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_"))}
    wsgi = subprocess.run(
        [sys.executable, "-c", "import elite.wsgi"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert wsgi.returncode != 0
    assert sentence in wsgi.stderr
    assert "Traceback" not in wsgi.stderr
    runserver = run_django("runserver", "--noreload", "127.0.0.1:8799", env={})
    assert runserver.returncode != 0
    assert sentence in runserver.stderr
    assert "Traceback" not in runserver.stderr
    deploy = run_django("check", "--deploy", env={})
    assert deploy.returncode != 0
    assert "elite.E001" in deploy.stderr


def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = run_django("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_nonsense_debug_value_is_reported():
    result = run_django("check", env={"DJANGO_DEBUG": "maybe"})
    assert "DJANGO_DEBUG must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_with_production_settings_is_clean():
    result = run_django(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "elite-ems.example",
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "smtp.elite-ems.example",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_debug_mode_runs_without_a_secret_key():
    result = run_django("check", env={"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_postgresql_connections_open_no_server_side_cursors():
    """Behind PgBouncer in transaction mode a cursor cannot outlive its transaction, and PostgreSQL plans a cursor
    for its first rows (a sponsor's cohorts took 150 ms instead of 6 at scale): Django's select fields fetch their
    choices in one query instead."""
    script = "from django.conf import settings; print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    postgres = run_django(
        "shell", "-c", script, env={"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    )
    assert postgres.stdout.strip().splitlines()[-1] == "True", postgres.stderr
