"""In-process look at one complaint create: SQL statements per request, and time without HTTP.

Run by ``bench/complaint_create.py`` (as a subprocess, with the benchmark's environment: the bench
database, ``DJANGO_SETTINGS_MODULE=config.settings``). It posts complaints through Django's test
client (the whole middleware and DRF stack, token authentication included) as ``frontline1``,
each under ``CaptureQueriesContext``, and prints one JSON object on stdout.

Django 6 logs the transaction's BEGIN and COMMIT and the SAVEPOINT/RELEASE statements, so they
are counted; the ``SELECT 1`` of ``CONN_HEALTH_CHECKS`` at a request's first query on a reused
connection is not (it bypasses the cursor wrapper).

    python bench/create_queries.py [--creates 10] [--warmup 3] [--profile 0] [--profile-sort cumulative|tottime]
        [--idempotency-keys]
"""

import argparse
import cProfile
import io
import json
import pstats
import re
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent

TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def describe(sql: str) -> str:
    """``SELECT complaints_category`` / ``INSERT complaints_customer`` / ``SAVEPOINT``: a short label, naming the
    statement's own table, not a subquery's in its select list (the token's query reads the reference version)."""
    verb = sql.lstrip().split(None, 1)[0].upper()
    if verb in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"}:
        return verb
    # A WITH is named by its first write, inside its parentheses.
    tables = [m for m in TABLE.finditer(sql) if sql.count("(", 0, m.start()) == sql.count(")", 0, m.start())]
    match = tables[0] if tables and verb != "WITH" else TABLE.search(sql)
    return f"{verb} {match.group(1)}" if match else verb


def body(i: int) -> dict:
    return {
        "channel": "in_person",
        "category": "food_quality",
        "severity": "high",
        "stage": "in_sale",
        "description": f"In-process bench complaint {i}: the soup was cold.",
        "customer": {"name": f"Query Count Customer {i}", "phone": f"1390013{i % 10000:04d}"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=10, help="measured creates (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="creates run first and not counted (default 3)")
    parser.add_argument("--profile", type=int, default=0, help="also profile this many creates, print top functions")
    parser.add_argument(
        "--profile-sort", default="cumulative", choices=["cumulative", "tottime"], help="order of the profile's lines"
    )
    parser.add_argument("--idempotency-keys", action="store_true", help="send a fresh Idempotency-Key per create")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from staff.models import User

    user = User.objects.get(username="frontline1")
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def create(i: int) -> None:
        headers = {"Idempotency-Key": f"in-process-{i}-{time.time_ns()}"} if args.idempotency_keys else None
        response = client.post("/api/v1/complaints/", body(i), format="json", headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"create returned {response.status_code}: {response.content[:500]!r}")

    for i in range(args.warmup):
        create(i)
    counts, millis, database_millis, labels = [], [], [], []
    for i in range(args.warmup, args.warmup + args.creates):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            create(i)
            millis.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured.captured_queries))
        # The time Django's cursor waited on each statement: the database's part, the trigger included.
        database_millis.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        labels = [describe(q["sql"]) for q in captured.captured_queries]

    profile_text = ""
    if args.profile > 0:
        profiler = cProfile.Profile()
        start = args.warmup + args.creates
        profiler.enable()
        for i in range(start, start + args.profile):
            create(i)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.profile_sort).print_stats(30)
        profile_text = out.getvalue()

    print(
        json.dumps(
            {
                "creates": args.creates,
                "queries": counts,
                "statements": labels,
                "ms_median": statistics.median(millis),
                "database_ms_median": statistics.median(database_millis),
                "answer": answer_times(user),
                "ms_min": min(millis),
                "profile": profile_text,
            }
        )
    )


def answer_times(user, repeat: int = 300) -> dict[str, float]:
    """The create's answer (a logged complaint, read back), median ms: as the product builds it
    (``complaint_detail_data``), and as ``ComplaintDetailSerializer``, the shape it documents, would."""
    from api.complaints.serializers import ComplaintDetailSerializer, complaint_detail_data
    from complaints import selectors
    from complaints.models import Complaint

    complaint = selectors.complaint_get(user=user, complaint_id=Complaint.objects.latest("created_at").pk)

    def median_ms(build) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            build(complaint)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    context = {"request": SimpleNamespace(user=user)}
    return {
        "plain_data": median_ms(lambda complaint: complaint_detail_data(complaint, user=user)),
        "serializer": median_ms(lambda complaint: ComplaintDetailSerializer(complaint, context=context).data),
    }


if __name__ == "__main__":
    main()
