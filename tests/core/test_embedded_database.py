"""core.embedded_database: `make run`'s PostgreSQL, from the wheel, in a data folder of its own.

Each test runs the server for real in a folder of its own, through the commands `make run` uses, and
stops it however the test ends.
"""

import os
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
import pytest

from core import embedded_database

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def data_dir(embedded_data_dir):
    yield embedded_data_dir
    run(embedded_data_dir, "-m", "core.embedded_database", "stop")
    assert processes_in(embedded_data_dir) == []


def run(data_dir: Path, *args: str) -> str:
    """python ARGS as `make run` runs it: DEBUG on, no DATABASE_URL, the embedded server's data in ``data_dir``."""
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(DEBUG="True", EMBEDDED_DATABASE_DIR=str(data_dir), REDIS_URL=os.environ["REDIS_URL"])
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def processes_in(data_dir: Path) -> list[psutil.Process]:
    """The processes working in ``data_dir``: a PostgreSQL server and each of its children."""
    found = []
    for process in psutil.process_iter():
        try:
            if Path(process.cwd()) == data_dir:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def server_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


def query(data_dir: Path, statement: str) -> list[tuple]:
    with psycopg.connect(embedded_database.url(data_dir)) as connection:
        return connection.execute(statement).fetchall()


def test_the_product_migrates_and_seeds_on_the_embedded_server_with_trigrams(data_dir):
    printed = run(data_dir, "-m", "core.embedded_database", "start")
    assert embedded_database.url(data_dir) in printed

    run(data_dir, "manage.py", "migrate", "--noinput")
    run(data_dir, "manage.py", "seed_demo")

    assert query(data_dir, "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'") == [("pg_trgm",)]
    statuses = sorted(status for (status,) in query(data_dir, "SELECT status FROM complaints_complaint"))
    assert statuses == ["apologized", "awaiting_approval", "closed", "new", "new", "responded"]
    assert query(data_dir, "SHOW listen_addresses") == [("",)], "the server listens on its socket alone"


def test_stop_shuts_the_server_down_cleanly_and_leaves_no_process(data_dir):
    run(data_dir, "-m", "core.embedded_database", "start")
    assert processes_in(data_dir)

    run(data_dir, "-m", "core.embedded_database", "stop")

    assert processes_in(data_dir) == []
    assert not (data_dir / "postmaster.pid").exists()
    assert "database system is shut down" in (data_dir / "log").read_text()


def test_a_second_start_reuses_the_data_folder(data_dir):
    run(data_dir, "-m", "core.embedded_database", "start")
    with psycopg.connect(embedded_database.url(data_dir), autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (note text)")
        connection.execute("INSERT INTO kept VALUES ('from the first run')")
    run(data_dir, "-m", "core.embedded_database", "stop")

    run(data_dir, "-m", "core.embedded_database", "start")

    assert query(data_dir, "SELECT note FROM kept") == [("from the first run",)]


def test_start_is_harmless_while_the_server_runs_and_stop_while_it_does_not(data_dir):
    run(data_dir, "-m", "core.embedded_database", "start")
    server = server_pid(data_dir)

    run(data_dir, "-m", "core.embedded_database", "start")

    assert server_pid(data_dir) == server
    run(data_dir, "-m", "core.embedded_database", "stop")
    run(data_dir, "-m", "core.embedded_database", "stop")
