"""The embedded default: with no DATABASE_URL the product runs on a SQLite file in WAL mode."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(database: Path, *commands: list[str]) -> str:
    """Run manage.py commands in turn on the SQLite file ``database``; the last one's output."""
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(DEBUG="True", DATABASE_URL=f"sqlite:///{database}", REDIS_URL="redis://127.0.0.1:6379/15")
    for command in commands:
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_product_migrates_and_seeds_on_sqlite_in_wal_mode(tmp_path):
    database = tmp_path / "desk.sqlite3"
    manage(database, ["migrate", "--noinput"], ["seed_demo"])
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        statuses = dict(connection.execute("SELECT reference, status FROM complaints_complaint").fetchall())
    assert sorted(statuses.values()) == ["apologized", "awaiting_approval", "closed", "new", "new", "responded"]


METRICS_SCRIPT = """
import json
from datetime import timedelta
from django.utils import timezone
from recovery import metrics
from staff.models import User
admin = User.objects.get(username="admin")
zone = metrics.metrics_zone(admin)
today = timezone.localdate(timezone.now(), zone)
period = metrics.MetricsFilter(date_from=today - timedelta(days=6), date_to=today, zone=zone)
answer = metrics.recovery_metrics(user=admin, filters=period, group_by="store")
print(json.dumps(answer, default=str))
"""


def test_the_metrics_add_up_the_demo_on_sqlite_from_the_facts_view(tmp_path):
    """No facts are kept on SQLite: the metrics read them computed by a view, and count the demo."""
    output = manage(tmp_path / "desk.sqlite3", ["migrate", "--noinput"], ["seed_demo"], ["shell", "-c", METRICS_SCRIPT])
    answer = json.loads(output.strip().splitlines()[-1])
    totals = answer["totals"]
    assert totals["volume"] == 6
    assert sum(group["volume"] for group in answer["groups"]) == 6
    assert sum(row["count"] for row in totals["pareto"]["category"]) == 6


def test_a_database_with_the_facts_view_already_in_place_takes_the_later_migrations(tmp_path):
    """`make run` keeps its SQLite file: one made before complaints 0011 already holds recovery's facts
    view, and SQLite refuses to rebuild a table a view names, as the later complaints migrations do."""
    database = tmp_path / "desk.sqlite3"
    manage(database, ["migrate", "recovery", "0009", "--noinput"])  # as an earlier release left it
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall() == [
            ("recovery_complaint_facts_source",)
        ]
    output = manage(database, ["migrate", "--noinput"], ["seed_demo"], ["shell", "-c", METRICS_SCRIPT])
    assert json.loads(output.strip().splitlines()[-1])["totals"]["volume"] == 6
