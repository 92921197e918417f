"""The embedded default: with no DATABASE_URL the product runs on a SQLite file in WAL mode."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_product_migrates_and_seeds_on_sqlite_in_wal_mode(tmp_path):
    database = tmp_path / "desk.sqlite3"
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(DEBUG="True", DATABASE_URL=f"sqlite:///{database}", REDIS_URL="redis://127.0.0.1:6379/15")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        statuses = dict(connection.execute("SELECT reference, status FROM complaints_complaint").fetchall())
    assert sorted(statuses.values()) == ["apologized", "awaiting_approval", "closed", "new", "new", "responded"]
