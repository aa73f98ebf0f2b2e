"""/healthz: ok while the database answers, 503 when it does not."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    # Point the connection at a database that does not exist: a real failure, not a mocked one.
    settings_dict = connection.settings_dict
    connection.close()
    monkeypatch.setitem(
        settings_dict,
        "NAME",
        "/nonexistent-dir/elite.sqlite3" if connection.vendor == "sqlite" else "no_such_database_elite",
    )
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
    assert response.status_code == 503
