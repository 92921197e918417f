"""Writing many rows at once, and reading a batch of them back as model instances."""

from datetime import datetime
from functools import cache
from operator import attrgetter
from types import NoneType, SimpleNamespace
from uuid import UUID

import psycopg
from django.db import connections, router
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    QuerySet,
    SmallIntegerField,
    TextField,
    UUIDField,
)
from django.db.models.sql import InsertQuery

from core.cursors import cursor_bound
from core.internals import instances_from_rows

# A row to insert: a model instance, or the lighter namespace ``row_new`` makes.
NewRow = Model | SimpleNamespace


def rows_update(model: type[Model], rows: list[Model], fields: list[str]) -> int:
    """Write ``fields`` of ``rows`` (each its own values) in one statement, however many rows.

    ``UPDATE … FROM unnest(arrays)``, one array per column, joined on the primary key. Django's
    ``bulk_update`` builds a ``CASE WHEN`` per field and row instead: for a few hundred rows its Python
    costs far more than the database's work.
    """
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    arrays, names = _unnest(connection, columns)
    assignments = ", ".join(f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:])
    statement = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM unnest({arrays}) AS v({names})"
        f" WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )
    values = [_prepared(column, [getattr(row, column.attname) for row in rows], connection) for column in columns]
    with cursor_bound(connection) as cursor:
        cursor.execute(statement, values)
        return cursor.rowcount


def instances_fetch(queryset: QuerySet) -> list[Model]:
    """The model instances of a plain ``queryset`` (its own fields, deferred ones left out; no
    ``select_related``, annotations or ``values``), as ``list(queryset)`` gives them.

    Its parameters are bound apart from the statement and its rows come back in binary: a filter on a
    few hundred keys is then one array, not a few hundred literals quoted in Python, and timestamps
    arrive as numbers rather than text to parse. Fetching a sweep batch's 500 deadlines took a third of
    the time.
    """
    connection = connections[queryset.db]
    query = queryset.query
    if query.select_related or query.annotations or queryset._fields is not None:
        raise ValueError("instances_fetch takes a plain queryset of one model")
    compiler = query.get_compiler(using=queryset.db)
    statement, params = compiler.as_sql()
    names = [column.target.attname for column, _, _ in compiler.select]
    with cursor_bound(connection) as cursor:
        cursor.cursor.format = psycopg.pq.Format.BINARY
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return instances_from_rows(queryset.model, queryset.db, names, rows)


def row_new(model: type[Model], **values) -> NewRow:
    """A row of ``model`` to give ``rows_insert`` or ``rows_insert_new``: ``values`` by column (``recipient_id``,
    not ``recipient``), the fields' defaults for the rest.

    A plain namespace of the columns: those functions only read its attributes, and a model instance
    costs tens of microseconds to build, a good part of a sweep batch's Python for its hundreds of
    notifications and events.
    """
    columns = _columns(model)
    if unknown := values.keys() - columns.keys():
        raise TypeError(f"{model.__name__} has no columns {sorted(unknown)}")
    constants, computed = _defaults(model)
    row = SimpleNamespace(**(constants | values))
    for name, field in computed.items():
        if name not in values:
            setattr(row, name, field.get_default())
    return row


@cache
def _columns(model: type[Model]) -> dict:
    """The model's columns but its (database-made) primary key, by attribute name."""
    return {field.attname: field for field in model._meta.concrete_fields if field is not model._meta.pk}


@cache
def _defaults(model: type[Model]) -> tuple[dict, dict]:
    """The columns' defaults: the values of those that are constant (each row gets the same immutable
    value), and the fields of those computed anew for each row (a callable, or a mutable value such
    as a JSON field's ``{}``, which each row must have its own of)."""
    constants, computed = {}, {}
    for name, field in _columns(model).items():
        default = field.get_default()
        if callable(field.default) or not isinstance(default, str | int | float | bool | NoneType):
            computed[name] = field
        else:
            constants[name] = default
    return constants, computed


def rows_insert(model: type[Model], rows: list[NewRow]) -> None:
    """Insert ``rows`` in one statement, however many (their primary keys are not read back).

    ``INSERT … SELECT FROM unnest(arrays)``; Django's ``bulk_create`` prepares and quotes every value of
    every row in Python.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    statement, values = _insert_from_arrays(connection, model, rows)
    with cursor_bound(connection) as cursor:
        cursor.execute(statement, values)


def rows_insert_new(model: type[Model], rows: list[NewRow], *, returning: tuple[str, ...]) -> list[tuple]:
    """Insert ``rows``, skipping those a unique constraint already holds, in one statement; returns
    the ``returning`` fields of the rows inserted, in no particular order.

    ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING``. Django's
    ``bulk_create(ignore_conflicts=True)`` returns nothing, which costs another statement to find the
    rows.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    statement, values = _insert_from_arrays(connection, model, rows)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in returning)
    statement += f" ON CONFLICT DO NOTHING RETURNING {columns}"
    with cursor_bound(connection) as cursor:
        cursor.execute(statement, values)
        return cursor.fetchall()


