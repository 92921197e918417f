"""Benchmark: beat's sweep over 100,000 due deadlines, end to end, against a claim in raw SQL.

On a fresh database with N due deadlines (default 100,000), half of them at their reminder (the
assignee is told) and half past due (the first escalation: an event, and the store's supervisors
told), each phase on the same rows made due again:
    baseline      the least a sweep can do: claim in raw SQL, one statement per batch of 500
                  (``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED LIMIT 500) … RETURNING``),
                  deciding and writing nothing
    sweep         beat's task ``recovery.tasks.sweep_due``, run until nothing is due, in one process:
                  every due deadline claimed, decided, its notifications, their emails (outbox rows)
                  and escalation events written, and one outbox task per batch published to Redis
                  (a scratch db, emptied); once on one thread (its statements counted), once on
                  ``SLA_SWEEP_THREADS`` (2)
    emails        the outbox's ``outbox_send`` over those emails, on ``OUTBOX_SEND_THREADS`` threads
                  (Django's in-memory mail backend)
    two sweeps    two processes sweeping at once: their total rate
After each sweep it checks that every due deadline was handed out once: the deadlines the sweeps
report, the notifications and the events add up to the rows, none twice.

    .venv/bin/python bench/deadline_sweep.py [--rows 100000] [--batch 500]

Figures are rows per second and the ratio to the baseline's, the statements per batch, one batch's
time and how much of it was spent waiting on each kind of statement, and the process's peak RSS.
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
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
from create_queries import describe
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/9"

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
    parser.add_argument(
        "--batch", type=int, default=500, help="deadlines per sweep transaction (the product's default)"
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="srd_bench_sweep")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def configure(database_url: str, batch: int) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-sweep-3c9e1a7b5d2f",
            "SECURE_SSL_REDIRECT": "False",
            "EMAIL_URL": "memorymail://",
            "SLA_SWEEP_BATCH": str(batch),
            # One sweep runs the whole backlog here rather than handing the rest to another task.
            "SLA_SWEEP_SECONDS": "3600",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill(rows: int) -> None:
    """``rows`` complaints in store S1, each with an open apologize deadline: even ones past due by a
    minute (escalated), odd ones at their reminder (due in two hours). The demo's own deadlines are
    closed, so that every due row is one of these."""
    from django.core.management import call_command
    from django.utils import timezone

    from complaints.models import Category, Complaint, Deadline
    from staff.models import Store, User

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    store = Store.objects.get(code="S1")
    actor = User.objects.get(username="frontline1")
    category = Category.objects.get(code="food_quality")
    Deadline.objects.filter(closed_at=None).update(closed_at=timezone.now(), next_check_at=None)
    now = timezone.now()

    def due(n: int):
        return now + (timedelta(hours=2) if n % 2 else -timedelta(minutes=1))

    for start in range(0, rows, 5000):
        complaints = Complaint.objects.bulk_create(
            Complaint(
                id=uuid.uuid4(),
                # As logging sets it (its one deadline's due time): else the first sweep would write it on
                # every complaint, which no sweep of logged complaints does.
                next_due_at=due(n),
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
        deadlines = []
        for n, complaint in enumerate(complaints, start):
            deadlines.append(
                Deadline(
                    complaint=complaint,
                    step="apologize",
                    clock="wall",
                    started_at=now - timedelta(minutes=6),
                    window_seconds=int((due(n) - now).total_seconds()) + 360,
                    escalate_every=6 * 3600,  # no second level while the bench runs
                    due_at=due(n),
                    remind_at=now - timedelta(minutes=2),
                    next_check_at=now - timedelta(minutes=2),
                )
            )
        Deadline.objects.bulk_create(deadlines)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE complaints_deadline")


def facts_refresh(conn) -> None:
    """The metrics' facts of the filled complaints, as logging each would have written them, and as they
    are before any escalation: else each phase's escalations would compute facts from nothing, or find
    their levels counted already, neither of which a sweep of logged complaints does. Refreshed in
    chunks, as a bulk logging's trigger would."""
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM complaints_complaint WHERE reference LIKE 'S1-SWEEP-%%' AND id > %s"
                " ORDER BY id LIMIT 5000",
                [last],
            )
        ]
        if not ids:
            break
        conn.execute("SELECT recovery_facts_refresh(%s::uuid[])", [ids])
        last = ids[-1]
    conn.execute("VACUUM ANALYZE recovery_complaintfacts")


