import datetime
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from enrollment.models import Enrollment, EnrollmentStatus
from tests.factories import make_cohort, make_session, make_student

ROOT = Path(__file__).resolve().parent.parent
S = EnrollmentStatus


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


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    # Point the connection at a database that does not exist: a real failure, not a mocked one.
    settings_dict = connection.settings_dict
    connection.close()
    monkeypatch.setitem(
        settings_dict,
        "NAME",
        "/nonexistent-dir/elite.sqlite3" if connection.vendor == "sqlite" else "no_such_database_elite",
    )
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
    assert response.status_code == 503


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_inline_script(client):
    make_cohort()
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert "style=" not in html


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:
            continue  # e-mail clients need inline styles; e-mails are not served under our CSP
        text = path.read_text()
        if "<script>" in text or " style=" in text or "<style" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
def test_capacity_cannot_be_negative():
    cohort = make_cohort()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(cohort).objects.filter(pk=cohort.pk).update(capacity=-1)


@pytest.mark.django_db
def test_session_must_end_after_it_starts():
    cohort = make_cohort()
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(cohort, starts_at=start, ends_at=start)


@pytest.mark.django_db
def test_one_live_enrollment_per_student_and_cohort():
    cohort, student = make_cohort(), make_student()
    Enrollment.objects.create(student=student, cohort=cohort, status=S.WITHDRAWN)
    Enrollment.objects.create(student=student, cohort=cohort, status=S.ENROLLED)  # ended ones do not count
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=student, cohort=cohort, status=S.WAITLISTED)


@pytest.mark.django_db
def test_student_email_is_unique_whatever_its_case():
    make_student(email="Case@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_student(email="case@example.com")


@pytest.mark.django_db
def test_an_offer_needs_a_deadline():
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=make_student(), cohort=make_cohort(), status=S.OFFERED)


@pytest.mark.django_db
def test_cohort_cannot_end_before_it_starts():
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_cohort(starts_on=today, ends_on=today - datetime.timedelta(days=1))
