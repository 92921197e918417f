"""Redis stopped and hung (issue 26, faults), on a redis-server of the test's own (never the shared one): stopped
(the process ends) and started again on its port, or hung (SIGSTOP: it accepts and never answers) and woken
(SIGCONT). A real Celery worker process lives through both and sends what is due once Redis is back; a real web
process (gunicorn) answers while Redis hangs and loses nothing. Emails go to an SMTP server on loopback
(aiosmtpd) that counts them: nothing lost, nothing sent twice.
"""

import time

import httpx
import pytest
from django.utils import timezone

from config.celery import app
from outbox import tasks as outbox_tasks
from recovery import tasks
from recovery.models import Notification
from tests.faults.common import CountingSmtp, pending_emails, wait_until, workers_waiting
from tests.helpers import email_of, emails_unsent
from tests.processes import thread_worker
from tests.recovery.test_redis_outage import Tablet, publish_bound
from tests.recovery.test_worker import broker_at, log_minutes_ago

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]


def due_reminders(org, first: int, count: int) -> None:
    """``count`` complaints whose apology is 80% due: a reminder each, with its email."""
    for n in range(first, first + count):
        log_minutes_ago(org, 4.5, customer={"phone": f"+86 138 0000 {n:04d}"})


def all_sent(smtp: CountingSmtp, reminders: int) -> bool:
    told = Notification.objects.filter(kind="reminder").count()
    return told == reminders and pending_emails() == 0 and len(smtp.message_ids) >= reminders


def test_a_worker_lives_through_redis_stopped_and_hung_and_sends_everything_once(
    org, sla, own_redis, smtp, processes, tmp_path
):
    with open(tmp_path / "worker.log", "w") as log:
        worker = processes.worker(log, REDIS_URL=own_redis.url, TEST_WORKER_EMAIL_URL=smtp.url)
    with broker_at(own_redis.url):
        wait_until(lambda: workers_waiting(app), timeout=30, what="the worker waiting on Redis")

        # Stopped, then started again on its port (empty: nothing queued survives it).
        own_redis.stop()
        due_reminders(org, 0, 5)
        own_redis.start()
        tasks.sweep_due.delay(timezone.now().isoformat())
        wait_until(lambda: all_sent(smtp, 5), timeout=45, what="the reminders sent after Redis came back")

        # Hung: a publish gives up within its timeouts; woken, the same worker goes on.
        due_reminders(org, 5, 5)
        own_redis.hang()
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017, PT011  kombu's OperationalError or redis's TimeoutError
            tasks.sweep_due.delay(timezone.now().isoformat())
        publish_took = time.monotonic() - started
        own_redis.wake()
        tasks.sweep_due.delay(timezone.now().isoformat())
        wait_until(lambda: all_sent(smtp, 10), timeout=45, what="the reminders sent after Redis woke")

    print(
        f"\nRedis stopped, then hung: {len(smtp.message_ids)} emails received, {smtp.duplicated()} duplicated, "
        f"a publish to the hung Redis gave up after {publish_took:.2f} s"
    )
    assert worker.poll() is None, (tmp_path / "worker.log").read_text()  # the same worker, alive
    assert publish_took < publish_bound(), publish_took
    assert Notification.objects.filter(kind="reminder").count() == 10  # nothing lost
    assert smtp.duplicated() == 0  # nothing sent twice
    assert len(smtp.message_ids) == 10


def test_with_redis_hung_by_sigstop_the_web_answers_and_nothing_is_lost_when_it_wakes(
    org, limits, sla, own_redis, processes, tmp_path, finished
):
    with open(tmp_path / "web.log", "w") as log:
        url = processes.web(log, REDIS_URL=own_redis.url)
    tablet = Tablet(url, org.frontline1)
    own_redis.hang()
    answers = [tablet.waiting_for_approval() for _ in range(2)]
    started = time.monotonic()
    ready = httpx.get(f"{url}/readyz", timeout=30)
    ready_took = time.monotonic() - started
    own_redis.wake()

    assert [(answer[2].status_code, answer[2].json()["status"]) for answer in answers] == [
        (200, "awaiting_approval")
    ] * 2
    assert max(answer[1] for answer in answers) < publish_bound()  # the creates
    assert max(answer[3] for answer in answers) < publish_bound()  # the responds, which send a task
    assert (ready.status_code, ready.json()["status"], ready_took < publish_bound()) == (200, "degraded", True)

    with broker_at(own_redis.url), thread_worker(app):
        tasks.sweep_due.delay()  # beat, once Redis answers again
        finished.wait_for("recovery.tasks.sweep_due")
        outbox_tasks.outbox_send_due.delay()  # beat's poll of the outbox
        finished.wait_until(lambda: not emails_unsent())
    told = Notification.objects.filter(recipient=org.supervisor1, kind="approval_requested")
    assert [email_of(notice).status for notice in told] == ["sent", "sent"]
