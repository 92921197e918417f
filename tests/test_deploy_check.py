"""`manage.py check --deploy` is clean with production settings taken from the environment, Compose's among them."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.helpers import compose_web_environment

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what a production host would have: none of the test settings' defaults leak in.
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="desk.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_with_the_settings_compose_gives_the_web_service():
    # What an operator fills in: Compose's ${NAME:?…} secrets, whichever the file asks for (each a fresh password).
    filled = {"SECRET_KEY": secrets.token_urlsafe(50), "EMAIL_URL": "smtp+tls://desk:secret@smtp.example.com:587"}

    def fill(match: re.Match) -> str:
        return filled.setdefault(match.group(1), secrets.token_urlsafe(16))

    environment = {
        name: re.sub(r"\$\{(\w+):\?[^}]*\}", fill, value) for name, value in compose_web_environment().items()
    }
    assert environment["DEBUG"] == "False"

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {"DEBUG": "False", "ALLOWED_HOSTS": "desk.example.com"}
    result = run_manage("check", **environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    """With DEBUG off there is no embedded default: a server that forgot its database must not make one."""
    result = run_manage("check", DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="desk.example.com")
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr
