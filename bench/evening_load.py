"""Load scenario: a chain's busy evening on this machine, the product whole (web, worker, beat, email).

What it runs
    A database (``srd_bench_evening``) migrated and seeded with ``seed_demo --stores S --complaints H`` (a chain
    with history); gunicorn (``config.wsgi``, DEBUG=False, --workers sync workers), a Celery worker and beat on
    Redis (db --redis-db of 127.0.0.1:6379, emptied first), sending email to a real SMTP server on loopback
    (aiosmtpd, in this process, counting every message by its Message-ID). Then locust
    (``bench/evening/locustfile.py``, from its own venv ``bench/.venv-locust/``, made on first use from
    ``bench/evening/requirements.txt``) for --minutes: frontline staff log complaints and walk them through
    apologize, respond (some with compensation above their limits), follow-up and close; supervisors decide the
    approvals as they come; a manager reads the region's metrics. The sweep runs as beat schedules it: reminders,
    escalations and approvers told, each an email.

What it reports
    Per endpoint: requests, failures, p50/p95/p99 (ms) and requests/s (locust's figures); the errors; the memory
    (RSS) of the web and the worker sampled every 15 s, the first minute against the last; the emails: how many
    notifications were to be emailed, how many the SMTP server received, and how many arrived twice; what the
    sweep left due at the end.

        .venv/bin/python bench/evening_load.py [--minutes 10] [--users 27] [--stores 10] [--history 20000]

Exit status 1 when a request failed, an email was lost or sent twice, or memory grew more than --max-growth.
"""

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from complaint_create import (
    BIN,
    PYTHON,
    ROOT,
    Server,
    admin_connection,
    bench_env,
    drop_database,
    free_port,
    manage,
    progress,
    recreate_database,
)

SCENARIO = ROOT / "bench" / "evening"
LOCUST_REQUIREMENTS = SCENARIO / "requirements.txt"
LOCUST_VENV = ROOT / "bench" / ".venv-locust"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=27, help="locust users (frontline : supervisor : manager = 6:2:1)")
    parser.add_argument("--spawn-rate", type=float, default=3)
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--history", type=int, default=20_000, help="complaints of history seeded first")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--max-growth", type=float, default=0.25, help="allowed RSS growth, first to last minute")
    parser.add_argument("--drain-seconds", type=float, default=180, help="wait for the worker's emails after the load")
    parser.add_argument("--db-name", default="srd_bench_evening")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.worker_class, args.threads = "sync", 1
    return args


# --- The SMTP server ----------------------------------------------------------------------------


class CountingSmtp:
    """A real SMTP server on loopback that counts what arrives by Message-ID."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message_id = ""
                for line in envelope.content.decode("utf-8", "replace").splitlines():
                    if not line:
                        break
                    if line.lower().startswith("message-id:"):
                        message_id = line.split(":", 1)[1].strip()
                with outer.lock:
                    outer.received[message_id or f"no-id-{sum(outer.received.values())}"] += 1
                return "250 OK"

        port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    def mark(self) -> None:
        """From now on: what arrived before (the demo data's own emails) is not counted."""
        with self.lock:
            self.before = Counter(self.received)

    def since_mark(self) -> Counter[str]:
        with self.lock:
            return self.received - getattr(self, "before", Counter())

    def stop(self) -> None:
        self.controller.stop()


# --- Processes ----------------------------------------------------------------------------------


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=5)
        self.log.close()


