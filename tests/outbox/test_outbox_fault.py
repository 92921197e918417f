"""The outbox through an outage (issue 27, "Speed and reliability"): with the SMS provider down for a while and
the worker SIGKILLed once in the middle, no message is lost, and the only one that can arrive twice is the one in
flight at the kill (the provider had accepted it; the worker died before it could mark it sent), under the same
OutId. A real Celery worker process sends through Alibaba's SDK to the local fake; time is injected.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection

from outbox.models import OutboxMessage
from outbox.sending import outbox_enqueue
from outbox.sms import out_id
from outbox.tasks import outbox_send_due
from tests.helpers import purge_queue
from tests.outbox.fake_sms import ALIYUN_KEY_ID, ALIYUN_SECRET, TEMPLATE_CODES, FakeAliyun
from tests.outbox.test_sms import DAYTIME

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = 30
KILL_AT = 12  # the request in flight when the worker dies


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_process(port: int, log) -> subprocess.Popen:
    """A Celery worker on the test database and broker, texting through Alibaba's SDK to 127.0.0.1:``port``."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SMS_PROVIDER": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": ALIYUN_KEY_ID,
        "SMS_ALIYUN_ACCESS_KEY_SECRET": ALIYUN_SECRET,
        "SMS_ALIYUN_ENDPOINT": f"127.0.0.1:{port}",
        "SMS_ALIYUN_PROTOCOL": "http",
        "SMS_TIMEOUT_MS": "2000",
        "SMS_TEMPLATE_CODES": json.dumps(TEMPLATE_CODES),
        "OUTBOX_SEND_THREADS": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def wait_until(condition, what: str, log_path, timeout: float = 60) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError(f"{what}, never: {log_path.read_text()[-3000:]}")


def test_an_outage_and_a_killed_worker_lose_nothing_and_repeat_at_most_the_message_in_flight(org, tmp_path):
    for n in range(MESSAGES):
        outbox_enqueue(
            channel="sms",
            destination=f"+86138000{n:05d}",
            kind="complaint_logged",
            idempotency_key=f"fault-{n}",
            payload={"store_id": org.s1.pk, "params": {"reference": f"S1-{n}", "link": "https://example.com/s/x/"}},
            language="zh-hans",
            now=DAYTIME,
        )
    purge_queue()
    port = free_port()  # the provider, down: nothing listens there yet
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = worker_process(port, log)
        try:
            outbox_send_due.delay(DAYTIME.isoformat())
            wait_until(
                lambda: OutboxMessage.objects.filter(status="failed", attempts=1).count() == MESSAGES,
                "every message tried once and failed while the provider was down",
                log_path,
            )
            assert set(OutboxMessage.objects.values_list("error_code", flat=True)) != {""}

            with FakeAliyun(port) as fake:
                killed = threading.Event()

                def kill_at(number: int) -> bool:
                    if number != KILL_AT:
                        return True
                    worker.send_signal(signal.SIGKILL)  # the message was accepted; the worker never hears so
                    worker.wait(timeout=30)
                    killed.set()
                    return False

                fake.on_request = kill_at
                later = DAYTIME + timedelta(hours=1)  # past every retry's backoff: the provider is back
                outbox_send_due.delay(later.isoformat())
                assert killed.wait(timeout=60), log_path.read_text()[-3000:]
                sent_before_the_kill = OutboxMessage.objects.filter(status="sent").count()

                survivor = worker_process(port, log)
                try:
                    outbox_send_due.delay(later.isoformat())
                    wait_until(
                        lambda: OutboxMessage.objects.filter(status="sent").count() == MESSAGES,
                        "every message sent once the provider was back",
                        log_path,
                    )
                finally:
                    survivor.terminate()
                    survivor.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)

    assert sent_before_the_kill == KILL_AT - 1  # each marked as it went
    received = fake.out_ids()
    expected = {out_id(f"fault-{n}") for n in range(MESSAGES)}
    assert set(received) == expected  # nothing lost
    repeated = {key: count for key, count in received.items() if count > 1}
    in_flight = fake.accepted[KILL_AT - 1]["out_id"]
    assert repeated in ({}, {in_flight: 2})  # at most the one in flight, again, under its own OutId
    assert fake.refused == []
