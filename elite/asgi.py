"""ASGI entry point."""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elite.settings")

application = get_asgi_application()

from elite.checks import secret_key_problem  # noqa: E402 - needs the settings loaded above

if problem := secret_key_problem():
    # Refuse to serve with a sentence, not with a traceback on the first request. Exit status 3 is gunicorn's
    # "worker failed to boot": the server stops instead of starting workers again and again.
    print(f"elite is not configured: {problem}", file=sys.stderr)
    sys.exit(3)
