"""The processes and threads tests start, each stopped however the test ends.

A Celery worker left running after its test takes the next tests' tasks against a database that is gone (and a
redis-server or gunicorn keeps its port): every test that starts one goes through here, through the
``processes`` fixture (tests/conftest.py), whose finalizer stops what is still running, or ``thread_worker``, a
context manager that stops its worker on the way out, whatever raised.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from celery.contrib.testing.worker import start_worker
from django.db import connection

WORKER_COMMAND = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"]
WORKER_COMMAND += ["--without-heartbeat", "--without-mingle", "--without-gossip"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict | None = None) -> str:
    """The URL of the test's database (Django's connection), for a process the test starts."""
    database = settings_dict or connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, and SIGKILL if it is not gone within ``timeout`` seconds: stopped either way."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class Started:
    """What one test started; ``stop_all`` (the fixture's finalizer) stops whatever still runs, newest first."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def popen(self, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, **kwargs)
        self.processes.append(process)
        return process

    def worker(self, log, *, database: str | None = None, **env: str) -> subprocess.Popen:
        """A Celery worker process (solo pool) on the test's database and broker; ``env`` adds to its environment
        (``TEST_WORKER_EMAIL_URL``: its SMTP server; ``REDIS_URL``: another broker)."""
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": database or database_url(),
            **env,
        }
        return self.popen(WORKER_COMMAND, env=environment, stdout=log, stderr=log)

    def web(self, log, *, database: str | None = None, workers: int = 1, **env: str) -> str:
        """gunicorn serving the project on a free loopback port (``workers`` sync workers) on the test's database,
        or ``database``; its URL once /healthz answers."""
        port = free_port()
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": database or database_url(),
            "ALLOWED_HOSTS": "127.0.0.1",
            **env,
        }
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        command = [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        server = self.popen([*command, "--timeout", "120"], env=environment, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up and server.poll() is None:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling a process we started, until it serves
        raise AssertionError(f"gunicorn did not serve (exit code {server.poll()})")

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            stop(process)


@contextmanager
def thread_worker(app) -> Iterator[object]:
    """A real worker thread in this process (solo pool), stopped on the way out however the block ends."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


class OwnRedis:
    """A throwaway redis-server on a loopback port of its own (never the shared one), nothing kept on disk.
    ``stop`` ends it (a Redis that is down), ``hang``/``wake`` SIGSTOP and SIGCONT it (a Redis that accepts and
    never answers), ``start`` again on the same port."""

    def __init__(self, started: Started, folder: Path) -> None:
        self.started, self.folder, self.process = started, folder, None
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = self.started.popen(command, cwd=self.folder, stdout=subprocess.DEVNULL)
        give_up = time.monotonic() + 20
        while time.monotonic() < give_up:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)  # polling a process we started, until it serves: not a wait for the outcome
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.wake()
            stop(self.process)

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def wake(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
