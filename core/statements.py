"""One statement from one JSON document (PostgreSQL): rows of several tables written together, each row one
JSON record that ``jsonb_populate_record`` reads back as its table's row type."""

import json
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import Model

from core.bulk_rows import insert_fields


def record_json(model: type[Model], row: Model) -> dict:
    """``row``'s columns as ``jsonb_populate_record(NULL::<its table>, …)`` reads them back, by column name:
    its insert fields, each as Django saves it (``pre_save``: ``auto_now`` times set, on ``row`` too).

    One JSON parameter for a whole row keeps a many-column statement's text the same from call to call, and
    its parameters few: psycopg then parses the statement once per process, where with a parameter per
    column it parses and quotes every one of them again in Python each time. Dump it with ``record_dumps``.
    """
    record = {}
    for field in insert_fields(model):
        value = field.pre_save(row, add=True)
        if value is not None and field.get_internal_type() == "JSONField":
            value = _JsonValue(value, field.encoder)
        record[field.column] = value
    return record


class _JsonValue:
    """A JSON column's value, written by its field's own encoder."""

    __slots__ = ("encoder", "value")

    def __init__(self, value, encoder) -> None:
        self.value, self.encoder = value, encoder


def record_dumps(document) -> str:
    """``document`` (of ``record_json`` records) as JSON text: times in ISO 8601 with their microseconds and
    offset, UUIDs and decimals as strings, which PostgreSQL reads back as the columns' types."""
    return json.dumps(document, default=_json_default, separators=(",", ":"))


def _json_default(value):
    if isinstance(value, _JsonValue):
        return json.loads(json.dumps(value.value, cls=value.encoder))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, timedelta):
        return f"{value.total_seconds()} seconds"
    raise TypeError(f"{type(value).__name__} has no column form here")


@contextmanager
def one_statement_atomic(using: str = "default"):
    """Around work that is a single statement, which PostgreSQL makes all-or-nothing by itself.

    Outside a transaction: nothing, no BEGIN and COMMIT (two round trips of a create's few). Inside one: a
    savepoint, so that the statement failing (a duplicate key its caller handles) leaves the transaction usable.
    """
    if connections[using].get_autocommit():
        yield
    else:
        with transaction.atomic(using=using):
            yield
