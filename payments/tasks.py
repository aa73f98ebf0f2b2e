"""The payments app's minute jobs, run by `manage.py work` beside the other apps' (settings.MINUTE_JOBS)."""

from django.tasks import task

from payments import services


@task
def send_payment_reminders() -> int:
    """E-mail students 7 and 1 days before an instalment falls due, once when it is overdue, and 3 and 1 days before
    a deposit's last day (each once)."""
    return services.send_payment_reminders()


@task
def lapse_unpaid_deposits() -> int:
    """Lapse every seat whose deposit was not paid in time, passing each seat on to the waitlist in order."""
    return services.lapse_unpaid_deposits()
