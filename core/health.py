"""Liveness (/healthz) and readiness (/readyz) probes: JSON, no authentication.

Ready means this instance can serve: the database is reachable and migrated. Redis is checked and
reported, but its outage does not make an instance unready: every web instance shares the one Redis,
so a load balancer would take them all out at once, while without Redis the web still works (a task
not sent is done by the sweep once Redis is back, core/queue.py; the public form's rate limits let
submissions through). Then the answer is 200, ``"status": "degraded"``.
"""

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Without these an instance cannot serve; Redis is reported beside them.
REQUIRED = ("database", "migrations")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "migrations": _check_migrations(), "redis": _check_redis()}
    if not all(checks[name] == "ok" for name in REQUIRED):
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    return JsonResponse({"status": "ok" if checks["redis"] == "ok" else "degraded", "checks": checks})


def _check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready", never a 500
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_migrations() -> str:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if not plan else f"error: {len(plan)} migrations not applied"


def _check_redis() -> str:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    finally:
        client.close()
    return "ok"
