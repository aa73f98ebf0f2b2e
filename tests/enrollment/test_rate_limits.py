"""Rate limits that hold: the client's real address behind a trusted proxy (and nothing a header forges), fixed
windows, atomic counters under 80 parallel requests, typos that spend no budget."""

import datetime
import socket
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from enrollment import throttling
from enrollment.models import RateCounter
from tests.factories import make_cohort

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.1"


def form_data(i: int, **overrides) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": f"visitor{i}@example.com",
        "phone": "(312) 555-0101",
        "date_of_birth": "1998-04-02",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return data


def signup_statuses(client, cohort, visitors: list[str], **extra) -> list[int]:
    url = reverse("enrollment:signup", args=[cohort.pk])
    return [
        client.post(url, form_data(i), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=visitor, **extra).status_code
        for i, visitor in enumerate(visitors)
    ]


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.SIGNUP_RATE_LIMIT = "20/h"
    visitors = [f"198.51.100.{i}" for i in range(25)]
    assert 429 not in signup_statuses(client, make_cohort(capacity=50), visitors)


def test_with_no_proxy_trusted_a_forwarding_header_changes_nothing(client, settings):
    settings.TRUSTED_PROXIES = 0
    settings.SIGNUP_RATE_LIMIT = "20/h"
    visitors = [f"198.51.100.{i}" for i in range(25)]  # forged: the connection is the proxy's (or the attacker's)
    statuses = signup_statuses(client, make_cohort(capacity=50), visitors)
    assert statuses.count(429) == 5
    assert 429 not in statuses[:20]


def test_forged_entries_left_of_the_proxys_own_are_ignored(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.SIGNUP_RATE_LIMIT = "20/h"
    # One attacker (203.0.113.66, as the proxy saw them) prepends a new made-up address to every request.
    visitors = [f"192.0.2.{i}, 203.0.113.66" for i in range(25)]
    assert signup_statuses(client, make_cohort(capacity=50), visitors).count(429) == 5


@pytest.mark.parametrize(
    ("hops", "header", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 172.16.0.9", "198.51.100.7"),
        (1, "", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),
    ],
)
def test_client_address(rf, settings, hops, header, expected):
    settings.TRUSTED_PROXIES = hops
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)
    assert throttling.client_address(request) == expected


def test_the_window_is_fixed_and_a_hit_does_not_extend_it():
    start = datetime.datetime(2027, 3, 2, 14, 0, 1, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert all(throttling.allow_key(scope="t", key="a", rate="20/h") for _ in range(20))
        assert not throttling.allow_key(scope="t", key="a", rate="20/h")
    # The old limit forgot after five minutes; this one holds to the end of the hour, however often it is hit.
    for minutes in (5, 30, 59):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            assert not throttling.allow_key(scope="t", key="a", rate="20/h")
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        assert throttling.allow_key(scope="t", key="a", rate="20/h")
    # The minute job clears finished windows.
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):
        assert throttling.forget_expired_counters() == 2
    assert not RateCounter.objects.exists()


def test_typos_do_not_spend_the_signup_budget(client, settings):
    settings.SIGNUP_RATE_LIMIT = "3/h"
    cohort = make_cohort(capacity=50)
    url = reverse("enrollment:signup", args=[cohort.pk])
    typos = [client.post(url, form_data(i, phone="12")).status_code for i in range(10)]
    assert typos == [200] * 10  # each told what to fix, none refused
    assert client.post(url, form_data(99)).status_code == 302


def test_every_post_counts_toward_a_higher_ceiling(client, settings):
    settings.SIGNUP_POST_LIMIT = "5/h"
    cohort = make_cohort(capacity=50)
    url = reverse("enrollment:signup", args=[cohort.pk])
    statuses = [client.post(url, form_data(i, phone="12")).status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]


def test_the_login_lock_out_uses_the_address_behind_the_proxy(settings, django_user_model):
    settings.TRUSTED_PROXIES = 1
    django_user_model.objects.create_user("instructor1", password="pw-for-tests-123")
    attacker, teacher = Client(), Client()
    for _ in range(5):
        attacker.post(
            "/accounts/login/",
            {"username": "instructor1", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    # The same proxy, another visitor: not locked out by someone else's failures.
    response = teacher.post(
        "/accounts/login/",
        {"username": "instructor1", "password": "pw-for-tests-123"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302


# --- atomic under concurrency ------------------------------------------------------------------------------------


def race(n: int, rate: str) -> int:
    barrier = threading.Barrier(n)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hit() -> None:
        try:
            barrier.wait(timeout=30)
            ok = throttling.allow_key(scope="race", key="203.0.113.5", rate=rate)
            with lock:
                allowed.append(ok)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == n
    return sum(allowed)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_80_parallel_attempts_against_a_limit_of_20_let_exactly_20_through_on_the_database(settings):
    if connection.vendor != "postgresql":
        pytest.skip("threads racing need a database server (PostgreSQL)")
    settings.REDIS_URL = ""
    assert race(80, "20/h") == 20


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_80_parallel_attempts_against_a_limit_of_20_let_exactly_20_through_on_redis(settings):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    settings.REDIS_URL = "redis://127.0.0.1:6379/14"
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL},
    }
    from django.core.cache import cache

    cache.clear()
    assert race(80, "20/h") == 20
    assert not RateCounter.objects.exists()  # counted in Redis, not the database