def make_due(database_url: str) -> int:
    """Every open deadline due again as filled, nobody told yet, nobody escalated (events stay: the log is
    append-only)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM recovery_notification")
        conn.execute("DELETE FROM outbox_outboxmessage WHERE channel = 'email'")
        conn.execute("UPDATE complaints_complaint SET escalation_level = 0 WHERE escalation_level > 0")
        conn.execute(
            "UPDATE complaints_deadline SET next_check_at = remind_at, reminded_at = NULL, level = 0"
            " WHERE closed_at IS NULL"
        )
        facts_refresh(conn)
        conn.execute("VACUUM ANALYZE complaints_deadline")
        conn.execute("VACUUM ANALYZE recovery_notification")
        conn.execute("VACUUM ANALYZE outbox_outboxmessage")
        conn.execute("VACUUM ANALYZE complaints_complaint")
        return conn.execute(
            "SELECT count(*) FROM complaints_deadline WHERE closed_at IS NULL AND next_check_at <= now()"
        ).fetchone()[0]


def timed(name: str, action) -> dict:
    """Run ``action()`` (returns a row count, or a count and extra figures); seconds and rows/s."""
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    rows, extra = result if isinstance(result, tuple) else (result, {})
    progress(f"{name}: {rows} rows in {seconds:.1f}s")
    return {"name": name, "rows": rows, "seconds": seconds, "rate": rows / seconds, **extra}


def baseline_claim(database_url: str, batch: int) -> int:
    total = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while rows := conn.execute(BASELINE_CLAIM, [batch]).fetchall():
            total += len(rows)
    return total


def sweep_until_done(threads: int | None = None) -> tuple[int, dict]:
    """Beat's task, run until a sweep finds nothing due; with one thread, its statements counted."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from recovery import tasks

    if threads:
        settings.SLA_SWEEP_THREADS = threads

    now = timezone.now().isoformat()
    total = sweeps = 0
    with CaptureQueriesContext(connection) as captured:
        while (swept := tasks.sweep_due(now=now))["deadlines"]:
            total += swept["deadlines"]
            sweeps += 1
    statements = sum(1 for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT"))
    waited: dict[str, float] = {}  # ms waiting on the database, by kind of statement
    for query in captured.captured_queries:
        label = describe(query["sql"])
        waited[label] = waited.get(label, 0.0) + float(query["time"]) * 1000
    return total, {"sweeps": sweeps, "statements": statements, "waited": waited}


def emails_send() -> int:
    """The emails the sweeps wrote, sent by the outbox's task in this process as the worker would."""
    from django.core import mail
    from django.utils import timezone

    from outbox import tasks as outbox_tasks
    from outbox.models import DUE_STATUSES, Channel, MessageStatus, OutboxMessage

    emails = OutboxMessage.objects.filter(channel=Channel.EMAIL)
    ids = list(emails.filter(status__in=DUE_STATUSES).order_by("pk").values_list("pk", flat=True))
    outbox_tasks.outbox_send(ids, timezone.now().isoformat())
    mail.outbox = []  # the in-memory backend keeps every message
    return emails.filter(status=MessageStatus.SENT).count()


def queue_length() -> int:
    import redis

    return redis.Redis.from_url(REDIS_URL).llen("celery")


def purge_queue() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).delete("celery")


def sweeper(database_url: str, batch: int, results) -> None:
    configure(database_url, batch)
    results.put(sweep_until_done()[0])


def two_sweeps(database_url: str, batch: int) -> tuple[int, dict]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=sweeper, args=(database_url, batch, results)) for _ in range(2)]
    for process in processes:
        process.start()
    handled = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    return sum(handled), {"split": handled}


