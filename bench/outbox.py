"""Benchmark: the outbox worker's text messages per second to a local fake SMS provider.

On a fresh database, N messages (default 3,000) are queued as the services queue them; the worker's task
(``outbox.tasks.outbox_send_due``) is run until none is due, in this process, on 1 and on ``--threads`` (8)
sending threads; then a real Celery worker (``--processes`` 2, as the Procfile's, each on ``--threads``) is fed
by that task every half second, as beat feeds it, and shares the backlog out among its processes. Each
message is claimed (``FOR UPDATE SKIP LOCKED``), its quiet hours, daily limit and opt-out checked, its
template filled in, sent through Alibaba Cloud's real SDK (signed ACS3-HMAC-SHA256) and marked sent,
in a transaction of its own. The provider is the tests' fake (tests/outbox/fake_sms.py), in a process of its
own, checking every signature. The baseline, measured in the same run: the SDK alone sending the same number of
messages to the same fake on the same threads, with no database at all.

    .venv/bin/python bench/outbox.py [--messages 3000] [--threads 8] [--processes 2]

Prints messages per second for each (the worker's: from its first task to its last message marked sent), the
ratio to the baseline, and checks that the fake accepted each message
exactly once (by its OutId) with no signature refused. The issue asks for at least 200 a second.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.outbox.fake_sms import ALIYUN_KEY_ID, ALIYUN_SECRET, TEMPLATE_CODES, FakeAliyun  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
# 10:00 in Shanghai: outside the stores' quiet hours.
MOMENT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2, help="the worker's processes (the Procfile's 2)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="srd_bench_outbox")
    return parser.parse_args()


def serve_fake(port_queue) -> None:
    with FakeAliyun() as fake:
        port_queue.put(fake.port)
        fake.thread.join()


def fake_counts(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as answer:
        return json.loads(answer.read())


def configure(database_url: str, port: int, threads: int) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-outbox-8d1f3b7a2c",
            "SECURE_SSL_REDIRECT": "False",
            "SMS_PROVIDER": "aliyun",
            "SMS_ALIYUN_ACCESS_KEY_ID": ALIYUN_KEY_ID,
            "SMS_ALIYUN_ACCESS_KEY_SECRET": ALIYUN_SECRET,
            "SMS_ALIYUN_ENDPOINT": f"127.0.0.1:{port}",
            "SMS_ALIYUN_PROTOCOL": "http",
            "SMS_TEMPLATE_CODES": json.dumps(TEMPLATE_CODES),
            "SMS_DAILY_LIMIT": "1000000",
            "OUTBOX_SEND_THREADS": str(threads),
            "OUTBOX_BATCH": "500",
            "OUTBOX_POLL_SECONDS": "3600",
        }
    )
    import django

    django.setup()


def queue_messages(count: int, *, tag: str) -> None:
    from django.db import transaction

    from outbox.sending import outbox_new, outbox_write
    from staff.models import Region, Store

    region, _ = Region.objects.get_or_create(code="B1", defaults={"name": "Bench"})
    store, _ = Store.objects.get_or_create(code="B1", defaults={"name": "Bench", "region": region})
    rows = [
        outbox_new(
            channel="sms",
            destination=f"+86139{n:08d}",
            kind="complaint_logged",
            idempotency_key=f"bench-{tag}-{n}",
            payload={
                "store_id": store.pk,
                "params": {"reference": f"B1-20261207-{n:04d}", "link": "https://x.example/s/AbCdEfGhIjKlMnOp/"},
            },
            language="zh-hans",
            now=MOMENT,
        )
        for n in range(count)
    ]
    with transaction.atomic():
        for start in range(0, count, 1000):
            outbox_write(rows[start : start + 1000])


def drain(threads: int) -> tuple[int, float]:
    """Run the worker's task until nothing is due: (messages sent, seconds)."""
    from django.conf import settings

    from outbox.models import OutboxMessage
    from outbox.tasks import outbox_send_due

    settings.OUTBOX_SEND_THREADS = threads
    before = OutboxMessage.objects.filter(status="sent").count()
    started = time.perf_counter()
    while outbox_send_due((MOMENT + timedelta(minutes=1)).isoformat()):
        pass
    elapsed = time.perf_counter() - started
    return OutboxMessage.objects.filter(status="sent").count() - before, elapsed


