"""Hand-written database objects (functions, views, triggers, tables derived from them), each set kept as
its one current text in a module beside its models (as the module's ``SQL``) and installed by
migrations that name that module.

A set's module builds its statements from the models' enums and constants, so its text is the only
definition. ``InstallSQL(module, digest)`` in a migration installs the set when ``digest`` is the set's
current digest; an older migration's ``InstallSQL`` of the same set does nothing, as a later one
installs the current text. Changing a set's text therefore asks for a new migration, which
``tests/core/test_installed_sql.py`` names (with the digest to write in it).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.db import migrations


@dataclass(frozen=True)
class SqlSet:
    """Statements that install a set of database objects, all idempotent or preceded by ``remove``.

    ``remove``: statements that take away what any earlier text of the set installed (so that a
    renamed or dropped object does not linger); ``after``: called with a cursor once the objects are
    in place (filling a derived table).
    """

    statements: tuple[str, ...]
    remove: tuple[str, ...] = ()
    after: Callable | None = field(default=None, compare=False)

    def digest(self) -> str:
        text = "\n;\n".join((*self.remove, *self.statements))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def install(self, cursor) -> None:
        for statement in (*self.remove, *self.statements):
            cursor.execute(statement)
        if self.after is not None:
            self.after(cursor)


def sql_set(module: str) -> SqlSet:
    return import_module(module).SQL


class InstallSQL(migrations.operations.base.Operation):
    """Install the current text of a set of database objects, when ``digest`` is its current digest."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, module: str, digest: str) -> None:
        self.module = module
        self.digest = digest

    def deconstruct(self):
        return self.__class__.__name__, [], {"module": self.module, "digest": self.digest}

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        objects = sql_set(self.module)
        if objects.digest() != self.digest:
            return  # an older text: a later migration installs the current one
        with schema_editor.connection.cursor() as cursor:
            objects.install(cursor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        # The objects stay: what an earlier migration left is replaced by the set's current text anyway.
        pass

    def describe(self) -> str:
        return f"Install the database objects of {self.module} ({self.digest})"
