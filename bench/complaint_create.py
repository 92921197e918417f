"""Benchmark: complaint creation over HTTP, against baselines and a peer measured in the same run.

What it measures
    Throughput (requests/s) and latency (p50/p95/p99) of ``POST /api/v1/complaints/`` served
    by gunicorn (``config.wsgi``, DEBUG=False, PostgreSQL), with C concurrent client threads
    (httpx, one keep-alive ``Client`` per thread), authenticated as ``frontline1`` by token.
    Every complaint has its own customer phone (1380013xxxx), so each create also inserts a
    customer. Every response must be 201; anything else is counted as an error. All creates are
    for one store (S1) on one business day, so they all take the same reference-counter row lock:
    the worst case of one busy store, not a spread over many.

    Two ceilings, measured with the same requests, bodies and concurrency:
    ``baseline-insert``, ``bench/baseline_app.py``: a bare WSGI app on the same gunicorn settings
    whose one endpoint does a single small INSERT on a persistent psycopg 3 connection, the
    ceiling of gunicorn and PostgreSQL on this machine; and ``drf-one-insert``, the product's own
    Django settings, middleware, DRF and token authentication with one more endpoint that does one
    INSERT (``bench/drf_ceiling_settings.py``, ``drf_ceiling_urls.py``): the ceiling of this stack.
    Then the product, ``complaint-create``. And the peer, ``django-helpdesk``: django-helpdesk
    2.6.1's ticket create, ``POST /api/tickets/`` (its DRF ``TicketViewSet``; 201 with the ticket
    and its first follow-up), token-authenticated as a staff user (its API admits staff only), on
    the same gunicorn settings, with bodies of the same size (248 bytes: queue, title, the same
    description, a submitter e-mail, priority). It runs the small project in ``bench/helpdesk/``
    (settings, urls, wsgi; DEBUG off, PostgreSQL with the product's persistent connections,
    Django's dummy mail backend: helpdesk renders the submitter's e-mail within the create) from
    its own venv, ``bench/.venv-helpdesk/``, made on first use from the pinned
    ``bench/helpdesk/requirements.txt`` (remade when that file changes; pip needs PyPI then), never
    the product's. ``--no-peer`` skips it.

    Rounds: the machine's speed drifts by tens of percent within minutes, so targets measured one
    after another would each catch a different stretch of it, and a drift would land on one target
    alone. Instead all the servers stay up, and --rounds N rounds (3 by default) each load every
    target in turn, one at a time, with --requests / N of its requests; round k starts at target
    k (mod their count), so that no target always goes first or last. The report gives, per target,
    req/s and p50/p95/p99 over all its rounds' requests together and the range of its per-round
    req/s; and the create's ratio to each other target (throughput, p50 and p95 latency) as the
    median of the per-round ratios, each from the figures of two targets measured in the same
    round, minutes apart at most, with the lowest and highest of them.

    It also runs a few creates in-process (Django test client, ``CaptureQueriesContext``) to
    report the SQL statements per create request, and their time without HTTP; the same for the
    peer's create (``bench/helpdesk/prepare.py``).

How it runs
    It drops and recreates its own database (``srd_bench``), runs ``manage.py migrate`` and
    ``manage.py seed_demo --force`` against it, creates the ``bench_baseline`` table; for the peer,
    a second database (``srd_bench_helpdesk``) that ``bench/helpdesk/prepare.py`` migrates and gives
    one queue and one staff user with a token. It starts every gunicorn at once, each on a free
    127.0.0.1 port (idle, a server uses no CPU), waits for their ``/healthz``, warms each up once
    (not counted), runs the rounds, and stops them. It checks that each target's table gained as
    many rows as it answered 201. At the end (also on Ctrl-C or an error) it stops any gunicorn
    still running and drops both databases. Only loopback traffic (and PyPI, once, to make the
    peer's venv); bounded by --requests and by --max-seconds per round and target.

    From the project root:

        .venv/bin/python bench/complaint_create.py                      # defaults
        .venv/bin/python bench/complaint_create.py --requests 500 --concurrency 4
        .venv/bin/python bench/complaint_create.py --rounds 5           # more, shorter rounds
        .venv/bin/python bench/complaint_create.py --worker-class gthread --workers 2 --threads 4
        .venv/bin/python bench/complaint_create.py --no-peer            # without django-helpdesk

    ``make bench`` runs it twice, on 2 sync workers: at concurrency 8, then at concurrency 1.

    Servers: 4 sync gunicorn workers by default (2 per core on the 2-core machine it was written
    for). Sync workers close the connection after each response, so the clients' keep-alive is
    moot there and every request pays a loopback connect (every target alike); it balances
    requests across the workers evenly. With gthread, keep-alive holds, but each client connection
    sticks to whichever worker accepted it, so load across processes can be lopsided and the
    figures vary more from run to run.

    Progress goes to stderr, the report to stdout. Exit status 1 if any request failed.
"""

