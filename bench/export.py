"""Benchmark: the CSV export over 200,000 complaints — rows per second and peak memory, against a bare
COPY of the same rows measured in the same run.

What it measures, on a fresh database (``sr_export_bench``) of N complaints (default 200,000, in two
stores, a quarter with compensation granted, names and descriptions in Chinese and English with
commas and quotes, one in a hundred starting like a formula, nine in ten with a customer):
    baseline      ``COPY (<the export's own SELECT>) TO STDOUT WITH CSV HEADER`` through psycopg's
                  ``cursor.copy()``: the same joins, compensation subquery and order, the CSV written
                  by PostgreSQL itself. The floor under any export of these rows from this database.
    export        ``GET /api/v1/complaints/export.csv`` as gunicorn runs it: ``config.wsgi.application``
                  called with a WSGI environ (DEBUG=False, token of an admin, who sees every row),
                  its stream consumed chunk by chunk.
    export 10%    the same with ``?created_to=`` keeping a tenth of the rows: its memory should be the
                  same as the full export's (constant memory, whatever the number of rows).

Each phase runs in a fresh process (its peak RSS is its own), after a warm-up on a few rows: first a
timed pass (rows/s, MB/s, seconds to the first byte, growth of the peak RSS), then a pass under
tracemalloc for Python's peak heap (slower, not timed), which also counts the SQL statements of the
export (expected: 3, the token, the time zones of the admin's stores and the rows, whatever the number of rows).

How it runs
    It drops and recreates its database, migrates it, fills it with ``bulk_create`` and drops it at
    the end (``--keep-db`` keeps it; ``--reuse-db`` then measures it again without refilling).

        .venv/bin/python bench/export.py                     # or: make bench
        .venv/bin/python bench/export.py --rows 1000000

    Progress goes to stderr, the report to stdout. Exit status 1 when a check fails (rows missing,
    more SQL than expected, a status other than 200).
"""

import argparse
import contextlib
import hashlib
import io
import multiprocessing
import os
import platform
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/10"
EXPORT_PATH = "/api/v1/complaints/export.csv"
TARGET_ROWS_PER_SECOND = 20_000
# Complaints are spread evenly over one year from FIRST_DAY; created_to cuts a tenth of them.
FIRST_DAY = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
TENTH_UNTIL = "2025-02-05"  # created_to is exclusive of the next day: 36.5 days of 365
WARM_UP_QUERY = "created_to=2025-01-01"
BATCH = 5000


def progress(message: str) -> None:
    print(f"[export {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="complaints to export")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--db-name", default="sr_export_bench", help="database to (re)create and drop")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--reuse-db", action="store_true", help="measure a kept database again, without refilling")
    args = parser.parse_args()
    if not 1_000 <= args.rows <= 5_000_000:
        parser.error("--rows must be between 1000 and 5000000")
    if not args.db_name.isidentifier():
        parser.error("--db-name must be a plain identifier")
    return args


