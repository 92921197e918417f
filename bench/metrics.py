"""Benchmark: recovery metrics and the complaint list at a million complaints (50 stores), against a bare
count of the same rows measured in the same run.

What it measures, on a database (``sr_metrics_bench``) filled by ``seed_demo --complaints N --stores 50``:
    baseline        ``SELECT count(*)`` of the complaints logged in the last 90 days: the floor of any
                    figure over those rows.
    metrics all     ``GET /api/v1/metrics/recovery/`` for the last 90 days, every store (an admin).
    metrics store   the same for one store (its supervisor).
    metrics groups  all stores, grouped by store.
    list …          ``GET /api/v1/complaints/`` first page with a filter combination or an ordering (an admin).
Each request runs ``--repeat`` times after a warm-up; the report gives p50 and p95 in milliseconds, the
ratio of the p50 to the baseline's, and the SQL statements per request.

    .venv/bin/python bench/metrics.py                         # fills 1,000,000 complaints first (minutes)
    .venv/bin/python bench/metrics.py --complaints 100000     # smaller
    .venv/bin/python bench/metrics.py --reuse-db              # measure a kept database again
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db-name", default="sr_metrics_bench")
    parser.add_argument("--reuse-db", action="store_true", help="measure the kept database without refilling")
    return parser.parse_args()


def progress(message: str) -> None:
    print(f"[metrics {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
            "REDIS_URL": "redis://127.0.0.1:6379/8",
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-12345",
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import psycopg

    if not args.reuse_db:
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db_name}"')
            admin.execute(f'CREATE DATABASE "{args.db_name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from complaints.models import Complaint
    from staff.models import User

    if not args.reuse_db:
        progress("migrating")
        call_command("migrate", verbosity=0)
        progress(f"seeding {args.complaints:,} complaints over {args.stores} stores")
        started = time.perf_counter()
        call_command("seed_demo", complaints=args.complaints, stores=args.stores, force=True, seed=1, verbosity=0)
        progress(f"seeded in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def client_for(username: str) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    today = timezone.localdate()
    window = {"date_from": (today - timedelta(days=89)).isoformat(), "date_to": today.isoformat()}
    admin, supervisor = client_for("admin"), client_for("supervisor1")
    since = timezone.now() - timedelta(days=90)

    def baseline():
        Complaint.objects.filter(created_at__gte=since).count()

    cases = [
        ("baseline count(*)", baseline),
        ("metrics all stores", lambda: admin.get("/api/v1/metrics/recovery/", window)),
        ("metrics one store", lambda: supervisor.get("/api/v1/metrics/recovery/", window)),
        ("metrics by store", lambda: admin.get("/api/v1/metrics/recovery/", {**window, "group_by": "store"})),
        ("list status=closed", lambda: admin.get("/api/v1/complaints/", {"status": "closed"})),
        ("list overdue", lambda: admin.get("/api/v1/complaints/", {"overdue": "true"})),
        ("list high+phone", lambda: admin.get("/api/v1/complaints/", {"severity": "high", "channel": "phone"})),
        ("list store+due", lambda: admin.get("/api/v1/complaints/", {"store": "S7", "ordering": "due"})),
        ("list search", lambda: admin.get("/api/v1/complaints/", {"search": "soup"})),
        # More combinations: rare and common filters, a customer's name, every ordering both ways.
        ("list new+email", lambda: admin.get("/api/v1/complaints/", {"status": "new", "channel": "email"})),
        (
            "list critical+social",
            lambda: admin.get("/api/v1/complaints/", {"severity": "critical", "channel": "social"}),
        ),
        ("list escalated 2+", lambda: admin.get("/api/v1/complaints/", {"escalation_level_min": "2"})),
        ("list after_sale+qr", lambda: admin.get("/api/v1/complaints/", {"stage": "after_sale", "channel": "qr_form"})),
        ("list search name", lambda: admin.get("/api/v1/complaints/", {"search": "wang"})),
        *(
            (f"list ordering={key}", lambda key=key: admin.get("/api/v1/complaints/", {"ordering": key}))
            for key in ("severity", "-severity", "due", "-due", "status", "-escalation_level", "reference")
        ),
    ]
    rows, base = [], None
    for name, call in cases:
        call()  # warm-up
        statements = []

        def count(execute, sql, *rest, statements=statements):
            statements.append(sql)
            return execute(sql, *rest)

        # Counted by a wrapper: a request resets the connection's own query log when it starts.
        with connection.execute_wrapper(count):
            response = call()
        status = getattr(response, "status_code", 200)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        base = base or p50
        rows.append((name, p50, p95, p50 / base, len(statements), status))
        progress(f"{name}: p50 {p50:.0f} ms")

    total = Complaint.objects.count()
    print(f"\nRecovery metrics and the list at {total:,} complaints, {args.stores} stores; window {window}")
    print(f"{'request':32} {'p50 ms':>9} {'p95 ms':>9} {'x base':>8} {'SQL':>5} {'status':>7}")
    for name, p50, p95, ratio, statements, status in rows:
        print(f"{name:32} {p50:9.1f} {p95:9.1f} {ratio:8.1f} {statements:5d} {status:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
