"""Cursors that bind parameters apart from the statement (and may prepare it), and a commit that does not wait
for the disk."""

import psycopg
from django.db import connections


def cursor_bound(connection, *, prepared: bool = False):
    """A cursor that sends the parameters apart from the statement.

    Django's psycopg cursors bind client-side: each value of a few-hundred-element array is quoted
    into the statement's text in Python, a good part of a sweep batch's time. Wrapped as Django wraps
    its own, so the statement is still logged, counted and timed.

    ``prepared``: each statement is prepared on the connection at its first run and planned once, for a
    statement run the same way on every request (Django prepares none). Not for statements whose best
    plan depends on their parameters, such as a batch's arrays of any length. Not while statements are
    logged (DEBUG, a test counting them): psycopg keeps no text of a statement run by name for Django's log
    to read, and the statements are the same either way.
    """
    connection.ensure_connection()
    if prepared and connection.queries_logged:
        cursor = _CursorUnprepared(connection.connection)  # also when the connection prepared it before
    else:
        cursor = (_CursorPrepared if prepared else psycopg.Cursor)(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


class _CursorPrepared(psycopg.Cursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class _CursorUnprepared(psycopg.Cursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=False, binary=binary)


def commit_unflushed() -> None:
    """Let the current transaction's commit return before its WAL reaches disk.

    A crash of the database server in the next fraction of a second may then lose the transaction,
    never half of it: only for work that is found and done again when it was lost (the sweep's).
    """
    with connections["default"].cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
