"""The clinical app's minute job, run by `manage.py work` beside the enrollment app's."""

from django.tasks import task

from clinical import services


@task
def send_preceptor_links() -> int:
    """E-mail a sign-off link to the preceptor of every shift that has just ended."""
    return services.send_links_for_ended_shifts()


@task
def remind_expiring_documents() -> int:
    """E-mail students whose clearance documents expire in 30 or 7 days (once each)."""
    return services.remind_expiring_documents()
