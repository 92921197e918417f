"""A Redis outage, stopped or hung, as a web process lives it (issue 26, item 4): the API answers without
waiting on Redis's retries, /readyz keeps the instance in the load balancer, and nothing is lost: once Redis
is back, the sweep does what the lost tasks would have done.

The web is a real gunicorn process started with production's Celery settings, its REDIS_URL the Redis under
test: a redis-server of the test's own (started, stopped, started again on the same port) or a loopback
listener that accepts and never answers. Time bounds come from the settings' timeouts, with room to spare.
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from rest_framework.authtoken.models import Token

from config.celery import app
from outbox import tasks as outbox_tasks
from recovery import tasks
from recovery.models import Notification
from tests.helpers import email_of, emails_unsent, purge_queue
from tests.processes import free_port, thread_worker
from tests.recovery.test_worker import broker_at, hung_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]


def publish_bound() -> float:
    """The longest one send may wait on the broker under the settings: each try (the first and the
    transport's retries) a connect and a read, each within REDIS_TIMEOUT_SECONDS; with a second to spare."""
    tries = 1 + settings.CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"]
    return tries * 2 * settings.REDIS_TIMEOUT_SECONDS + 1.0


@contextmanager
def web(redis_url: str, tmp_path, **env: str):
    """gunicorn serving the project (one sync worker) on the test database, with ``redis_url`` as its Redis."""
    database = connection.settings_dict
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"]
    with open(tmp_path / "web.log", "w") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        give_up = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "web.log").read_text()
            assert time.monotonic() < give_up, (tmp_path / "web.log").read_text()
            time.sleep(0.1)  # polling a process we started, until it serves
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


class Tablet:
    """frontline1 on the API over HTTP, timing each request."""

    def __init__(self, url: str, user) -> None:
        token, _ = Token.objects.get_or_create(user=user)
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Token {token.key}"}, timeout=120)

    def post(self, path: str, body: dict) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = self.client.post(path, json=body)
        return response, time.monotonic() - started

    def waiting_for_approval(self) -> tuple[httpx.Response, float, httpx.Response, float]:
        """Log a complaint, apologize, respond above the limit (which sends a task); the create and the respond."""
        body = {"channel": "in_person", "category": "food_quality", "severity": "high", "stage": "in_sale"}
        created, create_took = self.post("/api/v1/complaints/", {**body, "description": "The soup was cold."})
        assert created.status_code == 201, created.text
        path = f"/api/v1/complaints/{created.json()['id']}"
        assert self.post(f"{path}/apologize/", {"note": "Sorry"})[0].status_code == 200
        compensation = [{"kind": "voucher", "amount": "80.00", "note": ""}]
        responded, respond_took = self.post(
            f"{path}/respond/", {"resolution": "Hot soup", "compensation": compensation}
        )
        return created, create_took, responded, respond_took


def test_with_redis_stopped_the_api_answers_without_waiting_and_nothing_is_lost_when_it_is_back(
    org, limits, sla, own_redis, tmp_path, finished
):
    """The finding: 10-19 s a request (the result backend's 20 reconnects), p99 19.1 s, 50 → 4 req/s."""
    with web(own_redis.url, tmp_path) as url:
        tablet = Tablet(url, org.frontline1)
        own_redis.stop()
        created, create_took, responded, respond_took = tablet.waiting_for_approval()
        ready = httpx.get(f"{url}/readyz", timeout=30)

    assert (created.status_code, create_took < publish_bound()) == (201, True)
    assert (responded.status_code, responded.json()["status"]) == (200, "awaiting_approval")
    assert respond_took < publish_bound(), respond_took  # one short try, not the retries
    # Ready: this instance serves without Redis, and every instance shares the one Redis.
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert ready.json()["checks"]["redis"].startswith("error")
    assert not Notification.objects.exists()  # the task that tells the approvers was lost with Redis

    own_redis.start()  # back, empty: what was lost is not in it
    with broker_at(own_redis.url), thread_worker(app):
        tasks.sweep_due.delay()  # beat, once Redis is back
        finished.wait_for("recovery.tasks.sweep_due")
        outbox_tasks.outbox_send_due.delay()  # and beat's poll of the outbox
        finished.wait_until(lambda: not emails_unsent())

    told = Notification.objects.get()
    assert (told.recipient, told.kind, email_of(told).status) == (org.supervisor1, "approval_requested", "sent")
    assert [message.to for message in mail.outbox] == [[org.supervisor1.email]]


def test_with_redis_hung_one_request_pays_the_timeout_and_the_next_ones_none(org, limits, sla, tmp_path, finished):
    """A hung Redis costs a process one short try; for BROKER_PAUSE_SECONDS after it, no request waits on it."""
    with hung_redis() as hung_url, web(hung_url, tmp_path, BROKER_PAUSE_SECONDS="60") as url:
        tablet = Tablet(url, org.frontline1)
        first = tablet.waiting_for_approval()
        second = tablet.waiting_for_approval()
        started = time.monotonic()
        ready = httpx.get(f"{url}/readyz", timeout=30)
        ready_took = time.monotonic() - started

    assert [(answer[2].status_code, answer[2].json()["status"]) for answer in (first, second)] == [
        (200, "awaiting_approval")
    ] * 2
    assert first[3] < publish_bound(), first[3]
    assert second[3] < settings.REDIS_TIMEOUT_SECONDS, second[3]  # did not try Redis at all
    assert (ready.status_code, ready.json()["status"], ready_took < publish_bound()) == (200, "degraded", True)
    assert ready.json()["checks"]["redis"] == "error: TimeoutError"

    purge_queue()
    with thread_worker(app):  # Redis back (the shared one)
        tasks.sweep_due.delay()
        [swept] = finished.wait_for("recovery.tasks.sweep_due")
        outbox_tasks.outbox_send_due.delay()
        finished.wait_until(lambda: not emails_unsent())
    assert swept["deadlines"] >= 2, swept
    assert Notification.objects.filter(recipient=org.supervisor1, kind="approval_requested").count() == 2
