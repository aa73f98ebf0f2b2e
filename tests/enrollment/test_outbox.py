"""E-mail is never lost and never breaks a page: the outbox on the real job runner (the database queue and
`manage.py work`), a real SMTP server that goes down and comes back, and a worker whose database connection drops."""

import datetime
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from enrollment import notifications, services
from enrollment.models import EmailStatus, OutgoingEmail
from tests.factories import make_cohort, make_student, student_details

ROOT = Path(__file__).resolve().parents[2]
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf8", "replace")))
        return "250 Message accepted for delivery"


class MailServer:
    """A real SMTP server on 127.0.0.1 that a test can stop and start again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(settings):
    server = MailServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 2},
        }
    }
    settings.TASKS = DATABASE_QUEUE
    yield server
    server.stop()


def run_jobs() -> None:
    """What `manage.py work` does each minute, once: the minute jobs and every queued task, then exit. (The worker
    closes and reopens database connections as a server does, so these tests commit: transaction=True.)"""
    call_command("work", "--batch", verbosity=0)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_outage_loses_nothing_and_breaks_no_page(client, mail_server):
    cohort = make_cohort(capacity=5)
    start = timezone.now()
    # The server is down: the signup still answers at once, and the e-mail waits in the outbox.
    with at(start):
        response = client.post(
            reverse("enrollment:signup", args=[cohort.pk]),
            {
                "first_name": "Ana",
                "last_name": "Lopez",
                "email": "ana@example.com",
                "phone": "(312) 555-0101",
                "date_of_birth": "1998-04-02",
                "privacy_consent": "on",
            },
        )
        assert response.status_code == 302
        email = OutgoingEmail.objects.get()
        assert email.status == EmailStatus.PENDING
        run_jobs()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at == start + datetime.timedelta(seconds=30)

    # Not due yet: running again spends no attempt (the old worker spent all five in 0.1 s).
    with at(start + datetime.timedelta(seconds=10)):
        run_jobs()
    email.refresh_from_db()
    assert email.attempts == 1

    # Still down at the next tries: the waits double.
    with at(start + datetime.timedelta(seconds=31)):
        run_jobs()
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.next_attempt_at == start + datetime.timedelta(seconds=31 + 60)

    # Back up: the next due try sends it, with the private link.
    mail_server.start()
    with at(start + datetime.timedelta(minutes=5)):
        run_jobs()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 3)
    [(recipients, content)] = mail_server.inbox.messages
    assert recipients == ["ana@example.com"]
    assert email.enrollment.token in content


@pytest.mark.django_db(transaction=True)
def test_an_email_is_retried_for_a_day_then_left_for_staff_who_can_send_it_again(client, mail_server, staff_user):
    enrollment = services.request_seat(cohort=make_cohort(), student=student_details(email="sam@example.com"))
    email = OutgoingEmail.objects.get(enrollment=enrollment)
    start = email.created_at
    tries = 0
    moment = start
    while moment < start + datetime.timedelta(hours=27):
        with at(moment):
            run_jobs()
        tries += 1
        moment += datetime.timedelta(minutes=30)
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    # Tried all day with the waits capped at an hour, not given up on early.
    assert 25 <= email.attempts <= tries

    # Staff see it in the outbox and send it again once the server is back.
    mail_server.start()
    staff = client
    staff.force_login(staff_user)
    outbox = staff.get(reverse("admin:enrollment_outgoingemail_changelist") + "?status=failed")
    assert outbox.status_code == 200
    assert "sam@example.com" in outbox.text
    staff.post(
        reverse("admin:enrollment_outgoingemail_changelist"),
        {"action": "send_selected_again", "_selected_action": [email.pk]},
    )
    run_jobs()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(mail_server.inbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_lost_link_page_answers_the_same_for_known_and_unknown_addresses_with_the_server_down(client, mail_server):
    student = make_student(email="known@example.com")
    services.request_seat(cohort=make_cohort(), student=student_details(email="known@example.com"))
    answers = []
    for address in ("known@example.com", "nobody@example.com"):
        response = client.post(reverse("enrollment:lost_link"), {"email": address}, follow=True)
        page = CSRF_TOKEN.sub("", response.text.replace(address, "ADDRESS"))
        answers.append((response.status_code, response.redirect_chain, page))
    assert answers[0] == answers[1]
    run_jobs()  # the job runner looks the addresses up: one is on file
    [email] = OutgoingEmail.objects.filter(student=student, kind="lost_links")
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)  # the mail server is down; it waits


@pytest.mark.django_db
def test_a_rolled_back_change_queues_no_email(mail_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_seat(cohort=make_cohort(), student=student_details())
        raise RuntimeError("the request failed after the signup")
    assert not OutgoingEmail.objects.exists()


def test_backoff_doubles_from_thirty_seconds_to_at_most_an_hour():
    waits = [notifications.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.django_db
def test_staff_may_see_the_outbox_but_not_add_or_delete(client, staff_user):
    assert Group.objects.get(name="Staff").permissions.filter(codename="view_outgoingemail").exists()
    client.force_login(staff_user)
    assert client.get(reverse("admin:enrollment_outgoingemail_changelist")).status_code == 200
    assert client.get(reverse("admin:enrollment_outgoingemail_add")).status_code == 403


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_worker_carries_on_when_its_database_connection_is_cut(settings):
    """`manage.py work` as a separate process; PostgreSQL cuts its connection; the next e-mail is still sent."""
    settings.TASKS = DATABASE_QUEUE
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_terminate_backend)")
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "ELITE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="elite.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=url,
        DJANGO_CONN_MAX_AGE="600",
        EMAIL_BACKEND="locmem",
        PGAPPNAME="elite-worker-under-test",
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "work", "--interval", "0.2", "--minute", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def wait_until_sent(email: OutgoingEmail) -> bool:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                email.refresh_from_db()
                if email.status == EmailStatus.SENT:
                    return True
                time.sleep(0.2)
            return False

        enrollment = services.request_seat(cohort=make_cohort(), student=student_details())
        first = OutgoingEmail.objects.get(enrollment=enrollment)
        assert wait_until_sent(first), "the worker did not send the first e-mail"

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                ["elite-worker-under-test"],
            )
            cut = cursor.fetchall()
            cursor.execute("SELECT application_name, datname FROM pg_stat_activity")
            assert cut, f"no worker connection to cut: {cursor.fetchall()}"
        services.withdraw(enrollment=enrollment)
        second = OutgoingEmail.objects.get(enrollment=enrollment, kind="withdrawn")
        assert wait_until_sent(second), "the worker stopped when its connection was cut"
        assert worker.poll() is None
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        # The server notices the worker's connection close a moment after the process exits; wait for it, or
        # dropping the test database at the end of the run fails with "being accessed by other users".
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", ["elite-worker-under-test"]
                )
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.1)
    # A task that was running on the connection when it was cut fails (and runs again next minute); the worker must
    # not: every traceback in its output is such a task's, ended by the cut connection.
    cut_errors = ("AdminShutdown", "OperationalError", "InterfaceError", "connection already closed")
    tracebacks = output.split("Traceback (most recent call last):")[1:]
    assert all(any(error in chunk for error in cut_errors) for chunk in tracebacks), output
