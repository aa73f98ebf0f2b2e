"""Does the site still work on a restored database? Run by test_backup_restore.py in its own process, with the real
settings (elite.settings, debug on) and DATABASE_URL and DJANGO_MEDIA_ROOT naming what was restored.

argv[1] is a JSON object of what to try (the time to run at, a private link's token, a staff login, a cohort to sign
up for, a credential with evidence); it prints a JSON object of what it saw, for the test to compare.
"""

import datetime
import hashlib
import json
import sys

import django
import time_machine


def main(given: dict) -> dict:
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from enrollment.models import AuditEvent, Credential, Enrollment

    setup_test_environment()  # the test client's host name, e-mail kept in memory
    seen = {}

    # The audit trail first, before the requests below add to it.
    seen["audit_trail"] = [list(row) for row in AuditEvent.objects.order_by("pk").values_list("pk", "action")]
    seen["audit_trail_refuses"] = []
    event = AuditEvent.objects.order_by("pk").first()
    for attempt, change in [
        ("save", lambda: event.save()),
        ("update", lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")),
        ("delete", lambda: AuditEvent.objects.filter(pk=event.pk).delete()),
    ]:
        try:
            change()
        except TypeError:
            seen["audit_trail_refuses"].append(attempt)

    # An old private link.
    page = Client().get(f"/my/{given['token']}/")
    seen["private_link"] = [page.status_code, given["cohort_code"] in page.text]

    # A staff login with the password set before the backup, then the admin index.
    staff = Client()
    login = staff.post(
        "/admin/login/?next=/admin/",
        {"username": given["username"], "password": given["password"], "next": "/admin/"},
    )
    index = staff.get("/admin/")
    # The Staff group's permissions came back too: the index links to the enrollments.
    logged_in = given["username"] in index.text and 'href="/admin/enrollment/enrollment/"' in index.text
    seen["staff_login"] = [login.status_code, login.get("Location"), index.status_code, logged_in]

    # A new signup.
    before = Enrollment.objects.count()
    signup = Client().post(
        f"/cohorts/{given['cohort_pk']}/signup/",
        {
            "first_name": "Noor",
            "last_name": "Haddad",
            "email": "noor.haddad@example.com",
            "phone": "(312) 555-0199",
            "date_of_birth": "1999-09-09",
            "privacy_consent": "on",
        },
    )
    seen["signup"] = [signup.status_code, Enrollment.objects.count() - before]

    # The evidence file, byte for byte.
    with Credential.objects.get(pk=given["credential_pk"]).evidence.open("rb") as file:
        seen["evidence_sha256"] = hashlib.sha256(file.read()).hexdigest()
    return seen


if __name__ == "__main__":
    given = json.loads(sys.argv[1])
    # The test's clock (ELITE_TEST_TODAY moves it), so dates made there mean the same here.
    with time_machine.travel(datetime.datetime.fromisoformat(given["now"]), tick=True):
        print(json.dumps(main(given)))
