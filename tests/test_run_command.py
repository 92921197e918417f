"""What `make run` starts leaves the working tree as it was: beat keeps its schedule in the ignored .venv."""

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
