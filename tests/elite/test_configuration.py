"""The smaller gaps: reset links on the site's own address, secret keys too weak to serve with, HEAD /healthz."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from elite.checks import WEAK_SECRET_KEY, secret_key_problem

ROOT = Path(__file__).resolve().parents[2]
WEAK = "DJANGO_SECRET_KEY is too easy to guess"


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db
def test_the_reset_email_links_to_the_site_url_whatever_host_the_request_names(
    client, django_user_model, mailoutbox, settings
):
    settings.SITE_URL = "https://enroll.elite-ems.example"
    settings.ALLOWED_HOSTS = ["evil.example", "enroll.elite-ems.example"]  # a forged Host that passes the check
    django_user_model.objects.create_user("dana", "dana@elite-ems.example", "a long enough password")
    response = client.post("/accounts/password_reset/", {"email": "dana@elite-ems.example"}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    (message,) = mailoutbox
    links = re.findall(r"\S+://\S+", message.body)
    assert links
    assert all(link.startswith("https://enroll.elite-ems.example/accounts/reset/") for link in links), links
    assert "evil.example" not in message.body


@pytest.mark.parametrize(
    ("key", "debug", "refused"),
    [
        ("abcde", False, True),
        ("a" * 60, False, True),  # long, but one character
        ("abcd" * 20, False, True),  # four different characters
        (secrets.token_urlsafe(50)[:49], False, True),
        (secrets.token_urlsafe(50), False, False),
        ("abcde", True, False),  # local development
    ],
)
def test_a_weak_secret_key_is_refused_when_serving(settings, key, debug, refused):
    settings.SECRET_KEY, settings.SECRET_KEY_MISSING, settings.DEBUG = key, False, debug
    assert (secret_key_problem() == WEAK_SECRET_KEY) is refused


def test_serving_with_a_five_character_key_stops_with_one_clear_sentence():
    env = {"DJANGO_SECRET_KEY": "abcde"}
    wsgi = run_python("-c", "import elite.wsgi", env=env)
    assert wsgi.returncode != 0
    assert WEAK in wsgi.stderr
    assert "Traceback" not in wsgi.stderr
    runserver = run_python("manage.py", "runserver", "--noreload", "127.0.0.1:8798", env=env)
    assert runserver.returncode != 0
    assert WEAK in runserver.stderr
    deploy = run_python("manage.py", "check", "--deploy", env=env)
    assert deploy.returncode != 0
    assert "elite.E001" in deploy.stderr
    # Commands that sign nothing still run, with a weak key as without one.
    migrations = run_python("manage.py", "makemigrations", "--check", "--dry-run", env=env)
    assert migrations.returncode == 0, migrations.stderr


@pytest.mark.django_db
def test_healthz_answers_head(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert client.post("/healthz").status_code == 405
