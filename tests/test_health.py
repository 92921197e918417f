"""/healthz answers while the process runs; /readyz when the database is usable and migrated, saying how Redis is
(without it the web still works, and every instance shares it: its outage must not take them all out)."""

import socket

import pytest
from django.db import connection


def test_healthz_answers_without_authentication(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_database_migrated_and_redis_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_the_database_is_unreachable(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(PORT=str(closed_port()), HOST="127.0.0.1")
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_readyz_stays_ready_but_degraded_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "migrations": "ok", "redis": "error: ConnectionError"},
    }


@pytest.mark.django_db
def test_readyz_answers_within_a_second_when_redis_hangs(client, settings):
    # A socket that accepts connections and never answers: the ping must time out, not hang.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        settings.REDIS_URL = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        settings.REDIS_TIMEOUT_SECONDS = 0.3
        response = client.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert response.json()["checks"]["redis"] == "error: TimeoutError"


@pytest.mark.django_db
def test_unknown_api_urls_answer_json_404(client):
    response = client.get("/api/v1/complaints/not-a-uuid/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