def _insert_from_arrays(connection, model: type[Model], rows: list[NewRow]) -> tuple[str, list[list]]:
    """``INSERT … SELECT * FROM unnest(arrays)`` of ``rows``' fields but the (database-made) primary key."""
    meta = model._meta
    columns = [field for field in meta.concrete_fields if field is not meta.pk]
    arrays, names = _unnest(connection, columns)
    statement = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) SELECT * FROM unnest({arrays})"
    values = [_prepared(column, _values_to_save(column, rows), connection) for column in columns]
    return statement, values


def _values_to_save(column, rows: list[NewRow]) -> list:
    """Each row's value of ``column`` as an insert saves it (``pre_save``): read straight from the rows
    where the field's ``pre_save`` is only that (no ``auto_now``), a call per value fewer."""
    if type(column).pre_save is Field.pre_save or (
        isinstance(column, DateField) and not column.auto_now and not column.auto_now_add
    ):
        return list(map(attrgetter(column.attname), rows))
    return [column.pre_save(row, add=True) for row in rows]


def _prepared(column, values: list, connection) -> list:
    """``values`` of ``column`` as the database takes them, each distinct value prepared once.

    A batch repeats most of its values (the same time, kind, step or recipient on every row), and
    ``get_db_prep_save`` costs microseconds a call: a few hundred rows of a dozen columns were a
    good part of a sweep batch's Python. A field prepares equal values alike, so one of a kind
    stands for all; a value that cannot be a key (a JSON dict) is prepared on its own. Values a field
    saves as they are (``_AS_IS``) are not looked at one by one at all.
    """
    if _as_is(column, values):
        return values
    prepare = column.get_db_prep_save
    done: dict = {}
    prepared = []
    for value in values:
        key = (value.__class__, value)
        try:
            prepared.append(done[key])
        except KeyError:
            done[key] = prepare(value, connection)
            prepared.append(done[key])
        except TypeError:  # unhashable
            prepared.append(prepare(value, connection))
    return prepared


# Fields whose database value is the value itself when it is of these types, which psycopg adapts as
# they are: their ``get_db_prep_save`` only checks that it is so (a naive datetime is made aware, with a
# warning, so a datetime passes only when aware).
_AS_IS = {
    AutoField: int,
    BigAutoField: int,
    BigIntegerField: int,
    BooleanField: bool,
    CharField: str,
    DateTimeField: datetime,
    IntegerField: int,
    PositiveIntegerField: int,
    PositiveSmallIntegerField: int,
    SmallIntegerField: int,
    TextField: str,
    UUIDField: UUID,
}


def _as_is(column, values: list) -> bool:
    """Whether ``values`` of ``column`` go to the database as they are (a foreign key: as its target's)."""
    while type(column) is ForeignKey:
        column = column.target_field
    kind = _AS_IS.get(type(column))
    if kind is None:
        return False
    # A text choice (a str enum) is saved as it is, as a str; an int enum is made an int.
    if not all(t is kind or (kind is str and issubclass(t, str)) for t in set(map(type, values)) - {NoneType}):
        return False
    return kind is not datetime or all(value.tzinfo is not None for value in values if value is not None)


def _unnest(connection, columns: list) -> tuple[str, str]:
    """``unnest``'s arguments, an array parameter cast to each column's type, and the columns' names.

    The arrays are sent in binary (``%b``, with ``cursor_bound``): as text, psycopg quotes each element
    in Python, several times slower for a few hundred rows.
    """
    arrays = ", ".join(f"%b::{column.db_type(connection)}[]" for column in columns)
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    return arrays, names


def insert_fields(model: type[Model]) -> list:
    """The columns an insert writes, as ``bulk_create`` does: every one but a generated column and a primary
    key the database numbers (an AutoField)."""
    return [f for f in model._meta.concrete_fields if not f.generated and not (f.primary_key and f.db_returning)]


def rows_insert_together(*groups: tuple[type[Model], list[Model]]) -> None:
    """Insert each group's rows, all in one statement (their primary keys are not read back).

    ``WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …``: one round trip for rows of several tables that
    the caller has all in hand (a new complaint, its deadlines, its first event). Foreign keys between
    them are checked at the statement's end, and triggers on the last group's table see the other rows
    then, as if it were written after them.
    """
    groups = tuple((model, rows) for model, rows in groups if rows)
    if not groups:
        return
    connection = connections[router.db_for_write(groups[0][0])]
    parts, params = [], []
    for model, rows in groups:
        query = InsertQuery(model)
        query.insert_values(insert_fields(model), rows)
        ((sql, values),) = query.get_compiler(connection=connection).as_sql()
        parts.append(sql)
        params.extend(values)
    *first, last = parts
    with_clause = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {with_clause} {last}" if first else last, params)
    for _model, rows in groups:
        for row in rows:
            row._state.adding = False
