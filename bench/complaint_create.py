"""Benchmark: complaint creation over HTTP, against a baseline measured in the same run.

What it measures
    Throughput (requests/s) and latency (p50/p95/p99) of ``POST /api/v1/complaints/`` served
    by gunicorn (``config.wsgi``, DEBUG=False, PostgreSQL), with C concurrent client threads
    (httpx, one keep-alive ``Client`` per thread), authenticated as ``frontline1`` by token.
    Every complaint has its own customer phone (1380013xxxx), so each create also inserts a
    customer. Every response must be 201; anything else is counted as an error. All creates are
    for one store (S1) on one business day, so they all take the same reference-counter row lock:
    the worst case of one busy store, not a spread over many.

    Two ceilings, measured first with the same requests, bodies and concurrency:
    ``baseline-insert``, ``bench/baseline_app.py``: a bare WSGI app on the same gunicorn settings
    whose one endpoint does a single small INSERT on a persistent psycopg 3 connection, the
    ceiling of gunicorn and PostgreSQL on this machine; and ``drf-one-insert``, the product's own
    Django settings, middleware, DRF and token authentication with one more endpoint that does one
    INSERT (``bench/drf_ceiling_settings.py``, ``drf_ceiling_urls.py``): the ceiling of this stack.
    Then the product. The report gives all three, and the create's ratio to each ceiling.

    It also runs a few creates in-process (Django test client, ``CaptureQueriesContext``) to
    report the SQL statements per create request, and their time without HTTP.

How it runs
    It drops and recreates its own database (``srd_bench``), runs ``manage.py migrate`` and
    ``manage.py seed_demo --force`` against it, creates the ``bench_baseline`` table, starts each
    gunicorn on a free 127.0.0.1 port, waits for ``/healthz``, warms up (not counted), measures,
    stops it. At the end (also on Ctrl-C or an error) it stops any gunicorn still running and drops
    the database. Only loopback traffic; bounded by --requests and by --max-seconds per phase.

    From the project root:

        .venv/bin/python bench/complaint_create.py                      # defaults, or: make bench
        .venv/bin/python bench/complaint_create.py --requests 500 --concurrency 4
        .venv/bin/python bench/complaint_create.py --worker-class gthread --workers 2 --threads 4

    Servers: 4 sync gunicorn workers by default (2 per core on the 2-core machine it was written
    for). Sync workers close the connection after each response, so the clients' keep-alive is
    moot there and every request pays a loopback connect (both targets alike); it balances
    requests across the workers evenly. With gthread, keep-alive holds, but each client connection
    sticks to whichever worker accepted it, so load across processes can be lopsided and the
    figures vary more from run to run.

    Progress goes to stderr, the report to stdout. Exit status 1 if any request failed.
"""

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import signal
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
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
PYTHON = sys.executable

SECRET_KEY = "bench-only-secret-key-not-used-anywhere-else-5b8e2d9f0a7c3e1b"
CREATE_PATH = "/api/v1/complaints/"
BASELINE_PATH = "/insert"
CEILING_PATH = "/bench/insert/"


# --- Settings -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Complaint creation over HTTP vs. a one-INSERT baseline, measured in the same run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--warmup", type=int, default=50, help="requests per target before measuring (not counted)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync", help="gunicorn worker class")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (2 per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop a measured phase after this long")
    parser.add_argument("--idempotency-keys", action="store_true", help="send a fresh Idempotency-Key per create")
    parser.add_argument("--sql-creates", type=int, default=10, help="in-process creates for the SQL count (0: skip)")
    parser.add_argument("--profile", type=int, default=0, help="also cProfile this many in-process creates")
    parser.add_argument("--db-name", default="srd_bench", help="database to (re)create and drop")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    limits = {
        "requests": (1, 100_000),
        "concurrency": (1, 64),
        "warmup": (0, 10_000),
        "workers": (1, 32),
        "threads": (1, 64),
        "max_seconds": (1, 3600),
        "sql_creates": (0, 1000),
        "profile": (0, 1000),
    }
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    if not args.db_name.isidentifier():
        parser.error("--db-name must be a plain identifier")
    if args.worker_class == "sync":
        args.threads = 1
    return args


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Database -----------------------------------------------------------------------------------