def configure(database_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DEBUG": "False",
            "SECRET_KEY": "bench-only-secret-key-export-8d2c4f6a1e9b",
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def in_child(function, *args):
    """``function(*args)`` in a fresh process: what it allocates and its peak RSS are its own."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(function, args)


# --- Fill ---------------------------------------------------------------------------------------


def fill(database_url: str, rows: int) -> dict:
    """Migrate, then ``rows`` complaints with their customers and compensation, by ``bulk_create``."""
    configure(database_url)
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from complaints.models import Category, Complaint, Customer
    from recovery.models import CompensationAction
    from staff.models import Region, Role, Store, User

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    region = Region.objects.create(code="R1", name="Bench")
    stores = [Store.objects.create(code=f"S{n}", name=f"Store {n}", region=region) for n in (1, 2)]
    staff = [User.objects.create_user(username=f"frontline{n}", store=store) for n, store in enumerate(stores, 1)]
    admin = User.objects.create_user(username="admin", role=Role.ADMIN)
    categories = [
        Category.objects.create(code=code, name_en=en, name_zh=zh)
        for code, en, zh in [
            ("food_quality", "Food quality", "菜品质量"),
            ("wait_time", "Waiting time", "等候时间"),
            ("staff_attitude", "Staff attitude", "服务态度"),
            ("billing", "Billing", "结账问题"),
        ]
    ]
    customer_ids = []
    for start in range(0, rows // 2, BATCH):
        customer_ids += [
            customer.pk
            for customer in Customer.objects.bulk_create(
                Customer(name=customer_name(n), phone=f"+86138{n:08d}")
                for n in range(start, min(start + BATCH, rows // 2))
            )
        ]
    granted = 0
    for start in range(0, rows, BATCH):
        complaints = Complaint.objects.bulk_create(
            complaint(n, rows, stores, staff, categories, customer_ids) for n in range(start, min(start + BATCH, rows))
        )
        actions = [
            CompensationAction(
                complaint=c,
                store_id=c.store_id,
                customer_id=c.customer_id,
                kind="voucher",
                amount=Decimal(10 + n % 50),
                currency="CNY",
                status="granted",
                requested_by_id=c.assignee_id,
                granted_by_id=c.assignee_id,
                granted_at=c.responded_at,
                business_day=c.responded_at.date(),
            )
            for n, c in enumerate(complaints, start)
            if n % 4 == 0 and c.responded_at is not None
        ]
        granted += len(CompensationAction.objects.bulk_create(actions))
        progress(f"filled {min(start + BATCH, rows)} of {rows} complaints")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"token": Token.objects.create(user=admin).key, "granted": granted, "seconds": time.perf_counter() - started}


def customer_name(n: int) -> str:
    if n % 100 == 7:
        return f'=HYPERLINK("http://example.invalid/{n}","x")'
    return f"王女士 {n}" if n % 2 else f"Customer {n}, Jr."


def complaint(n: int, rows: int, stores, staff, categories, customer_ids):
    from complaints.models import Complaint

    created = FIRST_DAY + SPAN * n / rows
    stage = n % 20  # 0-2 new, 3-5 apologized, 6-9 responded, 10-19 closed
    description = (
        f'=1+1 "formula" {n}'
        if n % 100 == 42
        else f'汤是凉的，等了四十分钟, "cold soup" after a 40-minute wait (complaint {n})'
    )
    store = n % 2
    return Complaint(
        id=uuid.uuid4(),
        reference=f"{stores[store].code}-{n:07d}",
        store=stores[store],
        customer_id=None if n % 10 == 9 else customer_ids[(n // 2) % len(customer_ids)],
        channel=["in_person", "phone", "online"][n % 3],
        category=categories[n % len(categories)],
        severity=["low", "medium", "high", "critical"][n % 4],
        stage=["pre_sale", "in_sale", "after_sale"][n % 3],
        description=description,
        status="new" if stage < 3 else "apologized" if stage < 6 else "responded" if stage < 10 else "closed",
        assignee=staff[store],
        created_by=staff[store],
        intake_digest=hashlib.sha256(str(n).encode()).hexdigest(),
        created_at=created,
        apologized_at=created + timedelta(minutes=5) if stage >= 3 else None,
        responded_at=created + timedelta(minutes=30) if stage >= 6 else None,
        followed_up_at=created + timedelta(days=1) if stage >= 10 else None,
        closed_at=created + timedelta(days=1, hours=1) if stage >= 10 else None,
        closure_code="resolved" if stage >= 10 else "",
        servqual_dimension="reliability" if stage >= 10 else "",
        blueprint_area="back_stage" if stage >= 10 else "",
        satisfaction=1 + n % 5 if stage >= 10 else None,
        escalation_level=n % 4 if stage < 10 else 0,
    )


# --- Phases (each in a fresh process) ------------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed_and_traced(name: str, stream, warm_up) -> dict:
    """``stream()`` (byte chunks of CSV, a header line first) once timed, then once under tracemalloc,
    after consuming ``warm_up()`` (imports, caches, the connection)."""
    for _chunk in warm_up():
        pass
    rss_before = rss_mb()
    started = time.perf_counter()
    first_byte = None
    size = lines = 0
    for chunk in stream():
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")  # no complaint here has a line break of its own
    seconds = time.perf_counter() - started
    rss_growth = rss_mb() - rss_before

    tracemalloc.start()
    traced_lines = sum(chunk.count(b"\n") for chunk in stream())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    progress(f"{name}: {lines - 1} rows in {seconds:.2f}s")
    return {
        "name": name,
        "rows": lines - 1,
        "traced_rows": traced_lines - 1,
        "mb": size / 2**20,
        "seconds": seconds,
        "first_byte": first_byte or seconds,
        "rss_growth": rss_growth,
        "py_peak": peak / 2**20,
    }


def export_sql(database_url: str) -> str:
    """The export's own SELECT for an admin, every row, its parameters bound (COPY takes none)."""
    from api.complaints.export import complaint_export_values
    from complaints.selectors import complaints_visible_to
    from staff.models import User

    admin = User.objects.get(username="admin")
    rows = complaint_export_values(complaints_visible_to(admin).order_by("created_at", "pk"))
    query, params = rows.query.sql_with_params()
    with psycopg.connect(database_url) as conn:
        return psycopg.ClientCursor(conn).mogrify(query, params)


def measure_copy(database_url: str) -> dict:
    configure(database_url)
    select = export_sql(database_url)

    def copy(limit: str = ""):
        with conn.cursor() as cursor, cursor.copy(f"COPY ({select}{limit}) TO STDOUT WITH CSV HEADER") as rows:
            for chunk in rows:
                yield bytes(chunk)

    with psycopg.connect(database_url, autocommit=True) as conn:
        return timed_and_traced("baseline COPY", copy, lambda: copy(" LIMIT 100"))


def measure_export(database_url: str, token: str, query_string: str, name: str) -> dict:
    configure(database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.wsgi import application

    statuses = []

    def get(query: str):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": EXPORT_PATH,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "HTTP_ACCEPT": "text/csv",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        body = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            yield from body
        finally:
            body.close()

    result = timed_and_traced(name, lambda: get(query_string), lambda: get(WARM_UP_QUERY))
    with CaptureQueriesContext(connection) as queries:
        for _chunk in get(query_string):
            pass
    result["queries"] = len(queries)
    result["statuses"] = sorted(set(statuses))
    return result


def expected_rows(database_url: str, until: str | None) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        if until is None:
            return conn.execute("SELECT count(*) FROM complaints_complaint").fetchone()[0]
        return conn.execute(
            "SELECT count(*) FROM complaints_complaint WHERE created_at < %s::date + 1", [until]
        ).fetchone()[0]


# --- Report -------------------------------------------------------------------------------------


def report(phases: list[dict], facts: dict) -> list[str]:
    """Print the figures; return what failed."""
    print()
    print("Export benchmark: GET /api/v1/complaints/export.csv vs. COPY (the same SELECT) TO STDOUT, same run")
    print(f"  data      {facts['rows']} complaints in 2 stores, {facts['granted']} with compensation granted")
    print(f"            {facts['fill']}")
    print(
        f"  machine   {os.cpu_count()} CPUs, load {facts['load']} when the run began; PostgreSQL {facts['postgres']}; "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print("  phases    each in a fresh process after a warm-up: a timed pass, then one under tracemalloc (py peak)")
    print()
    header = (
        f"{'phase':<15}{'rows':>9}{'MB':>8}{'seconds':>9}{'rows/s':>10}{'MB/s':>8}{'1st byte s':>11}"
        f"{'RSS growth MB':>15}{'py peak MB':>12}{'SQL':>5}"
    )
    print(header)
    print("-" * len(header))
    for phase in phases:
        print(
            f"{phase['name']:<15}{phase['rows']:>9}{phase['mb']:>8.1f}{phase['seconds']:>9.2f}"
            f"{phase['rows'] / phase['seconds']:>10.0f}{phase['mb'] / phase['seconds']:>8.1f}"
            f"{phase['first_byte']:>11.2f}"
            f"{phase['rss_growth']:>15.1f}{phase['py_peak']:>12.1f}{phase.get('queries', '-'):>5}"
        )
    print()
    base, full, tenth = phases
    base_rate, full_rate = base["rows"] / base["seconds"], full["rows"] / full["seconds"]
    verdict = "met" if full_rate >= TARGET_ROWS_PER_SECOND else "NOT met"
    print(
        f"export / baseline: {full_rate / base_rate:.2f}x the rows/s ({full_rate:,.0f} vs {base_rate:,.0f}); "
        f"target {TARGET_ROWS_PER_SECOND:,} rows/s {verdict}"
    )
    print(
        f"memory: {full['rows']} rows peak at {full['py_peak']:.1f} MB of Python heap, {tenth['rows']} rows at "
        f"{tenth['py_peak']:.1f} MB ({full['py_peak'] / tenth['py_peak']:.2f}x for {full['rows'] / tenth['rows']:.0f}x "
        f"the rows); peak RSS grew {full['rss_growth']:.1f} MB vs {tenth['rss_growth']:.1f} MB"
    )
    failures = []
    for phase, expected in [(base, facts["rows"]), (full, facts["rows"]), (tenth, facts["tenth"])]:
        if phase["rows"] != expected or phase["traced_rows"] != expected:
            failures.append(
                f"{phase['name']}: {phase['rows']} rows ({phase['traced_rows']} traced), {expected} expected"
            )
    for phase in (full, tenth):
        if phase["queries"] != 3:
            failures.append(f"{phase['name']}: {phase['queries']} SQL statements, 3 expected (token, zones, rows)")
        if phase["statuses"] != ["200 OK"]:
            failures.append(f"{phase['name']}: answered {phase['statuses']}")
    for failure in failures:
        print(f"FAILED {failure}")
    return failures


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    database_url = f"{args.pg}/{args.db_name}"
    admin = psycopg.connect(f"{args.pg}/postgres", autocommit=True, connect_timeout=10)
    if not admin.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"srd-bench:{args.db_name}"]).fetchone()[0]:
        raise SystemExit(f"error: another benchmark run is using database {args.db_name}; wait for it to finish.")
    facts = {
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "postgres": admin.execute("SHOW server_version").fetchone()[0],
    }
    try:
        if args.reuse_db:
            progress(f"reusing database {args.db_name}")
            with psycopg.connect(database_url, autocommit=True) as conn:
                token = conn.execute(
                    "SELECT key FROM authtoken_token t JOIN staff_user u ON u.id = t.user_id WHERE username = 'admin'"
                ).fetchone()[0]
                granted = conn.execute("SELECT count(*) FROM recovery_compensationaction").fetchone()[0]
            facts["fill"] = "database reused"
        else:
            progress(f"recreating database {args.db_name}")
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))
            filled = in_child(fill, database_url, args.rows)
            token, granted = filled["token"], filled["granted"]
            facts["fill"] = f"migrated and filled in {filled['seconds']:.1f}s"
        facts.update(
            rows=expected_rows(database_url, None), tenth=expected_rows(database_url, TENTH_UNTIL), granted=granted
        )
        progress("baseline: COPY (the export's SELECT) TO STDOUT WITH CSV")
        phases = [in_child(measure_copy, database_url)]
        progress("export: every row")
        phases.append(in_child(measure_export, database_url, token, "", "export"))
        progress("export: a tenth of the rows")
        phases.append(in_child(measure_export, database_url, token, f"created_to={TENTH_UNTIL}", "export 10%"))
        failures = report(phases, facts)
        print(f"\nwall time {time.monotonic() - began:.1f}s")
        return 1 if failures else 0
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        if not args.keep_db:
            with contextlib.suppress(Exception):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
                progress(f"dropped database {args.db_name}")
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
