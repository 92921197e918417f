"""The benchmark's baseline: the smallest useful WSGI app on the same stack (gunicorn + psycopg 3 + PostgreSQL).

``POST /insert`` parses a small JSON body and does one ``INSERT INTO bench_baseline`` (one
transaction, one commit) on a persistent connection, answering 201 with the new row's id.
``GET /healthz`` answers 200 without touching the database. Nothing else.

Not part of the product and not in its URLs: ``bench/complaint_create.py`` serves it with
``gunicorn --pythonpath bench baseline_app:application``, with the same worker settings as the
product, so that the difference between the two is what the product's create path costs.

The connection is opened on a worker's first request and kept for the life of that worker: one
per worker process under the ``sync`` worker, one per worker thread under ``gthread`` (as Django
keeps one connection per thread with ``CONN_MAX_AGE``). Settings come from the environment:
``BASELINE_DATABASE_URL`` (else ``DATABASE_URL``).
"""

import json
import os
import threading

import psycopg

INSERT = "INSERT INTO bench_baseline (payload) VALUES (%s) RETURNING id"

_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or conn.broken:
        url = os.environ.get("BASELINE_DATABASE_URL") or os.environ["DATABASE_URL"]
        conn = psycopg.connect(url, autocommit=True)
        _local.conn = conn
    return conn


def _respond(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if path == "/healthz" and method == "GET":
        return _respond(start_response, "200 OK", {"status": "ok"})
    if path != "/insert":
        return _respond(start_response, "404 Not Found", {"detail": "Not found."})
    if method != "POST":
        return _respond(start_response, "405 Method Not Allowed", {"detail": "POST only."})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        return _respond(start_response, "400 Bad Request", {"detail": "Send a JSON body."})
    description = str(payload.get("description", ""))[:1000] if isinstance(payload, dict) else ""
    (row_id,) = _connection().execute(INSERT, [description]).fetchone()
    return _respond(start_response, "201 Created", {"id": row_id})