def worker_drain(processes: int, threads: int) -> tuple[int, float]:
    """A real Celery worker (``processes`` prefork processes, as the Procfile's) sending what beat's task hands it:
    (messages sent, seconds from the first task to the last mark)."""
    import subprocess

    from config.celery import app
    from outbox.models import OutboxMessage
    from outbox.tasks import outbox_send_due

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")
    env = {**os.environ, "OUTBOX_SEND_THREADS": str(threads)}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(processes)]
    command += ["--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(6)  # the worker's start, not measured
        before = OutboxMessage.objects.filter(status="sent").count()
        queued = OutboxMessage.objects.filter(status="queued").count()
        started = time.perf_counter()
        while OutboxMessage.objects.filter(status="queued").exists():
            outbox_send_due.delay((MOMENT + timedelta(minutes=1)).isoformat())  # beat, every 0.5 s here
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        sent = OutboxMessage.objects.filter(status="sent").count() - before
        assert sent == queued, (sent, queued)
        return sent, elapsed
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def sdk_alone(count: int, threads: int) -> float:
    """The baseline: the SDK sending ``count`` messages on ``threads`` threads, no database."""
    from outbox.sms.providers import AliyunProvider, SmsRequest

    provider = AliyunProvider()

    def send(n: int) -> None:
        provider.send(
            SmsRequest(
                phone=f"+86137{n:08d}",
                kind="complaint_logged",
                language="zh-hans",
                params={"reference": f"B1-{n}", "link": "https://x.example/s/AbCdEfGhIjKlMnOp/"},
                text="",
                out_id=f"baseline-{threads}-{n}",
            )
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(send, range(count)))
    return count / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    port_queue = multiprocessing.Queue()
    fake = multiprocessing.Process(target=serve_fake, args=(port_queue,), daemon=True)
    fake.start()
    port = port_queue.get(timeout=30)
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))
    try:
        configure(f"{args.pg}/{args.db_name}", port, args.threads)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"outbox: {args.messages} text messages to a fake Alibaba Cloud SMS (SDK, signed), on this machine")
        results = {}
        for threads in (1, args.threads):
            baseline = sdk_alone(args.messages, threads)
            queue_messages(args.messages, tag=str(threads))
            sent, elapsed = drain(threads)
            assert sent == args.messages, (sent, args.messages)
            rate = sent / elapsed
            results[threads] = rate
            print(
                f"  task in this process, {threads} thread(s): {rate:7.0f} messages/s   "
                f"SDK alone {baseline:7.0f}/s   ratio {rate / baseline:.2f}"
            )
        queue_messages(args.messages, tag="worker")
        sent, elapsed = worker_drain(args.processes, args.threads)
        results["worker"] = sent / elapsed
        print(
            f"  Celery worker, {args.processes} processes x {args.threads} threads, fed by beat's task: "
            f"{results['worker']:7.0f} messages/s (start to last mark, {elapsed:.1f} s)"
        )
        counts = fake_counts(port)
        expected = 2 * args.messages + 3 * args.messages  # baselines and outbox runs
        assert counts == {"accepted": expected, "unique": expected}, counts
        print(f"  fake provider: {counts['accepted']} accepted, each OutId once, no signature refused")
        best = results["worker"]
        print(f"  required: >= 200 messages/s -> {'OK' if best >= 200 else 'BELOW'} ({best:.0f}/s)")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
        fake.terminate()


if __name__ == "__main__":
    main()
