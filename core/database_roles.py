"""The two database roles of production: a migration role owns the tables, the runtime role only reads and writes rows.

The runtime role (``DATABASE_RUNTIME_ROLE``, the one web, workers and beat connect as) cannot change the schema,
disable a trigger, empty a table, or change or delete what an insert-only table holds (the complaint event log, the
configuration audit): it
is granted rows (SELECT, INSERT, UPDATE, DELETE) of every table and the sequences, and of an insert-only table SELECT
and INSERT alone. ``migrate``, run as the migration role, grants it so after every migration (new tables included);
without ``DATABASE_RUNTIME_ROLE`` (``make run``, the tests) one role does both and nothing is granted.
"""

from django.conf import settings
from django.db import connections
from django.db.models import Model

# The tables whose rows are never changed or deleted once written (registered by their apps).
_insert_only: list[type[Model]] = []


def insert_only(*models: type[Model]) -> None:
    """Grant the runtime role only to read and append to the tables of ``models``."""
    _insert_only.extend(model for model in models if model not in _insert_only)


def runtime_role_grant(cursor, role: str) -> None:
    """Grant ``role`` what the app needs at run time, and take from it what it must not have, on every table and
    sequence of the current schema as they are now."""
    name = _quoted(cursor, role)
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}")
    cursor.execute(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {name}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
    for model in _insert_only:
        table = _quoted(cursor, model._meta.db_table)
        cursor.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {name}")


def _quoted(cursor, identifier: str) -> str:
    cursor.execute("SELECT quote_ident(%s)", [identifier])
    return cursor.fetchone()[0]


def runtime_role_grant_after_migrate(*, using: str = "default", **_signal) -> None:
    """``post_migrate``: grant the configured runtime role (none: nothing to do)."""
    role = settings.DATABASE_RUNTIME_ROLE
    if role:
        with connections[using].cursor() as cursor:
            runtime_role_grant(cursor, role)
