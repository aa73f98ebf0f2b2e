#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elite.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a configuration mistake plainly
    except ImproperlyConfigured as error:
        sys.exit(f"elite is not configured: {error}")
    if len(sys.argv) > 1 and sys.argv[1] == "runserver":
        from elite.checks import secret_key_problem

        if problem := secret_key_problem():
            sys.exit(f"elite is not configured: {problem}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
