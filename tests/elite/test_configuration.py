"""The smaller gaps: reset links on the site's own address."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
def test_the_reset_email_links_to_the_site_url_whatever_host_the_request_names(
    client, django_user_model, mailoutbox, settings
):
    settings.SITE_URL = "https://enroll.elite-ems.example"
    settings.ALLOWED_HOSTS = ["evil.example", "enroll.elite-ems.example"]  # a forged Host that passes the check
    django_user_model.objects.create_user("dana", "dana@elite-ems.example", "a long enough password")
    response = client.post("/accounts/password_reset/", {"email": "dana@elite-ems.example"}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    (message,) = mailoutbox
    links = re.findall(r"\S+://\S+", message.body)
    assert links
    assert all(link.startswith("https://enroll.elite-ems.example/accounts/reset/") for link in links), links
    assert "evil.example" not in message.body
