"""What `make run` starts: web on WEB_PORT, links in emails to it, beat's schedule in the ignored .venv."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command)
    raise AssertionError(f"no {name} in the Procfile")


def untracked_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(listed.stdout.splitlines())


def test_beat_keeps_its_schedule_out_of_the_tree():
    command = procfile_command("beat")
    before = untracked_files()
    environment = os.environ | {"DEBUG": "True", "SLA_SWEEP_SECONDS": "1", "REDIS_URL": "redis://127.0.0.1:6379/14"}
    environment["PATH"] = f"{Path(sys.executable).parent}:{environment['PATH']}"
    beat = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True)
    try:
        # Its first send comes after the schedule file is written.
        for line in beat.stderr:
            if "Sending due task" in line:
                break
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    schedule = command[command.index("--schedule") + 1]
    assert list(ROOT.glob(f"{schedule}*")), "beat wrote no schedule where the Procfile says"
    assert schedule.startswith(".venv/")
    assert not list(ROOT.glob("*celerybeat-schedule*"))
    assert untracked_files() == before


# Stands in for honcho: what the web process would be started with, and the address emails link to.
FAKE_HONCHO = """#!/bin/sh
echo "SITE_URL=$SITE_URL"
sed -n 's/^web: *//p' Procfile | while read -r command; do eval "echo web: $command"; done
"""


# Stands in for the virtualenv's python: what it was asked to run, and the address its links go to.
FAKE_PYTHON = """#!/bin/sh
echo "ran: $* (SITE_URL=$SITE_URL)"
"""


def make_run(tmp_path: Path, **env: str) -> str:
    """`make run` with stand-ins for the virtualenv's python (migrate, seed_demo) and honcho: its output."""
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in [("python", FAKE_PYTHON), ("honcho", FAKE_HONCHO)]:
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    venv.mkdir()
    (venv / ".runtime-installed").touch()  # newer than requirements.txt: nothing to install
    environment = {k: v for k, v in os.environ.items() if k not in {"WEB_PORT", "SITE_URL", "MAKEFLAGS"}} | env
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={venv}", f"BIN={bin_dir}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_make_run_serves_on_web_port_and_links_emails_there(tmp_path):
    output = make_run(tmp_path, WEB_PORT="8123")
    assert "web: python manage.py runserver 127.0.0.1:8123 --noreload" in output
    assert "SITE_URL=http://127.0.0.1:8123\n" in output


def test_the_demos_form_links_lead_to_the_web_port_too(tmp_path):
    """seed_demo prints each store's public form link: on WEB_PORT, where the form is served."""
    output = make_run(tmp_path, WEB_PORT="8123")
    assert "ran: manage.py seed_demo (SITE_URL=http://127.0.0.1:8123)" in output


def test_make_run_keeps_a_site_url_it_is_given(tmp_path):
    output = make_run(tmp_path, WEB_PORT="8123", SITE_URL="https://desk.example.com")
    assert "SITE_URL=https://desk.example.com\n" in output


def test_make_run_serves_on_port_8000_by_default(tmp_path):
    output = make_run(tmp_path)
    assert "web: python manage.py runserver 127.0.0.1:8000 --noreload" in output
    assert "SITE_URL=http://127.0.0.1:8000\n" in output
