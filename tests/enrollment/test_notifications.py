import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from enrollment import notifications, services
from enrollment.models import Enrollment, OutgoingEmail
from tests.factories import make_cohort, student_details

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(notifications.SUBJECTS))
def test_every_email_has_text_and_html_with_the_private_link(kind):
    cohort = make_cohort(code="EMT-2027-SPR-EVE")
    enrollment = services.request_seat(
        cohort=cohort, student=student_details(first_name="Zoë & <Co>", email="zoe@example.com")
    )
    enrollment.reason = "Because <reasons>"
    enrollment.save(update_fields=["reason"])
    mail.outbox.clear()

    notifications.send_enrollment_email(enrollment, kind)

    message = mail.outbox[0]
    assert message.to == ["zoe@example.com"]
    assert "EMT-2027-SPR-EVE" in message.subject
    assert "Zoë & <Co>" in message.body  # plain text is not HTML-escaped
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Zoë &amp; &lt;Co&gt;" in html  # the HTML part is
    if kind not in {"offer_lapsed", "withdrawn", "rejected"}:
        assert f"/my/{enrollment.token}/" in message.body


def test_the_waitlist_email_says_the_place_in_line(mailoutbox, django_capture_on_commit_callbacks):
    cohort = make_cohort(capacity=1)
    services.request_seat(cohort=cohort, student=student_details())
    services.request_seat(cohort=cohort, student=student_details())
    with django_capture_on_commit_callbacks(execute=True):
        third = services.request_seat(cohort=cohort, student=student_details())

    assert third.status == "WAITLISTED"
    assert "you are #2." in mailoutbox[-1].body


@pytest.mark.parametrize(
    ("hours", "sentence"), [(1, "the offer holds for 1 hour."), (48, "the offer holds for 48 hours.")]
)
def test_the_waitlist_email_says_how_long_an_offer_holds(hours, sentence):
    cohort = make_cohort(capacity=1, offer_hours=hours)
    services.request_seat(cohort=cohort, student=student_details())
    enrollment = services.request_seat(cohort=cohort, student=student_details())
    assert enrollment.status == "WAITLISTED"
    mail.outbox.clear()
    notifications.send_enrollment_email(enrollment, "waitlisted")
    assert sentence in " ".join(mail.outbox[0].body.split())


def test_the_html_email_says_which_language_it_is_in():
    from django.utils import translation

    cohort = make_cohort()
    enrollment = services.request_seat(cohort=cohort, student=student_details())
    mail.outbox.clear()
    notifications.send_enrollment_email(enrollment, "enrolled")
    with translation.override("es"):
        notifications.send_enrollment_email(enrollment, "enrolled")
    assert '<html lang="en-us">' in mail.outbox[0].alternatives[0][0]
    assert '<html lang="es">' in mail.outbox[1].alternatives[0][0]


def test_lost_links_lists_every_enrollment():
    one, two = make_cohort(), make_cohort()
    first = services.request_seat(cohort=one, student=student_details(email="pat@example.com"))
    second = services.request_seat(cohort=two, student=student_details(email="pat@example.com"))
    mail.outbox.clear()
    notifications.send_lost_links(first.student)
    assert first.token in mail.outbox[0].body
    assert second.token in mail.outbox[0].body


def test_expire_offers_command_lapses_offers(capsys):
    cohort = make_cohort(capacity=1)
    seated = services.request_seat(cohort=cohort, student=student_details())
    waiting = services.request_seat(cohort=cohort, student=student_details())
    services.withdraw(enrollment=seated)
    Enrollment.objects.filter(pk=waiting.pk).update(offer_expires_at="2000-01-01T00:00:00Z")
    call_command("expire_offers")
    assert "1 expired offer lapsed." in capsys.readouterr().out
    waiting.refresh_from_db()
    assert waiting.status == "LAPSED"
    call_command("expire_offers")
    assert "0 expired offers lapsed." in capsys.readouterr().out


@pytest.fixture
def queued(settings):
    """The database queue, with nobody running the worker: e-mails wait in the outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_an_email_is_written_with_the_change_and_sent_later(queued, django_capture_on_commit_callbacks):
    cohort = make_cohort()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = services.request_seat(cohort=cohort, student=student_details(email="q@example.com"))
    assert mail.outbox == []
    queued_email = OutgoingEmail.objects.get()
    assert (queued_email.enrollment, queued_email.kind, queued_email.status) == (enrollment, "enrolled", "pending")

    assert notifications.deliver(queued_email.pk) == "sent"
    assert mail.outbox[0].to == ["q@example.com"]
    assert enrollment.token in mail.outbox[0].body
    queued_email.refresh_from_db()
    assert queued_email.sent_at is not None
    assert notifications.deliver(queued_email.pk) == "skipped"  # sent once only


def test_a_rolled_back_change_queues_nothing(queued):
    cohort = make_cohort()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_seat(cohort=cohort, student=student_details())
        raise RuntimeError("roll back")
    assert not OutgoingEmail.objects.exists()


def test_a_refusing_mail_server_is_recorded_and_retried(queued, settings):
    services.request_seat(cohort=make_cohort(), student=student_details())
    email = OutgoingEmail.objects.get()
    # A real SMTP connection to a port where nothing listens: refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    assert notifications.deliver(email.pk) == "retry"
    email.refresh_from_db()
    assert (email.attempts, email.status, email.sent_at) == (1, "pending", None)
    assert "ConnectionRefusedError" in email.last_error
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert notifications.deliver(email.pk) == "sent"


def test_send_queued_email_command_sends_what_is_due(queued, capsys):
    services.request_seat(cohort=make_cohort(), student=student_details())
    call_command("send_queued_email")
    assert "1 e-mail tried." in capsys.readouterr().out
    assert len(mail.outbox) == 1
