"""Test settings: the real settings, with a throwaway secret key and plain-http cookies for the live server."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_HTTPS", "0")

from elite.settings import *  # noqa: E402, F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Serve static files from the source folders (no collectstatic in tests), as `runserver` does.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file per test process, so two runs side by side (an editor's and a terminal's) do not trample each other.
    DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / f"test-db-{os.getpid()}.sqlite3"}  # noqa: F405

# Tests look at the database's truth on every request; the page cache has its own test.
PUBLIC_PAGE_CACHE_SECONDS = 0

# Tasks run as they are enqueued (after the commit that enqueues them), so a test sees its e-mails in mail.outbox.
# The database queue and its worker have their own tests (tests/enrollment/test_outbox.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
