"""Emails sent once (issues 26 and 27): a worker SIGKILLed in the middle of sending the outbox's emails sends again
at most the one message it had in flight, with the same Message-ID, and every email arrives.

A real Celery worker process sends to a real SMTP server (aiosmtpd) on loopback; the server itself kills the
worker right after it received the k-th message, before the worker hears "250" (so before it can mark that
message sent). A new worker, at the outbox's next poll, sends the rest.
"""

import email
import signal
import subprocess
import threading
from datetime import timedelta

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection
from django.utils import timezone

from config.celery import app
from outbox import tasks as outbox_tasks
from outbox.email import message_id
from recovery import reminders
from recovery.models import Notification, SurveyInvitation
from tests.api.test_survey_api import responded
from tests.helpers import Api, email_of, emails_sent, purge_queue, survey_email_of
from tests.processes import free_port, thread_worker
from tests.recovery.test_worker import broker_at, closed_port, log_minutes_ago

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

EMAILS = 10
KILL_AT = 4  # the message in flight when the worker dies


class Sink:
    """An SMTP server's handler that keeps every message it accepts, and kills the worker at the k-th."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.worker: subprocess.Popen | None = None
        self.received: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.killed = threading.Event()
        self.all_arrived = threading.Event()
        self.expected: set[str] = set()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content))
            if len(self.received) == self.kill_at and self.worker is not None:
                # Accepted here, and the worker dies before it hears so: this message is the one in flight.
                self.worker.send_signal(signal.SIGKILL)
                self.worker.wait(timeout=30)
                self.killed.set()
            if self.expected and self.expected <= {message["Message-ID"] for message in self.received}:
                self.all_arrived.set()
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink(kill_at=KILL_AT)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def wait_until_all_marked_sent(timeout: float = 60) -> None:
    """The last message arrived; its mark commits right after. Watch the database for it (another process)."""
    database = connection.settings_dict
    dsn = f"host={database['HOST']} port={database['PORT']} user={database['USER']} dbname={database['NAME']}"
    give_up = timezone.now() + timedelta(seconds=timeout)
    with psycopg.connect(dsn, autocommit=True) as watcher:
        while timezone.now() < give_up:
            unsent = watcher.execute(
                "SELECT count(*) FROM outbox_outboxmessage WHERE channel = 'email' AND status <> 'sent'"
            )
            if unsent.fetchone()[0] == 0:
                return
            threading.Event().wait(0.05)
    raise AssertionError("the emails were never all marked sent")


def test_a_worker_killed_mid_batch_sends_again_only_the_message_in_flight_with_its_message_id(
    org, sla, smtp, tmp_path, processes
):
    sink, port = smtp
    # Ten complaints whose apology (10 minutes) is 80% due: ten reminders, one email each.
    for n in range(EMAILS):
        log_minutes_ago(org, 8.2, severity="high", customer={"phone": f"+86 138 0000 {n:04d}"})
    moment = timezone.now()
    notifications = Notification.objects.filter(pk__in=reminders.due_batch_sweep(now=moment).notification_ids)
    email_ids = [email_of(notification).pk for notification in notifications]
    assert len(email_ids) == EMAILS
    sink.expected = {message_id("notification", n.pk, n.created_at) for n in notifications}
    purge_queue()  # the sweep's own task for them: this test hands them out itself
    # One sending thread: what a thread had in flight is what may come twice (a worker's threads each have one).
    worker = {"TEST_WORKER_EMAIL_URL": f"smtp://127.0.0.1:{port}?timeout=10", "OUTBOX_SEND_THREADS": "1"}

    with open(tmp_path / "worker.log", "w") as log:
        sink.worker = processes.worker(log, **worker)
        outbox_tasks.outbox_send.delay(email_ids, moment.isoformat())  # one task for the ten
        assert sink.killed.wait(timeout=60), (tmp_path / "worker.log").read_text()
        sent_before_the_kill = emails_sent()

        # The killed worker's transaction is undone: its message is due again. The outbox's next poll sends the rest.
        processes.worker(log, **worker)  # stopped after the test
        outbox_tasks.outbox_send_due.delay(moment.isoformat())
        assert sink.all_arrived.wait(timeout=60), (tmp_path / "worker.log").read_text()
        wait_until_all_marked_sent()

    assert sent_before_the_kill == KILL_AT - 1  # each marked as it went, not all at the end of the batch
    ids = [message["Message-ID"] for message in sink.received]
    assert set(ids) == sink.expected  # every notification delivered, each under its own fixed Message-ID
    assert len(ids) - len(set(ids)) <= 1  # at most the one in flight, again
    copies = {message_id: ids.count(message_id) for message_id in ids}
    [(again, twice)] = [(message_id, count) for message_id, count in copies.items() if count > 1] or [(None, 1)]
    assert again in (None, ids[KILL_AT - 1]), "only the message in flight at the kill may come twice"
    assert twice <= 2
    assert emails_sent() == EMAILS


def test_a_survey_email_whose_task_was_lost_with_the_broker_is_sent_by_the_outbox_poll_once(org, sla, finished):
    frontline1 = Api(org.frontline1)
    complaint_id = responded(frontline1)
    with broker_at(f"redis://127.0.0.1:{closed_port()}/15"):
        assert frontline1.step(complaint_id, "survey").status_code == 200  # the email's task is lost
    invitation = SurveyInvitation.objects.get()
    assert survey_email_of(invitation).status == "queued"  # written with the link, waiting

    purge_queue()
    with thread_worker(app):
        outbox_tasks.outbox_send_due.delay()  # beat's poll
        finished.wait_for("outbox.tasks.outbox_send_due")
        outbox_tasks.outbox_send_due.delay()  # the next poll: nothing more to send
        [again] = finished.wait_for("outbox.tasks.outbox_send_due")

    assert again == 0
    [sent] = mail.outbox
    assert sent.to == [invitation.emailed_to]
    assert sent.message()["Message-ID"] == message_id("survey", invitation.pk, invitation.sent_at)
    assert survey_email_of(invitation).status == "sent"
