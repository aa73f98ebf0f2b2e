"""Fixtures of the enrollment back office: the CPR card type, a cohort whose signups wait for review, admin actions
posted from a changelist, and credential evidence."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import make_cohort, make_course, make_credential_type, make_requirement

SCANNED_CARD = b"%PDF-1.4\n% a scanned CPR card\n"


@pytest.fixture
def cpr():
    return make_credential_type("CPR_BLS", "CPR/BLS card")


@pytest.fixture
def reviewed_cohort(cpr):
    """An EMT cohort whose CPR card staff must verify: every signup starts pending review."""
    course = make_course()
    make_requirement(course, cpr, needs_verification=True)
    return make_cohort(course, code="EMT-2027-SPR-EVE", capacity=3)


@pytest.fixture
def run_action():
    """run_action(client, action, objects, url=<enrollment changelist>, **extra): post an admin action from the
    changelist at `url` on the selected objects."""

    def run_action(client, action: str, selected, url: str | None = None, **extra):
        url = url or reverse("admin:enrollment_enrollment_changelist")
        return client.post(url, {"action": action, "_selected_action": [o.pk for o in selected], "index": "0", **extra})

    return run_action


@pytest.fixture
def with_evidence():
    """with_evidence(credential, content=<a small PDF>, name="card.pdf"): the credential, with that file uploaded."""

    def with_evidence(credential, content: bytes = SCANNED_CARD, name: str = "card.pdf"):
        credential.evidence.save(name, ContentFile(content), save=True)
        return credential

    return with_evidence


@pytest.fixture
def evidence_url():
    """evidence_url(credential): the back office's view of the credential's uploaded file."""

    def evidence_url(credential) -> str:
        return reverse("admin:enrollment_credential_evidence", args=[credential.pk])

    return evidence_url
