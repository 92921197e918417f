"""What `make run` starts: the embedded PostgreSQL first and stopped last, web on WEB_PORT, links in emails to
it, beat's schedule in the ignored .venv."""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import psycopg

from core import embedded_database

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


# Stands in for the virtualenv's python: what it was asked to run, and the address its links go to; it fails
# when asked to run FAKE_PYTHON_FAILS.
FAKE_PYTHON = """#!/bin/sh
echo "ran: $* (SITE_URL=$SITE_URL)"
[ "$*" != "$FAKE_PYTHON_FAILS" ]
"""


def make_run_command(tmp_path: Path, scripts: dict[str, str], **env: str) -> tuple[list[str], dict[str, str]]:
    """`make run`'s command line and environment, with ``scripts`` standing in for the virtualenv's programs;
    no DATABASE_URL unless ``env`` gives one."""
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in scripts.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    venv.mkdir()
    (venv / ".runtime-installed").touch()  # newer than requirements.txt: nothing to install
    left_out = {"WEB_PORT", "SITE_URL", "MAKEFLAGS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    environment = {k: v for k, v in os.environ.items() if k not in left_out} | env
    return ["make", "--no-print-directory", "run", f"VENV={venv}", f"BIN={bin_dir}"], environment


def make_run(tmp_path: Path, *, succeeds: bool = True, **env: str) -> str:
    """`make run` with stand-ins for the virtualenv's python (the embedded database, migrate, seed_demo) and
    honcho: its output."""
    command, environment = make_run_command(tmp_path, {"python": FAKE_PYTHON, "honcho": FAKE_HONCHO}, **env)
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert (result.returncode == 0) == succeeds, result.stdout + result.stderr
    return result.stdout


def steps(output: str) -> list[str]:
    """What `make run` ran, in order, without the addresses."""
    return [line.split(" (SITE_URL=")[0] for line in output.splitlines() if line.startswith(("ran:", "web:"))]


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


def test_make_run_starts_the_embedded_database_first_and_stops_it_last(tmp_path):
    assert steps(make_run(tmp_path)) == [
        "ran: -m core.embedded_database start",
        "ran: manage.py migrate --noinput",
        "ran: manage.py seed_demo",
        "web: python manage.py runserver 127.0.0.1:8000 --noreload",
        "ran: -m core.embedded_database stop",
    ]


def test_make_run_stops_the_embedded_database_when_a_step_fails(tmp_path):
    output = make_run(tmp_path, succeeds=False, FAKE_PYTHON_FAILS="manage.py migrate --noinput")
    assert steps(output) == [
        "ran: -m core.embedded_database start",
        "ran: manage.py migrate --noinput",
        "ran: -m core.embedded_database stop",
    ]


def test_make_run_starts_no_embedded_database_when_database_url_names_one(tmp_path):
    output = make_run(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/elsewhere")
    assert steps(output) == [
        "ran: manage.py migrate --noinput",
        "ran: manage.py seed_demo",
        "web: python manage.py runserver 127.0.0.1:8000 --noreload",
    ]


# The real python for the embedded database; manage.py's commands only say they ran.
PYTHON_WITH_REAL_DATABASE = f"""#!/bin/sh
if [ "$1 $2" = "-m core.embedded_database" ]; then exec {sys.executable} "$@"; fi
echo "ran: $*"
"""

# Stands in for honcho as Ctrl-C finds it: running until SIGINT, then exiting as honcho does (130).
HONCHO_UNTIL_CTRL_C = f"""#!{sys.executable}
import signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGINT}})
print("honcho: up", flush=True)
signal.sigwait({{signal.SIGINT}})
sys.exit(130)
"""


def test_ctrl_c_stops_the_embedded_database_cleanly(tmp_path, embedded_data_dir):
    data_dir = embedded_data_dir
    command, environment = make_run_command(
        tmp_path,
        {"python": PYTHON_WITH_REAL_DATABASE, "honcho": HONCHO_UNTIL_CTRL_C},
        EMBEDDED_DATABASE_DIR=str(data_dir),
    )
    # In a session of its own, as a terminal's foreground job: Ctrl-C signals its whole process group.
    make = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        printed = []
        for line in make.stdout:
            printed.append(line)
            if line.startswith("honcho: up"):
                break
        else:
            raise AssertionError("make run ended before honcho started:\n" + "".join(printed))
        with psycopg.connect(embedded_database.url(data_dir)) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)

        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=60)

        assert not (data_dir / "postmaster.pid").exists()
        assert "database system is shut down" in (data_dir / "log").read_text()
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