def descendants(pid: int) -> list[int]:
    """The process and all its children's children (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mb(pid: int) -> float:
    total = 0
    for each in descendants(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemorySampler(threading.Thread):
    def __init__(self, processes: dict[str, int], every: float = 15) -> None:
        super().__init__(daemon=True)
        self.processes, self.every = processes, every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.is_set():
            self.samples.append((time.monotonic() - started, {n: rss_mb(p) for n, p in self.processes.items()}))
            self.stopped.wait(self.every)


def ensure_locust_venv() -> Path:
    wanted = hashlib.sha256(LOCUST_REQUIREMENTS.read_bytes()).hexdigest()
    stamp = LOCUST_VENV / ".requirements.sha256"
    locust = LOCUST_VENV / "bin" / "locust"
    if locust.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return locust
    progress(f"installing {LOCUST_REQUIREMENTS.relative_to(ROOT)} into {LOCUST_VENV.relative_to(ROOT)}")
    if not (LOCUST_VENV / "bin" / "python").exists():
        subprocess.run([PYTHON, "-m", "venv", str(LOCUST_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(LOCUST_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(LOCUST_REQUIREMENTS)],
        check=True, timeout=900,
    )  # fmt: skip
    stamp.write_text(wanted + "\n")
    return locust


# --- Report -------------------------------------------------------------------------------------


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def emails_sent(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM outbox_outboxmessage WHERE channel = 'email' AND status = 'sent'"
    ).fetchone()[0]


def database_facts(database_url: str, since, sent_before: int = 0) -> dict[str, int]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        one = lambda query: conn.execute(query, [since] if "%s" in query else []).fetchone()[0]  # noqa: E731
        return {
            "complaints logged": one("SELECT count(*) FROM complaints_complaint WHERE created_at >= %s"),
            "closed": one("SELECT count(*) FROM complaints_complaint WHERE closed_at >= %s"),
            "approvals decided": one(
                "SELECT count(*) FROM recovery_approvalrequest WHERE decided_at >= %s AND status <> 'pending'"
            ),
            "notifications": one("SELECT count(*) FROM recovery_notification WHERE created_at >= %s"),
            # All ever sent: the run's are this less the count when it began (the demo data's own may be sent during
            # the run).
            "emails sent (database)": emails_sent(conn) - sent_before,
            "emails unsent": one(
                "SELECT count(*) FROM outbox_outboxmessage WHERE channel = 'email' AND status IN ('queued', 'failed')"
            ),
            "deadlines overdue, unswept": one(
                "SELECT count(*) FROM complaints_deadline WHERE closed_at IS NULL AND paused_at IS NULL"
                " AND next_check_at < now() - interval '1 minute'"
            ),
        }


def report(args, stats, failures, sampler: MemorySampler, facts: dict[str, int], smtp: CountingSmtp) -> bool:
    print(
        f"# A busy evening: {args.users} users for {args.minutes:g} min, {args.stores} stores, "
        f"{args.history:,} complaints of history, gunicorn {args.workers} sync workers, 1 Celery worker + beat"
    )
    print()
    print(f"{'endpoint':32} {'requests':>9} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>6}")
    for row in stats:
        print(
            f"{row['Name'][:32]:32} {int(row['Request Count']):9,} {int(row['Failure Count']):5} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {float(row['Requests/s']):6.1f}"
        )
    errors = sum(int(row["Occurrences"]) for row in failures)
    print()
    print(f"errors: {errors}")
    for row in failures[:10]:
        print(f"  {row['Occurrences']}× {row['Name']}: {row['Error'][:200]}")
    print()
    grew = False
    if sampler.samples:
        first = [s for t, s in sampler.samples if t <= 60] or [sampler.samples[0][1]]
        last_from = sampler.samples[-1][0] - 60
        last = [s for t, s in sampler.samples if t >= last_from]
        print("memory (RSS, MB, all processes of each): first minute's mean → last minute's mean")
        for name in first[0]:
            before = sum(s[name] for s in first) / len(first)
            after = sum(s[name] for s in last) / len(last)
            growth = after / before - 1 if before else 0
            grew |= growth > args.max_growth
            print(f"  {name:8} {before:7.1f} → {after:7.1f}  ({growth:+.1%})")
        print("  by minute:", end="")
        for minute in range(int(sampler.samples[-1][0] // 60) + 1):
            at = [s for t, s in sampler.samples if minute * 60 <= t < (minute + 1) * 60]
            if at:
                print(f"  {minute}′ " + "/".join(f"{sum(s[n] for s in at) / len(at):.0f}" for n in at[0]), end="")
        print(f"  ({'/'.join(first[0])}, MB)")
    arrived = smtp.since_mark()
    received = sum(arrived.values())
    twice = sum(count - 1 for count in arrived.values() if count > 1)
    print()
    for name, value in facts.items():
        print(f"{name:28} {value:,}")
    print(f"{'emails received (SMTP)':28} {received:,}")
    print(f"{'emails received twice':28} {twice:,}")
    lost = facts["emails sent (database)"] - len(arrived)
    print(f"{'emails lost':28} {lost:,}")
    return errors == 0 and twice == 0 and lost == 0 and facts["emails unsent"] == 0 and not grew


def main() -> int:
    args = parse_args()
    admin = admin_connection(args)
    database_url = f"{args.pg}/{args.db_name}"
    logdir = Path(tempfile.mkdtemp(prefix="bench-evening-"))
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    processes: list[Process] = []
    server = smtp = None
    try:
        locust = ensure_locust_venv()
        recreate_database(admin, args.db_name)
        redis.Redis.from_url(redis_url).flushdb()
        smtp = CountingSmtp()
        env = bench_env(database_url) | {
            "REDIS_URL": redis_url,
            "EMAIL_URL": smtp.url,
            "DEFAULT_FROM_EMAIL": "desk@example.com",
        }
        progress(f"migrating and seeding {args.db_name}: {args.stores} stores, {args.history:,} complaints of history")
        manage(env, "migrate", "--no-input")
        manage(
            env, "seed_demo", "--force", "--stores", str(args.stores), "--complaints", str(args.history), timeout=1800
        )
        with psycopg.connect(database_url, autocommit=True) as conn:
            since = conn.execute("SELECT now()").fetchone()[0]
            sent_before = emails_sent(conn)
        smtp.mark()
        server = Server("web", "config.wsgi", args, env, logdir)
        celery = [str(BIN / "celery"), "-A", "config"]
        processes.append(
            Process("worker", [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2"], env, logdir)
        )
        processes.append(
            Process(
                "beat",
                [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(logdir / "beat-schedule")],
                env,
                logdir,
            )
        )
        server.wait_healthy()
        sampler = MemorySampler({"web": server.process.pid, "worker": processes[0].process.pid})
        sampler.start()
        prefix = logdir / "locust"
        progress(f"locust: {args.users} users for {args.minutes:g} minutes on {server.url}")
        subprocess.run(
            [str(locust), "-f", str(SCENARIO / "locustfile.py"), "--headless", "-u", str(args.users), "-r",
             str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s", "--host", server.url, "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            env=dict(os.environ, EVENING_STORES=str(args.stores)), cwd=ROOT, check=False,
            timeout=args.minutes * 60 + 300,
        )  # fmt: skip
        sampler.stopped.set()
        sampler.join()
        progress(f"waiting up to {args.drain_seconds:.0f}s for the worker to send what is due")
        deadline = time.monotonic() + args.drain_seconds
        while time.monotonic() < deadline and database_facts(database_url, since)["emails unsent"]:
            time.sleep(2)
        facts = database_facts(database_url, since, sent_before)
        return 0 if report(args, read_stats(prefix), read_failures(prefix), sampler, facts, smtp) else 1
    finally:
        if server is not None:
            server.stop()
        for process in processes:
            process.stop()
        if smtp is not None:
            smtp.stop()
        if not args.keep_db:
            drop_database(admin, args.db_name)
        admin.close()
        shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
