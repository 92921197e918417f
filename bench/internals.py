"""Benchmark: what each framework internal in core/internals.py saves, against Django's and DRF's own way, in
the same run.

    instances   1,000 deadlines read back as model instances: ``Model.from_db`` each (Django's way) vs
                ``instances_from_rows`` (the instance's dict set directly), from the same rows in memory
    fields      a complaint's create input checked 2,000 times: a fresh ``ComplaintCreateInputSerializer``
                each (DRF deep-copies its fields) vs ``validated`` (fields bound once per thread, lent)

It makes its own database (``srd_bench_internals``: migrate, seed_demo), and drops it at the end.

    .venv/bin/python bench/internals.py [--repeat 5]

Each figure is the best of ``--repeat`` runs, in microseconds per item; the ratio is Django's or DRF's time
over ours.
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def best(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="srd_bench_internals")
    args = parser.parse_args()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
        admin.execute(f"CREATE DATABASE {args.db_name}")
    os.environ.update(DATABASE_URL=f"{args.pg}/{args.db_name}", DJANGO_SETTINGS_MODULE="config.settings", DEBUG="False")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115

        from api.complaints.serializers import ComplaintCreateInputSerializer
        from complaints.models import Deadline
        from core.internals import instances_from_rows
        from core.rest.fields import validated

        now = timezone.now()
        names = [field.attname for field in Deadline._meta.concrete_fields]
        template = {field.attname: field.get_default() for field in Deadline._meta.concrete_fields}
        template |= {"complaint_id": uuid.uuid4(), "step": "respond", "started_at": now, "due_at": now}
        rows = [tuple({**template, "id": n}[name] for name in names) for n in range(1000)]
        django_way = best(args.repeat, lambda: [Deadline.from_db("default", names, row) for row in rows])
        ours = best(args.repeat, lambda: instances_from_rows(Deadline, "default", names, rows))
        report("instances", len(rows), django_way, ours)

        body = {
            "channel": "in_person",
            "category": "food_quality",
            "stage": "in_sale",
            "severity": "medium",
            "description": "The soup was cold and nobody came for twenty minutes.",
            "customer": {"name": "Li", "phone": "13800138000"},
        }
        checks = 2000

        def fresh() -> None:
            for _ in range(checks):
                serializer = ComplaintCreateInputSerializer(data=body)
                serializer.is_valid(raise_exception=True)

        def lent() -> None:
            for _ in range(checks):
                validated(ComplaintCreateInputSerializer, body)

        report("fields", checks, best(args.repeat, fresh), best(args.repeat, lent))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.db_name}")
    return 0


def report(name: str, count: int, framework: float, ours: float) -> None:
    print(
        f"{name:10} {count:6} items: framework {framework / count * 1e6:8.1f} us each, "
        f"ours {ours / count * 1e6:8.1f} us each, {framework / ours:5.2f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
