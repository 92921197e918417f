"""Benchmark: beat's sweep over 100,000 due deadlines — rows claimed per second, and peak memory.

What it measures, on a fresh database with N due deadlines (default 100,000), each phase on the
same rows made due again:
    baseline      the least a claim can do: one raw SQL statement per batch of 500
                  (``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED LIMIT 500) … RETURNING``)
    claim         ``recovery.reminders.deadlines_claim`` in a loop until nothing is due
    sweep         the beat task's body ``recovery.tasks.sweep_due`` in a loop: the claim plus one
                  ``process_deadline`` message per row published to Redis (a scratch db, emptied)
    two claimers  two processes claiming at once: total rate, and whether their rows are disjoint
    process       ``recovery.reminders.deadline_process`` on a sample: the work each row leads to

    .venv/bin/python bench/deadline_sweep.py [--rows 100000] [--batch 500] [--sample 2000]

Peak memory is Python's (tracemalloc) during the phase, and the process's maximum RSS.
"""

import argparse
import contextlib
import hashlib
import multiprocessing
import os
import platform
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"

BASELINE_CLAIM = """
    WITH claimed AS (
        SELECT id FROM complaints_deadline
        WHERE closed_at IS NULL AND next_check_at <= now()
        ORDER BY next_check_at LIMIT %s FOR UPDATE SKIP LOCKED
    )
    UPDATE complaints_deadline d SET next_check_at = now() + interval '60 seconds'
    FROM claimed WHERE d.id = claimed.id RETURNING d.id
"""


