"""Failed logins are throttled by django-axes: 5 failures lock a username on one address out for 15 minutes."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
LOCKED_OUT = "locked out for 15 minutes"


@pytest.fixture
def instructor():
    return get_user_model().objects.create_user("instructor1", password=PASSWORD)


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True)


def fail(client, url: str, username: str, times: int, **extra) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong-password"}, **extra).status_code
        for _ in range(times)
    ]


def test_five_failures_lock_the_site_login_even_for_the_right_password(client, instructor):
    assert fail(client, "/accounts/login/", "instructor1", 4) == [200] * 4
    fifth = client.post("/accounts/login/", {"username": "instructor1", "password": "wrong-password"})
    assert fifth.status_code == 429
    response = client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert LOCKED_OUT in page
    assert "Reset your password" in page
    assert client.get("/instructor/").status_code == 302  # not logged in


def test_five_failures_lock_the_admin_login_too(client, staff):
    fail(client, "/admin/login/", "staff", 5)
    response = client.post("/admin/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_failures_on_the_admin_and_the_site_login_add_up(client, staff):
    fail(client, "/admin/login/", "staff", 3)
    fail(client, "/accounts/login/", "staff", 2)
    assert client.post("/accounts/login/", {"username": "staff", "password": PASSWORD}).status_code == 429


def test_the_lock_is_per_username_and_address(client, instructor, staff):
    fail(client, "/accounts/login/", "instructor1", 5)
    # Another user on the same address, and the same user on another address, still log in.
    assert client.post("/accounts/login/", {"username": "staff", "password": PASSWORD}).status_code == 302
    client.logout()
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    response = client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}, **other_address)
    assert response.status_code == 302


def test_a_reset_lets_a_locked_out_user_in_again(client, instructor):
    fail(client, "/accounts/login/", "instructor1", 5)
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 429
    reset(username="instructor1")
    response = client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/instructor/"


def test_the_lock_lifts_after_15_minutes(client, instructor):
    fail(client, "/accounts/login/", "instructor1", 5)
    fourteen_minutes_ago = AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=14)
    AccessAttempt.objects.update(attempt_time=fourteen_minutes_ago)
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=fourteen_minutes_ago - datetime.timedelta(minutes=2))
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 302


def test_a_successful_login_clears_earlier_failures(client, instructor):
    fail(client, "/accounts/login/", "instructor1", 4)
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 302
    client.logout()
    assert fail(client, "/accounts/login/", "instructor1", 4) == [200] * 4
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 302


def test_choosing_a_new_password_through_the_emailed_link_lifts_the_lock_out(client, instructor, mailoutbox):
    instructor.email = "instructor1@example.com"
    instructor.save()
    fail(client, "/accounts/login/", "instructor1", 5)
    assert client.post("/accounts/login/", {"username": "instructor1", "password": PASSWORD}).status_code == 429

    client.post("/accounts/password_reset/", {"email": "instructor1@example.com"})
    # The e-mailed link is on the site's public address (SITE_URL), not the test client's host name.
    link = re.search(rf"{re.escape(settings.SITE_URL)}(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)  # Django swaps the token for a session value and redirects
    new_password = "a-New-pass-4-class"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert "Your new password is set." in done.content.decode()

    response = client.post("/accounts/login/", {"username": "instructor1", "password": new_password})
    assert response.status_code == 302
    assert response["Location"] == "/instructor/"
