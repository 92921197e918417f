"""The scheduling path end to end: beat's sweep task, a real Celery worker, real Redis and PostgreSQL.

Time is injected through the data (complaints logged minutes "ago" through the services), not
frozen: the worker runs on the real clock. The tests wait for the worker's tasks to finish by
listening to its ``task_postrun`` signal, never by sleeping.
"""

import signal
import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from complaints.models import Category
from complaints.services import intake
from config.celery import app
from outbox import tasks as outbox_tasks
from recovery import tasks
from recovery.models import Notification
from tests.helpers import Api, email_of, emails_unsent, outbox_send_here, purge_queue
from tests.processes import thread_worker

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def broker_at(url: str):
    """Point the app's producer at another broker URL for the duration."""
    previous = app.conf.broker_url
    app.conf.broker_url = url
    app._after_fork()  # drop pooled connections to the old URL
    try:
        yield
    finally:
        app.conf.broker_url = previous
        app._after_fork()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def hung_redis():
    """A server that accepts connections and never answers: the worst kind of outage."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/15"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()


def log_minutes_ago(org, minutes: float, **extra):
    complaint, _ = intake.complaint_log(
        **{
            "actor": org.frontline1,
            "channel": "in_person",
            "category": Category.objects.get(code="food_quality"),
            "stage": "in_sale",
            "severity": "critical",
            "description": "Cold soup",
            "customer": {"name": "Ms. Wang", "phone": "+86 138 0013 8000"},
            "now": timezone.now() - timedelta(minutes=minutes),
            **extra,
        }
    )
    return complaint


def test_the_worker_sends_a_due_reminder_once_by_inbox_and_email(org, sla, worker, finished):
    complaint = log_minutes_ago(org, 4.5)  # 80% of the 5 minutes to apologize has passed

    tasks.sweep_due.delay()
    finished.wait_for("recovery.tasks.sweep_due")
    finished.wait_until(lambda: not emails_unsent())  # sent by the outbox's task the sweep asked for

    reminder = Notification.objects.get()
    assert (reminder.recipient, reminder.kind, reminder.complaint) == (org.frontline1, "reminder", complaint)
    assert email_of(reminder).status == "sent"
    assert [message.to for message in mail.outbox] == [["frontline1@example.com"]]


def test_the_same_sweep_delivered_twice_tells_once(org, sla, worker, finished):
    log_minutes_ago(org, 4.5)
    moment = timezone.now().isoformat()

    tasks.sweep_due.delay(moment)
    tasks.sweep_due.delay(moment)
    first, second = finished.wait_for("recovery.tasks.sweep_due", count=2)
    email = email_of(Notification.objects.get())
    outbox_tasks.outbox_send.delay([email.pk], moment)  # the email's task delivered twice
    finished.wait_for("outbox.tasks.outbox_send", count=2)  # the one the sweep asked for, and the copy

    assert (first["deadlines"], second["deadlines"]) == (1, 0)
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_escalation_reaches_the_supervisor_through_the_worker(org, sla, worker, finished):
    log_minutes_ago(org, 5.5)  # past due: the reminder is overtaken by the escalation

    tasks.sweep_due.delay()
    finished.wait_for("recovery.tasks.sweep_due")
    finished.wait_until(lambda: not emails_unsent())

    assert [(n.recipient.username, n.kind, n.level) for n in Notification.objects.all()] == [
        ("supervisor1", "escalation", 1)
    ]


def redis_outage_then_recovery(org, limits, finished, broker_url: str) -> None:
    """With the broker at ``broker_url``: the API answers fast; once it is back, nothing was lost."""
    frontline1 = Api(org.frontline1)
    with broker_at(broker_url):
        started = time.monotonic()
        created = frontline1.log()
        logged_in = time.monotonic() - started
        complaint_id = created.json()["id"]
        frontline1.step(complaint_id, "apologize", {"note": "Sorry"})
        started = time.monotonic()
        asked = frontline1.respond(complaint_id, ("voucher", "60.00"))  # enqueues "tell the approvers"
        asked_in = time.monotonic() - started

    assert created.status_code == 201
    assert logged_in < 1.0
    assert asked.json()["status"] == "awaiting_approval"
    assert asked_in < 1.0
    assert not Notification.objects.exists()  # the enqueue was lost with the broker

    purge_queue()
    with thread_worker(app):
        tasks.sweep_due.delay()  # beat, once Redis is back
        finished.wait_for("recovery.tasks.sweep_due")
        outbox_tasks.outbox_send_due.delay()  # and beat's poll of the outbox
        finished.wait_until(lambda: not emails_unsent())

    told = Notification.objects.get()
    assert (told.recipient, told.kind, email_of(told).status) == (org.supervisor1, "approval_requested", "sent")
    assert len(mail.outbox) == 1


@pytest.mark.faults
def test_with_redis_unreachable_the_api_answers_and_the_reminder_follows_when_it_is_back(org, sla, limits, finished):
    redis_outage_then_recovery(org, limits, finished, f"redis://127.0.0.1:{closed_port()}/15")


@pytest.mark.faults
def test_with_redis_hung_the_api_answers_within_a_second_and_nothing_is_lost(org, sla, limits, finished):
    with hung_redis() as url:
        redis_outage_then_recovery(org, limits, finished, url)


@pytest.mark.faults
def test_a_worker_killed_in_the_middle_of_a_sweep_loses_nothing(org, sla, finished, tmp_path, processes):
    """SIGKILL a worker process inside the sweep's batch; its rows are due again at once, not after a lease."""
    complaint = log_minutes_ago(org, 4.5)
    database = connection.settings_dict
    # Hold the complaint's deadline: the sweep, having locked the complaint, stops on it, mid-batch,
    # until killed.
    blocker = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    blocker.execute("SELECT 1 FROM complaints_deadline WHERE complaint_id = %s FOR UPDATE", [complaint.pk])
    purge_queue()
    moment = timezone.now().isoformat()
    with open(tmp_path / "worker.log", "w") as log:
        doomed = processes.worker(log)
    try:
        tasks.sweep_due.delay(moment)
        wait_until_a_query_waits_on_a_lock(blocker)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        blocker.rollback()
        blocker.close()
    assert not Notification.objects.exists()

    # The killed transaction held the only claim: the next beat, at the same moment, finds the deadline due.
    with thread_worker(app):
        tasks.sweep_due.delay(moment)
        [swept] = finished.wait_for("recovery.tasks.sweep_due")
        finished.wait_until(lambda: not emails_unsent())

    assert swept == {"deadlines": 1}
    assert [(n.recipient, n.kind) for n in Notification.objects.all()] == [(org.frontline1, "reminder")]
    assert len(mail.outbox) == 1