def progress(message: str) -> None:
    print(f"[sweep {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="due deadlines")
    parser.add_argument("--batch", type=int, default=500, help="rows per claim (the product's default)")
    parser.add_argument("--sample", type=int, default=2000, help="rows processed in the process phase")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="srd_bench_sweep")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def configure(database_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-sweep-3c9e1a7b5d2f",
            "SECURE_SSL_REDIRECT": "False",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill(rows: int) -> None:
    """``rows`` complaints, each with an open apologize deadline that fell due a minute ago."""
    from django.core.management import call_command
    from django.utils import timezone

    from complaints.models import Category, Complaint, Deadline
    from staff.models import Store, User

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    store = Store.objects.get(code="S1")
    actor = User.objects.get(username="frontline1")
    category = Category.objects.get(code="food_quality")
    now = timezone.now()
    due = now - timedelta(minutes=1)
    for start in range(0, rows, 5000):
        complaints = Complaint.objects.bulk_create(
            Complaint(
                id=uuid.uuid4(),
                reference=f"S1-SWEEP-{n:07d}",
                store=store,
                channel="in_person",
                category=category,
                severity="critical",
                stage="in_sale",
                description="Bench",
                assignee=actor,
                created_by=actor,
                intake_digest=hashlib.sha256(str(n).encode()).hexdigest(),
                created_at=now - timedelta(minutes=6),
            )
            for n in range(start, min(start + 5000, rows))
        )
        Deadline.objects.bulk_create(
            Deadline(
                complaint=complaint,
                step="apologize",
                clock="wall",
                started_at=now - timedelta(minutes=6),
                window_seconds=300,
                escalate_every=600,
                due_at=due,
                remind_at=due - timedelta(minutes=1),
                next_check_at=due,
            )
            for complaint in complaints
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE complaints_deadline")


def make_due(database_url: str) -> int:
    """Make every open deadline due again (the demo's few included); returns how many there are."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE complaints_deadline SET next_check_at = now() - interval '1 minute' WHERE closed_at IS NULL"
        )
        conn.execute("VACUUM ANALYZE complaints_deadline")
        return conn.execute("SELECT count(*) FROM complaints_deadline WHERE closed_at IS NULL").fetchone()[0]


def measured(name: str, action) -> dict:
    """Run ``action()`` (returns a row count) under tracemalloc; seconds, rows/s, peak memory."""
    tracemalloc.start()
    started = time.perf_counter()
    rows = action()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress(f"{name}: {rows} rows in {seconds:.1f}s")
    return {
        "name": name,
        "rows": rows,
        "seconds": seconds,
        "rate": rows / seconds,
        "peak_mb": peak / 2**20,
        "rss": rss_mb,
    }


def baseline_claim(database_url: str, batch: int) -> int:
    total = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while rows := conn.execute(BASELINE_CLAIM, [batch]).fetchall():
            total += len(rows)
    return total


def product_claim(batch: int) -> int:
    from django.utils import timezone

    from recovery import reminders

    total = 0
    while ids := reminders.deadlines_claim(now=timezone.now(), limit=batch):
        total += len(ids)
    return total


def full_sweep(due: int) -> int:
    """Beat's task run back to back (each run sweeps for up to 80% of the beat interval) until all are out.

    Stops at ``due`` rather than at an empty claim: rows sent first fall due again when their
    lease ends, and would be sent again (harmlessly: the tasks are idempotent) in a long backlog.
    """
    from recovery import tasks

    total = 0
    while total < due and (claimed := tasks.sweep_due()["deadlines"]):
        total += claimed
    return total


def queue_length() -> int:
    import redis

    return redis.Redis.from_url(REDIS_URL).llen("celery")


def purge_queue() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).delete("celery")


def claimer(database_url: str, batch: int, results) -> None:
    configure(database_url)
    from django.utils import timezone

    from recovery import reminders

    claimed = []
    while ids := reminders.deadlines_claim(now=timezone.now(), limit=batch):
        claimed.extend(ids)
    results.put(claimed)


def two_claimers(database_url: str, batch: int) -> tuple[dict, bool, int]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=claimer, args=(database_url, batch, results)) for _ in range(2)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    sets = [set(results.get(timeout=600)) for _ in processes]
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    total = len(sets[0]) + len(sets[1])
    phase = {"name": "two claimers (2 processes)", "rows": total, "seconds": seconds, "rate": total / seconds}
    return phase, sets[0].isdisjoint(sets[1]), len(sets[0] | sets[1])


def process_sample(sample: int) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from recovery import reminders

    ids = reminders.deadlines_claim(now=timezone.now(), limit=sample)
    with CaptureQueriesContext(connection) as captured:
        for deadline_id in ids[:10]:
            reminders.deadline_process(deadline_id, now=timezone.now())
    per_row = len(captured.captured_queries) / 10
    for deadline_id in ids[10:]:
        reminders.deadline_process(deadline_id, now=timezone.now())
    return len(ids), per_row


def main() -> int:
    args = parse_args()
    database_url = f"{args.pg}/{args.db_name}"
    admin = psycopg.connect(f"{args.pg}/postgres", autocommit=True)
    if not admin.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"srd-bench:{args.db_name}"]).fetchone()[0]:
        raise SystemExit(f"another run is using {args.db_name}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    version = admin.execute("SHOW server_version").fetchone()[0]
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))
    try:
        configure(database_url)
        progress(f"filling {args.rows} due deadlines")
        started = time.perf_counter()
        fill(args.rows)
        fill_seconds = time.perf_counter() - started
        due = make_due(database_url)
        phases = [measured("baseline: raw SQL claim", lambda: baseline_claim(database_url, args.batch))]
        make_due(database_url)
        phases.append(measured("deadlines_claim", lambda: product_claim(args.batch)))
        make_due(database_url)
        purge_queue()
        phases.append(measured("sweep_due (claim + publish)", lambda: full_sweep(due)))
        published = queue_length()
        purge_queue()
        make_due(database_url)
        pair, disjoint, union = two_claimers(database_url, args.batch)
        make_due(database_url)
        started = time.perf_counter()
        processed, queries_per_row = process_sample(args.sample)
        process_seconds = time.perf_counter() - started

        baseline = phases[0]["rate"]
        print()
        print(f"Sweep benchmark: {due} due deadlines ({args.rows} made, the rest the demo's), claims of {args.batch}")
        print(
            f"  machine   {os.cpu_count()} CPUs, load {load}; PostgreSQL {version}; Python {platform.python_version()}"
        )
        print(f"  fill      {fill_seconds:.1f}s; every phase runs under tracemalloc (slower, alike for all)")
        print()
        print(
            f"{'phase':<32} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'vs base':>8} {'py peak MB':>11} {'RSS MB':>11}"
        )
        for phase in phases:
            print(
                f"{phase['name']:<32} {phase['rows']:>8} {phase['seconds']:>8.2f} {phase['rate']:>9.0f} "
                f"{phase['rate'] / baseline:>7.2f}x {phase['peak_mb']:>11.1f} {phase['rss']:>11.0f}"
            )
        print(
            f"{pair['name']:<32} {pair['rows']:>8} {pair['seconds']:>8.2f} {pair['rate']:>9.0f} "
            f"{pair['rate'] / baseline:>7.2f}x   (process start-up included)"
        )
        print()
        print(f"  sweep_due published {published} messages for {phases[2]['rows']} rows")
        print(f"  two claimers: disjoint {'yes' if disjoint else 'NO'}, {union} distinct rows of {due} due")
        print(
            f"  deadline_process: {processed} rows in {process_seconds:.1f}s, {processed / process_seconds:.0f} rows/s "
            f"in one process; {queries_per_row:.1f} SQL queries per row (each a reminder to one person)"
        )
        # A backlog that takes longer than the 60 s lease to publish is partly claimed twice (its
        # first rows fall due again): more messages than rows is expected there, fewer is a loss.
        swept = phases[2]["rows"]
        if swept > due:
            print(f"  sweep_due re-claimed {swept - due} rows whose lease ran out in the backlog (idempotent tasks)")
        ok = disjoint and union == due and published == swept >= due and all(p["rows"] == due for p in phases[:2])
        return 0 if ok else 1
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with contextlib.suppress(Exception):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
