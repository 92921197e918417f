"""What the fault tests share: an SMTP server that counts what it receives, and waiting on other processes."""

import email
import threading
import time
from collections import Counter
from collections.abc import Callable

from aiosmtpd.controller import Controller
from django.db import connection

from tests.processes import free_port


class CountingSmtp:
    """A real SMTP server on loopback (aiosmtpd) that keeps the Message-ID of every message it accepts."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        """The worker's TEST_WORKER_EMAIL_URL."""
        return f"smtp://127.0.0.1:{self.controller.port}?timeout=10"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.message_ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"

    def duplicated(self) -> int:
        """Messages received more than once (each copy beyond the first counts)."""
        with self.lock:
            return sum(count - 1 for count in Counter(self.message_ids).values())


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, poll: float = 0.05) -> None:
    """Poll ``condition`` (the state of other processes: the database, the broker) until it holds."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return
        threading.Event().wait(poll)
    raise AssertionError(f"not within {timeout} s: {what}")


def broker_empty(app) -> None:
    """Nothing queued, and nothing left unacknowledged by the workers that earlier tests killed (their messages wait
    for the visibility timeout there): ``queue_drained`` then sees this test's tasks alone."""
    with app.connection_for_write() as broker:
        broker.default_channel.client.delete("celery", "unacked", "unacked_index")


def queue_drained(app, *, checks: int = 4) -> bool:
    """Nothing waits in the broker's queue and nothing taken is unacknowledged (tasks are acknowledged late, when
    done), on ``checks`` looks in a row a moment apart (a message is neither for an instant as a worker takes it)."""
    with app.connection_for_write() as broker:
        client = broker.default_channel.client
        for _ in range(checks):
            if client.llen("celery") or client.hlen("unacked"):
                return False
            threading.Event().wait(0.1)
    return True


def workers_waiting(app, *, workers: int = 1) -> bool:
    """At least ``workers`` workers wait on the broker for tasks (each a connection whose last command is BRPOP)."""
    with app.connection_for_write() as broker:
        clients = broker.default_channel.client.client_list()
    return sum(1 for client in clients if client.get("cmd") == "brpop") >= workers


def pending_emails() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM outbox_outboxmessage WHERE channel = 'email' AND status IN ('queued', 'failed')"
        )
        return cursor.fetchone()[0]
