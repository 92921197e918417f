"""Benchmark: the API while Redis is down or hung, against the same API with Redis up, in the same run.

What it measures
    Requests/s and latency (p50, p99) of a frontline employee's complaint, walked to an approval over
    HTTP: ``POST /api/v1/complaints/`` (201), ``…/apologize/`` (200) and ``…/respond/`` with ¥80, above
    a frontline employee's ¥50 (200, awaiting approval: it sends a task to tell the approvers at once).
    Three gunicorn servers on the same settings (DEBUG=False, PostgreSQL, sync workers), their Redis
    (``REDIS_URL``: Celery's broker, any result backend, the rate-limit cache) being:
      redis-up    a redis-server of its own (on a free loopback port), running: the baseline;
      redis-down  a loopback port where nothing listens (Redis stopped);
      redis-hung  a loopback listener that accepts connections and never answers.
    Each request must answer its status; anything else is an error. Also ``GET /readyz`` on each.

    Rounds, as in ``complaint_create.py``: every target in turn, the first rotated, the figures pooled.
    Then, nothing lost: the approvals that redis-down and redis-hung could not announce are due in the
    database; one run of the sweep (``recovery.tasks.sweep_due``, in-process, on the running Redis)
    tells every approver, and the report counts the approval requests whose approvers were not told.

How it runs
    It (re)creates its own database (``srd_bench_redis``), migrates it and seeds the demo data, starts
    redis-server (``--save "" --appendonly no``), the listener and the three servers, runs the rounds,
    stops them all and drops the database. Only loopback traffic; bounded by --flows and --max-seconds.

        .venv/bin/python bench/redis_outage.py [--flows 300] [--concurrency 8] [--workers 2]

Progress goes to stderr, the report to stdout. Exit status 1 if any request failed or anything was lost.
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from complaint_create import (
    PYTHON,
    ROOT,
    Phase,
    Server,
    admin_connection,
    bench_env,
    complaint_body,
    drop_database,
    free_port,
    get_token,
    gunicorn_version,
    manage,
    progress,
    recreate_database,
)

RESPOND_BODY = json.dumps(
    {"resolution": "Replaced the soup.", "compensation": [{"kind": "voucher", "amount": "80.00", "note": "bench"}]}
).encode()
APOLOGIZE_BODY = json.dumps({"note": "Sorry."}).encode()
STEPS = ("create", "apologize", "respond")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=300, help="complaints walked to approval, per target")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each loads every target in turn, rotated")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--max-seconds", type=float, default=180, help="stop a target's round after this long")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--db-name", default="srd_bench_redis")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.flows <= 20_000 or not 1 <= args.concurrency <= 64 or args.flows < args.rounds:
        parser.error("--flows from --rounds to 20000, --concurrency from 1 to 64")
    args.worker_class, args.threads = "sync", 1
    return args


# --- Redis: running, stopped, hung ------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server on a free loopback port, nothing kept on disk."""

    def __init__(self, logdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("error: redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=logdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING within 20 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class HungRedis:
    """A listener that accepts connections and never answers: the worst kind of outage."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(128)
        self.server.settimeout(0.2)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(OSError):
                self.accepted.append(self.server.accept()[0])

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.accepted:
            connection.close()
        self.server.close()


# --- Load -------------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    server: Server
    headers: dict[str, str]
    rounds: list[dict[str, Phase]] = field(default_factory=list)
    readyz: tuple[int, dict] | None = None


def walk(target: Target, first: int, count: int, concurrency: int, max_seconds: float) -> dict[str, Phase]:
    """``count`` complaints, each created, apologized for and responded to above the limit, from
    ``concurrency`` threads; a phase per step, its seconds those of the whole round."""
    phases = {step: Phase(name=f"{target.name} {step}", concurrency=concurrency) for step in STEPS}
    indexes = itertools.count(first)
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds

    def post(client: httpx.Client, step: str, path: str, body: bytes, expected: int, latencies, errors) -> dict | None:
        started = time.perf_counter()
        try:
            response = client.post(target.server.url + path, content=body)
        except httpx.HTTPError as exc:
            errors[step][type(exc).__name__] += 1
            return None
        if response.status_code != expected:
            errors[step][f"HTTP {response.status_code}"] += 1
            return None
        latencies[step].append((time.perf_counter() - started) * 1000)
        return response.json()

    def worker() -> None:
        latencies = {step: [] for step in STEPS}
        errors = {step: Counter() for step in STEPS}
        with httpx.Client(headers=target.headers, timeout=60) as client:
            while (i := next(indexes)) < first + count and time.perf_counter() < deadline:
                created = post(client, "create", "/api/v1/complaints/", complaint_body(i), 201, latencies, errors)
                if created is None:
                    continue
                path = f"/api/v1/complaints/{created['id']}"
                if post(client, "apologize", f"{path}/apologize/", APOLOGIZE_BODY, 200, latencies, errors) is None:
                    continue
                responded = post(client, "respond", f"{path}/respond/", RESPOND_BODY, 200, latencies, errors)
                if responded is not None and responded["status"] != "awaiting_approval":
                    errors["respond"][f"status {responded['status']}"] += 1
        with lock:
            for step in STEPS:
                phases[step].latencies_ms.extend(latencies[step])
                phases[step].errors.update(errors[step])

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for phase in phases.values():
        phase.seconds = time.perf_counter() - started
    return phases


def pooled(target: Target, step: str) -> Phase:
    phase = Phase(name=step, concurrency=0, seconds=sum(r[step].seconds for r in target.rounds))
    for run in target.rounds:
        phase.latencies_ms += run[step].latencies_ms
        phase.errors.update(run[step].errors)
    return phase


def not_told(env: dict[str, str]) -> dict[str, int]:
    """Run the sweep once, in-process, on the running Redis; count the pending approval requests
    whose approvers have no notice (their announcement was lost with Redis and not made up)."""
    script = """
import django, json
django.setup()
from recovery.models import ApprovalRequest, Notification
from recovery.tasks import sweep_due
pending = ApprovalRequest.objects.filter(status="pending")
before = pending.exclude(complaint__notifications__kind="approval_requested").count()
while sweep_due()["deadlines"]:
    pass
after = pending.exclude(complaint__notifications__kind="approval_requested").count()
print(json.dumps({"pending": pending.count(), "untold_before_sweep": before, "untold_after_sweep": after}))
"""
    result = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"the sweep failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(targets: list[Target], args: argparse.Namespace, lost: dict[str, int]) -> bool:
    print("Redis outage: a complaint walked to approval (create, apologize, respond above the limit) over HTTP")
    print(
        f"  gunicorn {gunicorn_version()}, {args.workers} sync workers a server, {args.concurrency} client threads, "
        f"{args.flows} complaints a target in {args.rounds} rounds; {platform.python_version()}, "
        f"{os.cpu_count()} cores"
    )
    ok = True
    header = f"  {'target':<11} {'step':<10} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>9} {'max ms':>9}  errors"
    print(header)
    for target in targets:
        for step in STEPS:
            phase = pooled(target, step)
            worst = max(phase.latencies_ms, default=float("nan"))
            print(
                f"  {target.name:<11} {step:<10} {phase.rps:>7.1f} {phase.percentile(50):>8.1f} "
                f"{phase.percentile(99):>9.1f} {worst:>9.1f}  {dict(phase.errors) or '-'}"
            )
            ok = ok and not phase.errors
    baseline = pooled(targets[0], "create")
    for target in targets[1:]:
        create = pooled(target, "create")
        print(
            f"  create, {target.name} vs redis-up: {create.rps / baseline.rps:.2f}x the req/s, "
            f"p99 {create.percentile(99) / baseline.percentile(99):.2f}x"
        )
    for target in targets:
        status, body = target.readyz
        print(f"  /readyz on {target.name}: {status} {json.dumps(body, ensure_ascii=False)}")
    print(
        f"  nothing lost: {lost['pending']} requests awaiting approval; approvers not told before the sweep: "
        f"{lost['untold_before_sweep']}, after one sweep on the running Redis: {lost['untold_after_sweep']}"
    )
    return ok and lost["untold_after_sweep"] == 0


def main() -> int:
    args = parse_args()
    admin = admin_connection(args)
    database_url = f"{args.pg}/{args.db_name}"
    logdir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    redis_up = hung = None
    servers: list[Server] = []
    try:
        recreate_database(admin, args.db_name)
        redis_up = RedisServer(logdir)
        hung = HungRedis()
        env = bench_env(database_url) | {"REDIS_URL": redis_up.url}
        progress(f"migrating and seeding {args.db_name}")
        manage(env, "migrate", "--no-input")
        manage(env, "seed_demo", "--force")
        redis_urls = {
            "redis-up": redis_up.url,
            "redis-down": f"redis://127.0.0.1:{free_port()}/0",
            "redis-hung": hung.url,
        }
        targets = []
        for name, url in redis_urls.items():
            server = Server(name, "config.wsgi", args, env | {"REDIS_URL": url}, logdir)
            servers.append(server)
            targets.append(Target(name, server, {}))
        for target in targets:
            target.server.wait_healthy()
            token = get_token(target.server)
            target.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            response = httpx.get(f"{target.server.url}/readyz", timeout=30)
            target.readyz = (response.status_code, response.json())
        share, remainder = divmod(args.flows, args.rounds)
        first = 0
        for k in range(args.rounds):
            count = share + (1 if k < remainder else 0)
            for target in targets[k % len(targets) :] + targets[: k % len(targets)]:
                progress(f"round {k + 1}/{args.rounds}, {target.name}: {count} complaints, {args.concurrency} threads")
                target.rounds.append(walk(target, first, count, args.concurrency, args.max_seconds))
                first += count
        for server in servers:
            server.stop()
        lost = not_told(env)
        return 0 if report(targets, args, lost) else 1
    finally:
        for server in servers:
            server.stop()
        if hung is not None:
            hung.stop()
        if redis_up is not None:
            redis_up.stop()
        if not args.keep_db:
            drop_database(admin, args.db_name)
        admin.close()
        shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