import argparse
import contextlib
import hashlib
import itertools
import json
import math
import os
import platform
import signal
import socket
import statistics
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

PEER = "django-helpdesk"
PEER_PATH = "/api/tickets/"
PEER_DIR = BENCH / "helpdesk"  # its project: settings, urls, wsgi, prepare.py, requirements.txt
PEER_VENV = BENCH / ".venv-helpdesk"
PEER_BIN = PEER_VENV / "bin"
PEER_REQUIREMENTS = PEER_DIR / "requirements.txt"


# --- Settings -----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Complaint creation over HTTP vs. a one-INSERT baseline, measured in the same run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target, over all rounds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each loads every target in turn, rotated")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--warmup", type=int, default=50, help="requests per target before round 1 (not counted)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync", help="gunicorn worker class")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (2 per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop a target's round after this long")
    parser.add_argument("--idempotency-keys", action="store_true", help="send a fresh Idempotency-Key per create")
    parser.add_argument("--sql-creates", type=int, default=10, help="in-process creates for the SQL count (0: skip)")
    parser.add_argument("--profile", type=int, default=0, help="also cProfile this many in-process creates")
    parser.add_argument(
        "--profile-sort", default="cumulative", choices=["cumulative", "tottime"], help="order of the profile's lines"
    )
    parser.add_argument("--db-name", default="srd_bench", help="database to (re)create and drop")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the databases at the end")
    parser.add_argument(
        "--contact-consent", action="store_true", help="customers agree to be contacted: each create queues a text"
    )
    parser.add_argument("--no-peer", action="store_true", help=f"skip the peer, {PEER} (and its venv and database)")
    parser.add_argument(
        "--analyzed-small",
        action="store_true",
        help="VACUUM ANALYZE the product's database right after seeding, as a new chain's first evening finds it: "
        "the planner's statistics say its tables are tiny while the creates grow them",
    )
    args = parser.parse_args()
    limits = {
        "requests": (1, 100_000),
        "rounds": (1, 100),
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
    if args.requests < args.rounds:
        parser.error("--requests must be at least --rounds (each round measures every target)")
    if not args.db_name.isidentifier() or len(args.db_name) > 40:
        parser.error("--db-name must be a plain identifier of at most 40 characters")
    args.peer_db_name = f"{args.db_name}_helpdesk"
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


def peer_env(args: argparse.Namespace) -> dict[str, str]:
    """The peer's environment: its own settings and database, nothing of the product's."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "PYTHONPATH"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "settings",
            "HELPDESK_BENCH_DATABASE_URL": f"{args.pg}/{args.peer_db_name}",
            "SECRET_KEY": SECRET_KEY,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def ensure_peer_venv() -> None:
    """Make ``bench/.venv-helpdesk/`` from the pinned requirements, unless it has them already.

    A stamp in the venv holds the hash of the requirements it was installed from: when the file
    changes, pip installs it again into the same venv.
    """
    wanted = hashlib.sha256(PEER_REQUIREMENTS.read_bytes()).hexdigest()
    stamp = PEER_VENV / ".requirements.sha256"
    if (PEER_BIN / "python").exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return
    if not (PEER_BIN / "python").exists():
        progress(f"creating {PEER_VENV.relative_to(ROOT)} for {PEER}")
        subprocess.run([PYTHON, "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
    progress(f"pip install -r {PEER_REQUIREMENTS.relative_to(ROOT)} into {PEER_VENV.relative_to(ROOT)}")
    command = [str(PEER_BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    result = subprocess.run(
        [*command, "-r", str(PEER_REQUIREMENTS)], capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"could not install {PEER} (or run with --no-peer):\n{result.stdout}\n{result.stderr}")
    stamp.write_text(wanted + "\n")


def prepare_peer(env: dict[str, str], args: argparse.Namespace) -> dict:
    """Migrate the peer's database, make its queue and staff user; its token, queue, versions, SQL."""
    command = [str(PEER_BIN / "python"), "prepare.py", "--creates", str(args.sql_creates)]
    result = subprocess.run(command, cwd=PEER_DIR, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{PEER} prepare.py failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_version(gunicorn: Path = BIN / "gunicorn") -> str:
    result = subprocess.run([str(gunicorn), "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


class Server:
    """One gunicorn, in its own session (a Ctrl-C reaches only us; we stop it ourselves)."""

    def __init__(
        self,
        name: str,
        app: str,
        args: argparse.Namespace,
        env: dict[str, str],
        logdir: Path,
        bench_path: bool = False,
        gunicorn: Path = BIN / "gunicorn",
        chdir: Path = ROOT,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / f"{name}.log"
        command = [
            str(gunicorn),
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
            str(chdir),
            # A request's limit, not an idle one: a worker heartbeats while it waits for connections
            # (sync: every timeout/2; gthread: every second), so a server idle while the others
            # take their rounds is not restarted.
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
            command, cwd=chdir, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
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


# --contact-consent: every customer agrees to be contacted, so that each create also queues its text message.
CONTACT_CONSENT = "--contact-consent" in sys.argv


def complaint_body(i: int) -> bytes:
    body = {
        "channel": "in_person",
        "category": "food_quality",
        "severity": "high",
        "stage": "in_sale",
        "description": f"Bench complaint {i}: the soup arrived cold after a forty-minute wait.",
        "customer": {"name": f"Bench Customer {i}", "phone": f"1380013{i % 10000:04d}"},
    }
    if CONTACT_CONSENT:
        body["contact_consent"] = True
    return json.dumps(body).encode()


def helpdesk_body(i: int, queue: int) -> bytes:
    """The peer's ticket, the same size as ``complaint_body(i)``: the same description, a title
    that carries the category, stage and severity, the customer as the submitter's e-mail, and the
    severity as helpdesk's priority (2: high)."""
    return json.dumps(
        {
            "queue": queue,
            "title": f"Bench complaint {i}: food quality, in sale, high severity",
            "description": f"Bench complaint {i}: the soup arrived cold after a forty-minute wait.",
            "submitter_email": f"bench.customer.1380013{i % 10000:04d}@bench.invalid",
            "priority": 2,
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


@dataclass
class Target:
    """One server under test: what to POST where, the table its creates land in, its rounds."""

    server: Server
    path: str
    headers: dict[str, str]
    bodies: list[bytes]  # the warm-up's first, then each round's; each body is sent once
    database_url: str
    table: str
    rounds: list[Phase] = field(default_factory=list)  # one per round, in round order
    warmup_ok: int = 0  # 201 responses during its warm-up
    new_rows: int = 0  # rows added to its table while it was loaded, warm-up included

    @property
    def name(self) -> str:
        return self.server.name

    @property
    def created(self) -> int:
        """Its 201 responses, warm-up included: what ``new_rows`` should be."""
        return self.warmup_ok + sum(len(phase.latencies_ms) for phase in self.rounds)


def load(
    target: Target, bodies: list[bytes], max_seconds: float, args: argparse.Namespace, stop: threading.Event
) -> Phase:
    """POST ``bodies`` to the target, and add the rows its table gained meanwhile to its count.

    Counting around each load rather than once at the ends, because two targets insert into the
    same table, in turns; only one target is loaded at a time, so what the table gains is its own.
    """
    before = count_rows(target.database_url, target.table)
    key = args.idempotency_keys and target.path == CREATE_PATH
    url = target.server.url + target.path
    phase = fire(target.name, url, target.headers, bodies, args.concurrency, max_seconds, stop, key)
    target.new_rows += count_rows(target.database_url, target.table) - before
    return phase


def warm_up(target: Target, args: argparse.Namespace, stop: threading.Event) -> None:
    if not args.warmup:
        return
    progress(f"{target.name}: warm-up, {args.warmup} requests")
    phase = load(target, target.bodies[: args.warmup], 120, args, stop)
    target.warmup_ok = len(phase.latencies_ms)
    if phase.errors:
        progress(f"{target.name}: warm-up errors {dict(phase.errors)}; first: {phase.error_samples[:1]}")


def round_sizes(args: argparse.Namespace) -> list[int]:
    """--requests split over the rounds as evenly as it goes (the first rounds take the remainder)."""
    share, remainder = divmod(args.requests, args.rounds)
    return [share + (1 if k < remainder else 0) for k in range(args.rounds)]


def run_rounds(targets: list[Target], args: argparse.Namespace, stop: threading.Event) -> None:
    """Load every target once per round, one at a time; round k starts at target k (mod count).

    The machine's speed drifts by tens of percent within minutes: measured one after another, a
    drift would land on one target alone. In rounds, each target meets each stretch of it about
    equally, and no target always goes first or last.
    """
    offsets = list(itertools.accumulate(round_sizes(args), initial=args.warmup))
    for k in range(args.rounds):
        first = k % len(targets)
        for target in targets[first:] + targets[:first]:
            bodies = target.bodies[offsets[k] : offsets[k + 1]]
            progress(
                f"round {k + 1}/{args.rounds}, {target.name}: {len(bodies)} requests from {args.concurrency} threads"
            )
            phase = load(target, bodies, args.max_seconds, args, stop)
            target.rounds.append(phase)
            progress(f"{target.name}: {phase.completed} requests in {phase.seconds:.1f}s, {phase.rps:.0f}/s")


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
    command += ["--profile", str(args.profile), "--profile-sort", args.profile_sort]
    command += ["--idempotency-keys"] if args.idempotency_keys else []
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        progress(f"in-process SQL count failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Report -------------------------------------------------------------------------------------


def report_statements(what: str, how: str, queries: dict) -> None:
    """The SQL of one in-process create: how many statements, which, the repeated ones."""
    counts = queries["queries"]
    spread = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    print()
    print(
        f"SQL per {what} (in-process, {how}, {queries['creates']} creates): {spread} statements; "
        f"median {queries['ms_median']:.1f} ms per create without HTTP (single thread)"
    )
    print(f"    in order: {', '.join(queries['statements'])}")
    repeated = {label: n for label, n in Counter(queries["statements"]).items() if n > 1}
    if repeated:
        print(f"    repeated: {', '.join(f'{n} x {label}' for label, n in repeated.items())}")
    if "database_ms_median" in queries:
        print(
            "    of which waiting on the database (the facts trigger included): median "
            f"{queries['database_ms_median']:.1f} ms"
        )
    if answer := queries.get("answer"):
        print(
            f"    its answer built (300 times, with its compensation and guideline reads): median "
            f"{answer['plain_data']:.2f} ms as plain data (complaint_detail_data), "
            f"{answer['serializer']:.2f} ms through ComplaintDetailSerializer"
        )


def pooled(target: Target) -> Phase:
    """All the target's rounds as one phase: their requests, latencies, errors and time together."""
    whole = Phase(name=target.name, concurrency=target.rounds[0].concurrency)
    for phase in target.rounds:
        whole.seconds += phase.seconds
        whole.latencies_ms += phase.latencies_ms
        whole.errors.update(phase.errors)
        whole.error_samples += phase.error_samples[: max(0, 5 - len(whole.error_samples))]
        whole.truncated = whole.truncated or phase.truncated
    return whole


def median_ratio(ratios: list[float], digits: int) -> str:
    """The median of the per-round ratios, then their range: ``1.52x [1.31-1.70]``."""
    return f"{statistics.median(ratios):.{digits}f}x [{min(ratios):.{digits}f}-{max(ratios):.{digits}f}]"


def report_ratios(create: Target, other: Target, digits: int) -> None:
    """complaint-create / other, round by round (both were loaded in it, minutes apart at most)."""
    throughput, p50, p95 = [], [], []
    for mine, theirs in zip(create.rounds, other.rounds, strict=True):
        if mine.rps and theirs.rps and mine.latencies_ms and theirs.latencies_ms:
            throughput.append(mine.rps / theirs.rps)
            p50.append(mine.percentile(50) / theirs.percentile(50))
            p95.append(mine.percentile(95) / theirs.percentile(95))
    if throughput:
        print(
            f"complaint-create / {other.name}: throughput {median_ratio(throughput, digits)}, "
            f"p50 latency {median_ratio(p50, 2)}, p95 latency {median_ratio(p95, 2)}"
        )


def report(
    targets: list[Target],
    args: argparse.Namespace,
    facts: dict[str, str],
    queries: dict | None,
    peer: dict | None,
    checks: list[str],
) -> None:
    workers = f"{args.workers} workers" + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
    keepalive = "keep-alive"
    if args.worker_class == "sync":
        keepalive = "keep-alive asked for; sync workers close each connection"
    print()
    against = "two one-INSERT ceilings" + (" and a peer" if peer else "")
    print(f"Complaint creation benchmark: POST {CREATE_PATH} vs. {against}, same run")
    print(f"  server    {facts['gunicorn']}, worker class {args.worker_class}, {workers}, DEBUG=False")
    if peer:
        versions = peer["versions"]
        print(
            f"  peer      {PEER} {versions[PEER]} on Django {versions['Django']}, "
            f"DRF {versions['djangorestframework']}, {peer['gunicorn']}"
        )
        print(f"            from {PEER_VENV.relative_to(ROOT)}/, same worker settings, its own database;")
        print(f"            POST {PEER_PATH} as a staff user by DRF token; its e-mail to the submitter rendered,")
        print("            then dropped by Django's dummy mail backend")
    bodies = f"{facts['body_bytes']:.0f} bytes per complaint"
    if peer:
        bodies += f", {peer['body_bytes']:.0f} per {PEER} ticket"
    print(f"  bodies    JSON, mean {bodies}")
    print(f"  client    {args.concurrency} threads, httpx {httpx.__version__}, one Client per thread ({keepalive})")
    sizes = " or ".join(str(size) for size in sorted(set(round_sizes(args)), reverse=True))
    print(f"  rounds    {args.rounds}, of {sizes} requests per target each; all servers up, one loaded at a time,")
    print("            in an order that rotates each round (round k starts at target k)")
    print(f"  warm-up   {args.warmup} requests per target before round 1, not counted; latencies of 201 responses only")
    if args.analyzed_small:
        print("  database  VACUUM ANALYZE right after seeding: the planner's statistics describe tiny tables")
    print(f"  machine   {os.cpu_count()} CPUs shared by client, gunicorn and PostgreSQL {facts['postgres']}")
    print(f"            load average {facts['load']} when the run began (other work on the machine skews the figures)")
    print(f"            Python {platform.python_version()}, {platform.system()} {platform.release()}")
    if args.idempotency_keys:
        print("  creates   each with its own Idempotency-Key header")
    print()
    header = (
        f"{'target':<18}{'requests':>9}{'conc':>6}{'req/s':>9}{'rounds req/s':>14}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    wholes = {target.name: pooled(target) for target in targets}
    for target in targets:
        whole = wholes[target.name]
        per_round = [phase.rps for phase in target.rounds]
        print(
            f"{whole.name:<18}{whole.completed:>9}{whole.concurrency:>6}{whole.rps:>9.1f}"
            f"{f'{min(per_round):.0f}-{max(per_round):.0f}':>14}"
            f"{whole.percentile(50):>9.1f}{whole.percentile(95):>9.1f}{whole.percentile(99):>9.1f}"
            f"{sum(whole.errors.values()):>8}" + ("  (stopped at --max-seconds)" if whole.truncated else "")
        )
    print("(req/s and percentiles over all rounds' requests; rounds req/s: the slowest and fastest round)")
    print()
    by_name = {target.name: target for target in targets}
    create = by_name["complaint-create"]
    print(
        f"Ratios: the median of the {args.rounds} rounds' ratios (each from that round's req/s or percentiles), "
        "[min-max] across rounds"
    )
    for other, digits in (("drf-one-insert", 3), ("baseline-insert", 3), (PEER, 2)):
        if other in by_name:
            report_ratios(create, by_name[other], digits)
    for whole in wholes.values():
        if whole.errors:
            print(f"errors in {whole.name}: {dict(whole.errors)}")
            for sample in whole.error_samples:
                print(f"    {sample}")
    if queries:
        report_statements("create request", "Django test client", queries)
        print("    (not counted: the CONN_HEALTH_CHECKS 'SELECT 1' on a reused connection)")
    if peer and peer.get("sql"):
        report_statements(f"{PEER} create request", "the same way", peer["sql"])
        if "BEGIN" not in peer["sql"]["statements"]:
            print("    (no transaction around them: each statement commits on its own)")
        print(f"    its 201 answer: {', '.join(peer['sql']['answer_fields'])}")
    if queries and queries.get("profile"):
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
    created: list[str] = []  # the databases this run made, to drop at the end

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    admin = admin_connection(args)
    logdir = Path(tempfile.mkdtemp(prefix="srd-bench-"))
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        if not args.no_peer:
            ensure_peer_venv()
        progress(f"recreating database {args.db_name}")
        facts = {"postgres": recreate_database(admin, args.db_name), "gunicorn": gunicorn_version(), "load": load}
        created.append(args.db_name)
        progress("manage.py migrate")
        manage(env, "migrate", "--noinput")
        progress("manage.py seed_demo --force")
        manage(env, "seed_demo", "--force")
        if args.analyzed_small:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_baseline "
                "(id serial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        peer, peer_database_url = None, f"{args.pg}/{args.peer_db_name}"
        if not args.no_peer:
            progress(f"recreating database {args.peer_db_name}; {PEER}: migrate, queue, staff user")
            recreate_database(admin, args.peer_db_name)
            created.append(args.peer_db_name)
            peer_environment = peer_env(args)
            peer = prepare_peer(peer_environment, args)
            peer["gunicorn"] = gunicorn_version(PEER_BIN / "gunicorn")
        setup_seconds = time.monotonic() - began

        queries = None
        if args.sql_creates:
            progress(f"in-process SQL count, {args.sql_creates} creates")
            queries = sql_profile(env, args)

        bodies = [complaint_body(i) for i in range(args.warmup + args.requests)]
        json_headers = {"Content-Type": "application/json", "Accept": "application/json"}

        # All servers start now and stay up to the end, so that each round can visit every target.
        baseline = Server("baseline-insert", "baseline_app:application", args, env, logdir)
        servers.append(baseline)
        ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "drf_ceiling_settings"}
        ceiling = Server("drf-one-insert", "config.wsgi", args, ceiling_env, logdir, bench_path=True)
        servers.append(ceiling)
        product = Server("complaint-create", "config.wsgi", args, env, logdir)
        servers.append(product)
        if peer:
            helpdesk = Server(
                PEER, "wsgi:application", args, peer_environment, logdir, gunicorn=PEER_BIN / "gunicorn", chdir=PEER_DIR
            )
            servers.append(helpdesk)
        progress(f"starting {len(servers)} gunicorns: {', '.join(server.name for server in servers)}")
        for server in servers:
            server.wait_healthy()

        # The baseline and the ceiling both insert into bench_baseline (see load()).
        targets = [
            Target(baseline, BASELINE_PATH, json_headers, bodies, database_url, "bench_baseline"),
            Target(
                ceiling,
                CEILING_PATH,
                {**json_headers, "Authorization": f"Token {get_token(ceiling)}"},
                bodies,
                database_url,
                "bench_baseline",
            ),
            Target(
                product,
                CREATE_PATH,
                {**json_headers, "Authorization": f"Token {get_token(product)}"},
                bodies,
                database_url,
                "complaints_complaint",
            ),
        ]
        if peer:
            peer_bodies = [helpdesk_body(i, peer["queue"]) for i in range(args.warmup + args.requests)]
            headers = {**json_headers, "Authorization": f"Token {peer['token']}"}
            targets.append(Target(helpdesk, PEER_PATH, headers, peer_bodies, peer_database_url, "helpdesk_ticket"))
            peer["body_bytes"] = statistics.mean(len(body) for body in peer_bodies)
        facts["body_bytes"] = statistics.mean(len(body) for body in bodies)

        for target in targets:
            warm_up(target, args, stop)
        run_rounds(targets, args, stop)
        for server in servers:
            server.stop()

        checks = []
        for target in targets:
            if target.new_rows != target.created:
                checks.append(
                    f"note: {target.name}: {target.new_rows} new rows in {target.table} "
                    f"but {target.created} 201 responses"
                )
        for server in servers:
            if "Traceback" in server.log_tail(2000):
                checks.append(f"note: the {server.name} gunicorn log has tracebacks:\n{server.log_tail(40)}")
        report(targets, args, facts, queries, peer, checks)
        total = time.monotonic() - began
        setup = "database, migrate, seed" if args.no_peer else "venv check, databases, migrate, seed"
        print(f"\nwall time {total:.1f}s (setup: {setup} {setup_seconds:.1f}s)")
        return 1 if any(phase.errors for target in targets for phase in target.rounds) else 0
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        stop.set()
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        for name in [] if args.keep_db else created:
            try:
                drop_database(admin, name)
                progress(f"dropped database {name}")
            except Exception as exc:
                progress(f"could not drop database {name}: {exc}")
        admin.close()
        for path in logdir.iterdir():
            path.unlink()
        logdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
