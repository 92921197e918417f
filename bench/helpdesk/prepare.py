"""Set up the benchmark's peer database, and look at one django-helpdesk create in-process.

Run by ``bench/complaint_create.py`` in the peer's venv (``bench/.venv-helpdesk/bin/python``), in
``bench/helpdesk/``, with the peer's environment (``DJANGO_SETTINGS_MODULE=settings``,
``HELPDESK_BENCH_DATABASE_URL``, ``SECRET_KEY``), on a freshly created, empty database. It migrates,
makes the one queue and the one staff user (helpdesk's API admits staff only) with a DRF token, then
posts ``--creates`` tickets through Django's test client (middleware, DRF, token authentication),
each under ``CaptureQueriesContext``, to count the SQL statements of a create as
``bench/create_queries.py`` counts the product's. Prints one JSON object on stdout.

    python prepare.py [--creates 10] [--warmup 3]
"""

import argparse
import json
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent

USERNAME = "bench-agent"
QUEUE = {"title": "Front of house", "slug": "front-of-house", "email_address": "front@bench.invalid"}


def ticket_body(i: int, queue: int) -> dict:
    """The peer's create body, as ``complaint_create.helpdesk_body`` sends it over HTTP."""
    return {
        "queue": queue,
        "title": f"In-process bench ticket {i}: food quality",
        "description": f"In-process bench ticket {i}: the soup was cold.",
        "submitter_email": f"query.count.{i}@bench.invalid",
        "priority": 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=10, help="measured creates (0: set up only)")
    parser.add_argument("--warmup", type=int, default=3, help="creates run first and not counted")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE.parent))  # bench/, for create_queries.describe (standard library only)
    import django

    django.setup()

    from create_queries import describe
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from helpdesk.models import Queue
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    call_command("migrate", interactive=False, verbosity=0)
    queue = Queue.objects.create(**QUEUE)
    user = get_user_model().objects.create_user(USERNAME, f"{USERNAME}@bench.invalid", is_staff=True)
    token = Token.objects.create(user=user)
    result = {
        "token": token.key,
        "queue": queue.pk,
        "versions": {
            "django-helpdesk": version("django-helpdesk"),
            "Django": django.get_version(),
            "djangorestframework": version("djangorestframework"),
        },
    }
    if args.creates:
        client = APIClient(HTTP_HOST="127.0.0.1")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

        def create(i: int) -> dict:
            response = client.post("/api/tickets/", ticket_body(i, queue.pk), format="json")
            if response.status_code != 201:
                raise SystemExit(f"create returned {response.status_code}: {response.content[:500]!r}")
            return response.json()

        for i in range(args.warmup):
            answer = create(i)
        counts, millis, labels = [], [], []
        for i in range(args.warmup, args.warmup + args.creates):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                answer = create(i)
                millis.append((time.perf_counter() - started) * 1000)
            counts.append(len(captured.captured_queries))
            labels = [describe(q["sql"]) for q in captured.captured_queries]
        result["sql"] = {
            "creates": args.creates,
            "queries": counts,
            "statements": labels,
            "ms_median": statistics.median(millis),
            "ms_min": min(millis),
            "answer_fields": sorted(answer),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
