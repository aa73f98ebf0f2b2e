"""WSGI entry point: `gunicorn elite.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elite.settings")

application = get_wsgi_application()
