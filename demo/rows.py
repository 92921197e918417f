"""Writing the demo history: rows of each model, by its fields' names, in bulk (binary COPY); ids and references.

A row is a namespace of the model's columns (``core.bulk_rows.row_new``: what the history gives by name, each
field's default for the rest), so that a field added to a model, with a default, is written without a word here.
"""

from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from django.db import connection, models

from complaints.models import ReferenceCounter
from complaints.references import reference_of
from core.bulk_rows import NewRow


@dataclass(frozen=True)
class Rows:
    """Rows of one model, ready to write: the columns (fields), and each row's values in their order."""

    model: type[models.Model]
    fields: list[models.Field]
    values: list[list]

    @classmethod
    def of(cls, model: type[models.Model], rows: list[NewRow]) -> "Rows":
        """``rows``' values, read now, column by column as the model has them: every concrete field but a
        generated one, and the primary key when the rows carry one (else the database numbers them)."""
        meta = model._meta
        numbered = bool(rows) and getattr(rows[0], meta.pk.attname) is not None
        fields = [f for f in meta.concrete_fields if not f.generated and (numbered or f is not meta.pk)]
        if not rows:
            return cls(model, fields, [])
        read = attrgetter(*(f.attname for f in fields))
        return cls(model, fields, [list(read(row)) for row in rows])

    def column(self, name: str) -> int:
        """Where the field ``name`` is in each row's values."""
        return next(index for index, f in enumerate(self.fields) if f.name == name)


@dataclass
class Writer:
    """Rows into their tables: binary COPY on PostgreSQL, or INSERTs of values prepared as the ORM would."""

    use_copy: bool
    types: dict[str, list[int]] = field(default_factory=dict)

    def write(self, rows: Rows) -> None:
        if not rows.values:
            return
        quote = connection.ops.quote_name
        table = rows.model._meta.db_table
        names = ", ".join(quote(f.column) for f in rows.fields)
        with connection.cursor() as cursor:
            if self.use_copy:
                # Binary: nothing to format or parse as text (a third faster); JSON columns take dicts.
                types = self._types(cursor, table, [f.column for f in rows.fields])
                with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(types)
                    for values in rows.values:
                        copy.write_row(values)
            else:
                placeholders = ", ".join(["%s"] * len(rows.fields))
                prepared = [
                    [f.get_db_prep_save(value, connection) for f, value in zip(rows.fields, values, strict=True)]
                    for values in rows.values
                ]
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})", prepared)

    def _types(self, cursor, table: str, columns: list[str]) -> list[int]:
        """The columns' type oids, as the table has them."""
        key = f"{table}:{','.join(columns)}"
        if key not in self.types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                [table, columns],
            )
            oids = dict(cursor.fetchall())
            self.types[key] = [oids[column] for column in columns]
        return self.types[key]


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``, from its sequence (outside any transaction: safe whoever writes
    the rows, and never handed out twice)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Ids:
    """Primary keys of one model for rows made one by one, reserved a block at a time."""

    model: type[models.Model]
    block: int = 1000
    free: list[int] = field(default_factory=list)

    def take(self) -> int:
        if not self.free:
            self.free = ids_reserve(self.model, self.block)[::-1]
        return self.free.pop()


def references_take(keys: list[tuple[int, date, str]]) -> list[str]:
    """References for complaints logged in this order (``keys``: store id, store's local day, store code),
    taken from the reference counters as the intake does, but one upsert for the lot, so
    that complaints logged later continue after them."""
    wanted: dict[tuple[int, date], int] = {}
    for store_id, day, _ in keys:
        wanted[(store_id, day)] = wanted.get((store_id, day), 0) + 1
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    days = list(wanted)
    with connection.cursor() as cursor:
        # Three arrays: no statement of a thousand parameters to build.
        cursor.execute(
            f"INSERT INTO {table} (store_id, day, last_number) "
            "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
            f"ON CONFLICT (store_id, day) DO UPDATE SET last_number = {table}.last_number + excluded.last_number "
            "RETURNING store_id, day, last_number",
            [[key[0] for key in days], [key[1] for key in days], [wanted[key] for key in days]],
        )
        counted = cursor.fetchall()
    last = {(store_id, str(day)): number for store_id, day, number in counted}
    following = {key: last[(key[0], str(key[1]))] - count for key, count in wanted.items()}
    references = []
    for store_id, day, code in keys:
        following[(store_id, day)] += 1
        references.append(reference_of(code, day, following[(store_id, day)]))
    return references
