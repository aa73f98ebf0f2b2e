"""The job runner: django-tasks-db's worker, the minute jobs, and a restart when the database goes away."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connections
from django.tasks import task_backends
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("enrollment.work")

# After the database drops the connection, wait 1 s, then twice as long each time, at most 30 s, and carry on.
LONGEST_PAUSE = 30.0


def enqueue_minute_jobs() -> None:
    for path in settings.MINUTE_JOBS:
        try:
            import_string(path).enqueue()
        except Exception:  # the database may be down: the next minute tries again
            logger.exception("Could not enqueue %s", path)
    close_old_connections()


class Command(BaseCommand):
    help = (
        "Run the background work: queued e-mails and other tasks as they come, and every minute the minute jobs "
        "(lapse expired offers and pass seats on, send e-mails whose retry is due). Keep one running beside the web "
        "servers (more for a busy school); it survives the database restarting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--minute", type=float, default=60.0, help="seconds between runs of the minute jobs")
        parser.add_argument(
            "--batch", action="store_true", help="run the minute jobs once and every queued task, then exit"
        )

    def handle(self, *args, interval: float, minute: float, batch: bool, **options) -> None:
        if options["verbosity"] == 0:  # each task's start and end otherwise go to the log
            for name in ("django.tasks", "django_tasks_db"):
                logging.getLogger(name).setLevel(logging.WARNING)
        backend = task_backends["default"]
        if not isinstance(backend, DatabaseBackend):
            # Another backend runs its tasks elsewhere (RQ's workers) or at once (the immediate backend): only the
            # minute jobs are ours to start.
            enqueue_minute_jobs()
            if batch:
                return
            while True:
                time.sleep(minute)
                enqueue_minute_jobs()

        if batch:
            enqueue_minute_jobs()
            self._worker(interval, batch=True).run()
            return

        stop = threading.Event()
        ticker = threading.Thread(target=self._tick, args=(minute, stop), name="minute-jobs", daemon=True)
        ticker.start()
        pause = 1.0
        try:
            while True:
                worker = self._worker(interval, batch=False)
                worker.configure_signals()
                try:
                    worker.run()
                except DatabaseError as error:
                    logger.warning("Database unavailable (%s); trying again in %.0f s.", error, pause)
                    for connection in connections.all():
                        connection.close_if_unusable_or_obsolete()
                    time.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE)
                    continue
                if not worker.running:  # stopped by a signal
                    return
                pause = 1.0
        finally:
            stop.set()

    def _worker(self, interval: float, *, batch: bool) -> Worker:
        return Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )

    def _tick(self, minute: float, stop: threading.Event) -> None:
        while not stop.is_set():
            enqueue_minute_jobs()
            stop.wait(minute)