def outcome(database_url: str) -> dict[str, int]:
    """What the sweep left: due deadlines still open, notifications by kind, escalated deadlines."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        figures = {
            "still due": conn.execute(
                "SELECT count(*) FROM complaints_deadline WHERE closed_at IS NULL AND next_check_at <= now()"
            ).fetchone()[0],
            "escalated": conn.execute("SELECT count(*) FROM complaints_deadline WHERE level > 0").fetchone()[0],
            "reminded": conn.execute(
                "SELECT count(*) FROM complaints_deadline WHERE reminded_at IS NOT NULL"
            ).fetchone()[0],
        }
        for kind, count in conn.execute("SELECT kind, count(*) FROM recovery_notification GROUP BY kind"):
            figures[kind] = count
        return figures


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
        configure(database_url, args.batch)
        progress(f"filling {args.rows} due deadlines")
        started = time.perf_counter()
        fill(args.rows)
        fill_seconds = time.perf_counter() - started
        from django.conf import settings

        from staff.models import Role, User

        threads = settings.SLA_SWEEP_THREADS
        supervisors = User.objects.filter(role=Role.SUPERVISOR, store__code="S1", is_active=True).count()

        due = make_due(database_url)
        base = timed("baseline: raw SQL claim", lambda: baseline_claim(database_url, args.batch))
        make_due(database_url)
        purge_queue()
        counted = timed("sweep_due, 1 thread", lambda: sweep_until_done(threads=1))
        purge_queue()
        make_due(database_url)
        sweep = timed(f"sweep_due, {threads} threads", lambda: sweep_until_done(threads=threads))
        one = outcome(database_url)
        published = queue_length()
        emails = timed("outbox_send (emails)", emails_send)
        make_due(database_url)
        pair = timed(f"two processes, {threads} threads each", lambda: two_sweeps(database_url, args.batch))
        two = outcome(database_url)
        purge_queue()

        escalations = args.rows - args.rows // 2
        expected = {
            "still due": 0,
            "escalated": escalations,
            "reminded": due,
            "escalation": escalations * supervisors,
            "reminder": args.rows // 2,
        }
        batches = -(-due // args.batch)
        print()
        print(f"Sweep benchmark: {due} due deadlines ({args.rows} made, the rest the demo's), batches of {args.batch}")
        print(
            f"  machine   {os.cpu_count()} CPUs, load {load}; PostgreSQL {version}; Python {platform.python_version()}"
        )
        print(f"  fill      {fill_seconds:.1f}s; half at their reminder, half escalated to {supervisors} supervisors")
        print()
        print(f"{'phase':<30} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'vs baseline':>12}")
        for phase in (base, counted, sweep, emails, pair):
            print(
                f"{phase['name']:<30} {phase['rows']:>8} {phase['seconds']:>8.2f} {phase['rate']:>9.0f} "
                f"{phase['rate'] / base['rate']:>11.2f}x"
            )
        print()
        print(
            f"  sweep_due, 1 thread: {counted['statements']} statements for {due} deadlines in {batches} batches: "
            f"{counted['statements'] / batches:.1f} per batch, {counted['statements'] / due:.3f} per deadline"
        )
        seconds_per_batch = counted["seconds"] / batches * 1000
        in_database = sum(counted["waited"].values()) / batches
        print(
            f"  one batch on 1 thread: {seconds_per_batch:.0f} ms, of which {in_database:.0f} ms waiting on the "
            "database: "
            + ", ".join(
                f"{label} {ms / batches:.1f}" for label, ms in sorted(counted["waited"].items(), key=lambda x: -x[1])
            )
        )
        print(f"  sweep_due, {threads} threads: {published} outbox tasks published (one a batch with emails)")
        print(f"  two processes split the rows {pair['split'][0]} / {pair['split'][1]}")
        print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)")
        ok = True
        for name, left, handled in (("one process", one, sweep["rows"]), ("two processes", two, pair["rows"])):
            handed_once = handled == due and left == expected
            ok &= handed_once
            print(
                f"  {name}: {handled} deadlines handed out for {due} due; "
                f"{'each once' if handed_once else 'MISMATCH'}: {left} (expected {expected})"
            )
        emailed = emails["rows"] == expected["escalation"] + expected["reminder"]
        print(f"  emails: {emails['rows']} sent; {'each once' if emailed else 'MISMATCH'}")
        ok &= emailed
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