def admin_connection(args: argparse.Namespace) -> psycopg.Connection:
    """A connection to the server's ``postgres`` database, holding this run's claim on --db-name.

    The claim (a session advisory lock) keeps a second run from dropping the database under a
    first one; it goes when the connection closes.
    """
    conn = psycopg.connect(f"{args.pg}/postgres", autocommit=True, connect_timeout=10)
    claimed = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"srd-bench:{args.db_name}"]).fetchone()[0]
    if not claimed:
        conn.close()
        raise SystemExit(f"error: another benchmark run is using database {args.db_name}; wait for it to finish.")
    return conn


def recreate_database(admin: psycopg.Connection, name: str) -> str:
    version = admin.execute("SHOW server_version").fetchone()[0]
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return version


def drop_database(admin: psycopg.Connection, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def count_rows(database_url: str, table: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


def bench_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "BASELINE_DATABASE_URL": database_url,
            "DEBUG": "False",
            "SECRET_KEY": SECRET_KEY,
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def manage(env: dict[str, str], *arguments: str, timeout: float = 600) -> str:
    command = [PYTHON, "manage.py", *arguments]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- Servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_version() -> str:
    result = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


class Server:
    """One gunicorn, in its own session (a Ctrl-C reaches only us; we stop it ourselves)."""

    def __init__(
        self, name: str, app: str, args: argparse.Namespace, env: dict[str, str], logdir: Path, bench_path: bool = False
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / f"{name}.log"
        command = [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            args.worker_class,
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--chdir",
            str(ROOT),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        if bench_path or app.startswith("baseline_app"):
            command += ["--pythonpath", str(BENCH)]
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.closed:
            self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} gunicorn did not answer /healthz within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: graceful shutdown of the master and its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its workers
                self.process.wait(timeout=5)
        self.log.close()


# --- Load ---------------------------------------------------------------------------------------


def complaint_body(i: int) -> bytes:
    return json.dumps(
        {
            "channel": "in_person",
            "category": "food_quality",
            "severity": "high",
            "stage": "in_sale",
            "description": f"Bench complaint {i}: the soup arrived cold after a forty-minute wait.",
            "customer": {"name": f"Bench Customer {i}", "phone": f"1380013{i % 10000:04d}"},
        }
    ).encode()


@dataclass
class Phase:
    name: str
    concurrency: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # of the successful requests
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    truncated: bool = False
    warmup_ok: int = 0  # 201 responses during the warm-up before it

    @property
    def completed(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())

    @property
    def rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in ms."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fire(
    name: str,
    url: str,
    headers: dict[str, str],
    bodies: list[bytes],
    concurrency: int,
    max_seconds: float,
    stop: threading.Event,
    idempotency_keys: bool = False,
) -> Phase:
    """POST every body in ``bodies`` to ``url`` from ``concurrency`` threads; expect 201 from each."""
    phase = Phase(name=name, concurrency=concurrency)
    indexes = itertools.count()  # next() on it is atomic under the GIL
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    deadline = [math.inf]

    def worker() -> None:
        latencies, errors, samples = [], Counter(), []
        with httpx.Client(headers=headers, timeout=30) as client:
            ready.wait()
            while not stop.is_set():
                i = next(indexes)
                if i >= len(bodies):
                    break
                if time.perf_counter() > deadline[0]:
                    phase.truncated = True
                    break
                extra = {"Idempotency-Key": f"{name}-{i}-{time.time_ns()}"} if idempotency_keys else None
                started = time.perf_counter()
                try:
                    response = client.post(url, content=bodies[i], headers=extra)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    if len(samples) < 3:
                        samples.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code == 201:
                    latencies.append(elapsed)
                else:
                    errors[f"HTTP {response.status_code}"] += 1
                    if len(samples) < 3:
                        samples.append(f"HTTP {response.status_code}: {response.text[:300]}")
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.errors.update(errors)
            phase.error_samples.extend(samples[: max(0, 5 - len(phase.error_samples))])

    threads = [threading.Thread(target=worker, name=f"{name}-{n}", daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    for thread in threads:
        while thread.is_alive():  # join in slices, so that Ctrl-C reaches the main thread
            thread.join(timeout=0.2)
    phase.seconds = time.perf_counter() - started
    return phase


def run_target(
    server: Server,
    path: str,
    headers: dict[str, str],
    bodies: list[bytes],
    args: argparse.Namespace,
    stop: threading.Event,
) -> Phase:
    warmup, measured = bodies[: args.warmup], bodies[args.warmup :]
    key = args.idempotency_keys and path == CREATE_PATH
    warmup_ok = 0
    if warmup:
        progress(f"{server.name}: warm-up, {len(warmup)} requests")
        phase = fire(f"{server.name}-warmup", server.url + path, headers, warmup, args.concurrency, 120, stop, key)
        warmup_ok = len(phase.latencies_ms)
        if phase.errors:
            progress(f"{server.name}: warm-up errors {dict(phase.errors)}; first: {phase.error_samples[:1]}")
    progress(f"{server.name}: measuring, {len(measured)} requests from {args.concurrency} threads")
    phase = fire(server.name, server.url + path, headers, measured, args.concurrency, args.max_seconds, stop, key)
    phase.warmup_ok = warmup_ok
    progress(f"{server.name}: {phase.completed} requests in {phase.seconds:.1f}s, {phase.rps:.0f}/s")
    return phase


def get_token(server: Server) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/token/",
        json={"username": "frontline1", "password": "demo-pass-123"},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    if response.status_code != 200:
        raise RuntimeError(f"token request returned {response.status_code}: {response.text[:500]}")
    return response.json()["token"]


def sql_profile(env: dict[str, str], args: argparse.Namespace) -> dict | None:
    command = [PYTHON, str(BENCH / "create_queries.py"), "--creates", str(args.sql_creates)]
    command += ["--profile", str(args.profile)] + (["--idempotency-keys"] if args.idempotency_keys else [])
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        progress(f"in-process SQL count failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Report -------------------------------------------------------------------------------------


def report(
    phases: list[Phase],
    args: argparse.Namespace,
    facts: dict[str, str],
    queries: dict | None,
    checks: list[str],
) -> None:
    workers = f"{args.workers} workers" + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
    keepalive = "keep-alive"
    if args.worker_class == "sync":
        keepalive = "keep-alive asked for; sync workers close each connection"
    print()
    print("Complaint creation benchmark: POST /api/v1/complaints/ vs. two one-INSERT ceilings, same run")
    print(f"  server    {facts['gunicorn']}, worker class {args.worker_class}, {workers}, DEBUG=False")
    print(f"  client    {args.concurrency} threads, httpx {httpx.__version__}, one Client per thread ({keepalive})")
    print(f"  warm-up   {args.warmup} requests per target, not counted; latencies of 201 responses only")
    print(f"  machine   {os.cpu_count()} CPUs shared by client, gunicorn and PostgreSQL {facts['postgres']}")
    print(f"            load average {facts['load']} when the run began (other work on the machine skews the figures)")
    print(f"            Python {platform.python_version()}, {platform.system()} {platform.release()}")
    if args.idempotency_keys:
        print("  creates   each with its own Idempotency-Key header")
    print()
    header = f"{'target':<18}{'requests':>9}{'conc':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for phase in phases:
        print(
            f"{phase.name:<18}{phase.completed:>9}{phase.concurrency:>6}{phase.rps:>9.1f}"
            f"{phase.percentile(50):>9.1f}{phase.percentile(95):>9.1f}{phase.percentile(99):>9.1f}"
            f"{sum(phase.errors.values()):>8}" + ("  (stopped at --max-seconds)" if phase.truncated else "")
        )
    print()
    by_name = {phase.name: phase for phase in phases}
    create = by_name.get("complaint-create")
    for ceiling in ("drf-one-insert", "baseline-insert"):
        base = by_name.get(ceiling)
        if base and create and base.rps:
            p95_ratio = create.percentile(95) / base.percentile(95)
            print(
                f"complaint-create / {ceiling}: throughput {create.rps / base.rps:.3f}x "
                f"({create.rps:.1f} vs {base.rps:.1f} req/s), p95 latency {p95_ratio:.1f}x"
            )
    for phase in phases:
        if phase.errors:
            print(f"errors in {phase.name}: {dict(phase.errors)}")
            for sample in phase.error_samples:
                print(f"    {sample}")
    if queries:
        counts = queries["queries"]
        spread = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        print()
        print(
            f"SQL per create request (in-process, Django test client, {queries['creates']} creates): {spread} "
            f"statements; median {queries['ms_median']:.1f} ms per create without HTTP (single thread)"
        )
        print(f"    in order: {', '.join(queries['statements'])}")
        repeated = {label: n for label, n in Counter(queries["statements"]).items() if n > 1}
        if repeated:
            print(f"    repeated: {', '.join(f'{n} x {label}' for label, n in repeated.items())}")
        print("    (not counted: the CONN_HEALTH_CHECKS 'SELECT 1' on a reused connection)")
        if queries.get("profile"):
            print()
            print(queries["profile"])
    for line in checks:
        print(line)


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    database_url = f"{args.pg}/{args.db_name}"
    env = bench_env(database_url)
    stop = threading.Event()
    servers: list[Server] = []
    phases: list[Phase] = []
    database_created = False

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    admin = admin_connection(args)
    logdir = Path(tempfile.mkdtemp(prefix="srd-bench-"))
    try:
        progress(f"recreating database {args.db_name}")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        facts = {"postgres": recreate_database(admin, args.db_name), "gunicorn": gunicorn_version(), "load": load}
        database_created = True
        progress("manage.py migrate")
        manage(env, "migrate", "--noinput")
        progress("manage.py seed_demo --force")
        manage(env, "seed_demo", "--force")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_baseline "
                "(id serial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        setup_seconds = time.monotonic() - began

        queries = None
        if args.sql_creates:
            progress(f"in-process SQL count, {args.sql_creates} creates")
            queries = sql_profile(env, args)

        bodies = [complaint_body(i) for i in range(args.warmup + args.requests)]
        json_headers = {"Content-Type": "application/json", "Accept": "application/json"}

        baseline = Server("baseline-insert", "baseline_app:application", args, env, logdir)
        servers.append(baseline)
        baseline.wait_healthy()
        phases.append(run_target(baseline, BASELINE_PATH, json_headers, bodies, args, stop))
        baseline.stop()

        ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "drf_ceiling_settings"}
        ceiling = Server("drf-one-insert", "config.wsgi", args, ceiling_env, logdir, bench_path=True)
        servers.append(ceiling)
        ceiling.wait_healthy()
        token = get_token(ceiling)
        headers = {**json_headers, "Authorization": f"Token {token}"}
        ceiling_before = count_rows(database_url, "bench_baseline")  # the baseline's rows
        phases.append(run_target(ceiling, CEILING_PATH, headers, bodies, args, stop))
        ceiling.stop()

        product = Server("complaint-create", "config.wsgi", args, env, logdir)
        servers.append(product)
        product.wait_healthy()
        complaints_before = count_rows(database_url, "complaints_complaint")
        token = get_token(product)
        headers = {**json_headers, "Authorization": f"Token {token}"}
        phases.append(run_target(product, CREATE_PATH, headers, bodies, args, stop))
        product.stop()

        checks = []
        # (phase, table, its rows before the phase, after it: None to count them now)
        for phase, table, before, known_after in [
            (phases[0], "bench_baseline", 0, ceiling_before),
            (phases[1], "bench_baseline", ceiling_before, None),
            (phases[2], "complaints_complaint", complaints_before, None),
        ]:
            after = count_rows(database_url, table) if known_after is None else known_after
            rows, answered = after - before, len(phase.latencies_ms) + phase.warmup_ok
            if rows != answered:
                checks.append(f"note: {phase.name}: {rows} new rows in {table} but {answered} 201 responses")
        for server in servers:
            if "Traceback" in server.log_tail(2000):
                checks.append(f"note: the {server.name} gunicorn log has tracebacks:\n{server.log_tail(40)}")
        report(phases, args, facts, queries, checks)
        total = time.monotonic() - began
        print(f"\nwall time {total:.1f}s (setup: database, migrate, seed {setup_seconds:.1f}s)")
        return 1 if any(p.errors for p in phases) else 0
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        stop.set()
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        if database_created and not args.keep_db:
            try:
                drop_database(admin, args.db_name)
                progress(f"dropped database {args.db_name}")
            except Exception as exc:
                progress(f"could not drop database {args.db_name}: {exc}")
        admin.close()
        for path in logdir.iterdir():
            path.unlink()
        logdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
