"""Benchmark: compensation grants under concurrent load, and the approval queue with 10,000 pending.

What it measures
    1. Grants: concurrent clients POST ``/api/v1/complaints/{id}/compensation/`` (one voucher of 1.00)
       on complaints already responded, against gunicorn (DEBUG=False, PostgreSQL). The frontline
       policy is made generous so every grant is granted at once: the path measured is the grant
       (locks, sums, inserts, events), not the approval request. Three variants:
         own_staff_own_customer  each client is its own staff member, each complaint its own customer
         one_staff               all clients grant as one staff member (they queue on that user's row lock)
         one_customer            all grants go to one customer (they queue on the customer's row lock)
       Baseline, same run: the one-INSERT app of ``bench/baseline_app.py`` (the stack's ceiling).
    2. The approval queue with N (default 10,000) pending requests over stores S1 and S2:
       ``GET /api/v1/approvals/?status=pending`` as supervisor1 (S1's half) and manager1 (both
       stores), page sizes 25 and 200, one client and several; baseline ``GET /healthz`` (the
       framework without the database). Plus queries per request and the page query's plan.

    .venv/bin/python bench/grants.py [--grants 1500] [--concurrency 8] [--pending 10000]

Progress goes to stderr, the report to stdout. Exit status 1 if any request failed.
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from complaint_create import (
    BASELINE_PATH,
    PYTHON,
    ROOT,
    Phase,
    Server,
    admin_connection,
    bench_env,
    drop_database,
    gunicorn_version,
    manage,
    progress,
    recreate_database,
)

GRANT_BODY = json.dumps({"compensation": [{"kind": "voucher", "amount": "1.00", "note": "bench"}]}).encode()
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=1500, help="measured grants per variant")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--pending", type=int, default=10_000, help="pending approval requests for the queue")
    parser.add_argument("--queue-requests", type=int, default=200, help="measured queue requests per case")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--db-name", default="srd_bench_grants")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.worker_class, args.threads, args.warmup = "sync", 1, 0
    return args


def setup(env: dict[str, str], *arguments: str) -> dict:
    command = [PYTHON, str(ROOT / "bench" / "grant_setup.py"), *arguments]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"grant_setup {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def load(
    name: str,
    requests: list[Callable[[httpx.Client], httpx.Response]],
    concurrency: int,
    ok: Callable[[httpx.Response], bool],
) -> Phase:
    """Run each request once, from ``concurrency`` threads with a client each; time the ``ok`` ones."""
    phase = Phase(name=name, concurrency=concurrency)
    indexes = itertools.count()
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)

    def worker() -> None:
        latencies, errors = [], {}
        with httpx.Client(timeout=60) as client:
            ready.wait()
            while (i := next(indexes)) < len(requests):
                started = time.perf_counter()
                try:
                    response = requests[i](client)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if ok(response):
                    latencies.append(elapsed)
                else:
                    key = f"HTTP {response.status_code}"
                    errors[key] = errors.get(key, 0) + 1
                    if len(phase.error_samples) < 3:
                        phase.error_samples.append(response.text[:300])
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.errors.update(errors)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    progress(
        f"{name}: {phase.completed} requests in {phase.seconds:.1f}s, {phase.rps:.0f}/s, errors {dict(phase.errors)}"
    )
    return phase


def granted(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.json()["compensation"][-1]["status"] == "granted"


def row(phase: Phase, baseline: Phase | None = None) -> str:
    line = (
        f"{phase.name:<34} {phase.completed:>6} {phase.concurrency:>4} {phase.rps:>8.1f} "
        f"{phase.percentile(50):>8.1f} {phase.percentile(95):>8.1f} {phase.percentile(99):>8.1f} "
        f"{sum(phase.errors.values()):>6}"
    )
    if baseline and baseline.rps:
        line += f"   {phase.rps / baseline.rps:.3f}x"
    return line


HEADER = f"{'target':<34} {'reqs':>6} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    database_url = f"{args.pg}/{args.db_name}"
    env = bench_env(database_url)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    admin = admin_connection(args)
    logdir = Path(tempfile.mkdtemp(prefix="srd-bench-grants-"))
    servers: list[Server] = []
    created = False
    try:
        load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
        postgres = recreate_database(admin, args.db_name)
        created = True
        progress("migrate, seed_demo")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--force")
        with contextlib.closing(__import__("psycopg").connect(database_url, autocommit=True)) as conn:
            conn.execute("CREATE TABLE bench_baseline (id serial PRIMARY KEY, payload text NOT NULL)")
        progress(f"grant fixtures: {args.concurrency} staff, {args.grants} responded complaints per variant")
        plan = setup(env, "grants", "--staff", str(args.concurrency), "--complaints", str(args.grants))

        # --- 1. Grants ---
        baseline_server = Server("baseline", "baseline_app:application", args, env, logdir)
        servers.append(baseline_server)
        baseline_server.wait_healthy()
        insert = [
            (lambda c, i=i: c.post(baseline_server.url + BASELINE_PATH, content=b'{"n": %d}' % i, headers=JSON_HEADERS))
            for i in range(args.grants)
        ]
        baseline = load("baseline one-INSERT", insert, args.concurrency, lambda r: r.status_code == 201)
        baseline_server.stop()

        product = Server("product", "config.wsgi", args, env, logdir)
        servers.append(product)
        product.wait_healthy()
        grant_phases = []
        for variant, ids in plan["complaints"].items():
            tokens = plan["tokens"][:1] if variant == "one_staff" else plan["tokens"]
            requests = [
                (
                    lambda c, cid=cid, token=tokens[i % len(tokens)]: c.post(  # noqa: B008 (bound per request)
                        f"{product.url}/api/v1/complaints/{cid}/compensation/",
                        content=GRANT_BODY,
                        headers={**JSON_HEADERS, "Authorization": f"Token {token}"},
                    )
                )
                for i, cid in enumerate(ids)
            ]
            grant_phases.append(load(f"grant {variant}", requests, args.concurrency, granted))

        # --- 2. The approval queue ---
        progress(f"queue fixtures: {args.pending} pending approval requests")
        started = time.monotonic()
        filled = setup(env, "pending", "--count", str(args.pending))
        fill_seconds = time.monotonic() - started
        profile = setup(env, "profile")
        session_tokens = {}
        for username in ("supervisor1", "manager1"):
            response = httpx.post(
                f"{product.url}/api/v1/auth/token/", json={"username": username, "password": "demo-pass-123"}
            )
            session_tokens[username] = response.json()["token"]
        health = load(
            "baseline GET /healthz",
            [lambda c: c.get(f"{product.url}/healthz")] * args.queue_requests,
            1,
            lambda r: r.status_code == 200,
        )
        queue_phases = []
        for username, size, concurrency in [
            ("supervisor1", 25, 1),
            ("manager1", 25, 1),
            ("manager1", 200, 1),
            ("manager1", 25, 4),
        ]:
            headers = {"Accept": "application/json", "Authorization": f"Token {session_tokens[username]}"}
            url = f"{product.url}/api/v1/approvals/?status=pending&page_size={size}"
            requests = [lambda c, url=url, headers=headers: c.get(url, headers=headers)] * args.queue_requests
            queue_phases.append(
                load(f"queue {username} page {size}", requests, concurrency, lambda r: r.status_code == 200)
            )
        product.stop()

        # --- Report ---
        print()
        print("Compensation benchmark: grants under concurrent load, and the approval queue")
        print(f"  server    {gunicorn_version()}, {args.workers} sync workers, DEBUG=False, PostgreSQL {postgres}")
        print(f"  machine   {os.cpu_count()} CPUs shared by clients, gunicorn and PostgreSQL; load {load_average}")
        print(f"            Python {platform.python_version()}, {platform.system()} {platform.release()}")
        print()
        print("1. Grants: POST /complaints/{id}/compensation/ (one voucher), all granted at once")
        print(HEADER + "   vs baseline")
        print(row(baseline))
        for phase in grant_phases:
            print(row(phase, baseline))
        print()
        print(f"2. Approval queue: GET /approvals/?status=pending with {filled['pending']} pending")
        print(f"   (filled in {fill_seconds:.1f}s; supervisor1 sees S1's half, manager1 both stores)")
        print(HEADER + "   vs baseline")
        print(row(health))
        for phase in queue_phases:
            print(row(phase, health))
        print()
        for key, value in profile.items():
            if key.startswith("queue_"):
                print(f"   {key}: {value['queries']} SQL queries for {value['rows']} rows of {value['total']}")
        if "grant" in profile:
            print(f"   grant: {profile['grant']['queries']} SQL queries per granted compensation request")
        for key, value in profile.items():
            if key.startswith("explain_"):
                print(
                    f"   {key}: page query plan {value['top_node']}, execution {value['execution_ms']} ms, "
                    f"planning {value['planning_ms']} ms"
                )
        print(f"\nwall time {time.monotonic() - began:.1f}s")
        phases = [baseline, *grant_phases, health, *queue_phases]
        return 1 if any(phase.errors for phase in phases) else 0
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        if created and not args.keep_db:
            with contextlib.suppress(Exception):
                drop_database(admin, args.db_name)
        admin.close()
        for path in logdir.iterdir():
            path.unlink()
        logdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