def wait_until_a_query_waits_on_a_lock(observer, timeout: float = 30) -> None:
    """Watch PostgreSQL until another session is blocked on a row lock (the worker's task).

    Polls the server's view of sessions: the only way to see into another process.
    """
    give_up = time.monotonic() + timeout
    with psycopg.connect(observer.info.dsn, autocommit=True) as watcher:
        while time.monotonic() < give_up:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                return
            threading.Event().wait(0.05)
    raise AssertionError("the worker never reached the locked row")


def test_with_the_broker_down_the_sweep_still_tells_every_inbox_and_the_emails_follow(org, sla):
    for n in range(20):
        log_minutes_ago(org, 4.5, customer={"phone": f"+86 138 0000 {n:04d}"})

    with hung_redis() as url, broker_at(url):
        started = time.monotonic()
        swept = tasks.sweep_due()
        took = time.monotonic() - started

    assert swept == {"deadlines": 20}
    assert took < 2.0  # one publish timed out (about half a second), then the sweep let the emails be
    assert Notification.objects.filter(recipient=org.frontline1, kind="reminder").count() == 20
    assert not mail.outbox
    # Nothing is lost: the emails wait in the outbox, and its next poll sends them.
    assert emails_unsent() == 20
    assert outbox_send_here(timezone.now()) == 20
    assert len(mail.outbox) == 20
