"""Reference data: small tables that most requests read and admins rarely change (SLA policies, compensation
guidelines, categories, customer tiers), kept in each process and read again once any of them changes.

Every process keeps what it loaded with the version it loaded it under; the version lives in Redis, so a
change committed in one process (the admin's) is seen by all the others (web workers, Celery) at their next
read. Changing a table sets a new random version after the change commits: a process that reads the version
first and the table second can only ever keep newer rows under an older version, never the reverse, and
a random version stays unique across a Redis restart, where a counter would start again.

A process that changes a table inside a transaction reads it from the database until that transaction ends:
its change is its own until it commits, and rows it read then must not outlive a rollback.

Without Redis every read goes to the database, as if nothing were kept: slower, never stale. After a
failure Redis is left alone for ``RETRY_AFTER_SECONDS``, so that an unreachable host costs one timeout,
not one per read.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import signals

logger = logging.getLogger(__name__)

VERSION_KEY = "reference-data:version"
RETRY_AFTER_SECONDS = 5.0
ABSENT = "absent"  # the version while Redis holds none (new, or restarted): a version like any other

_client: redis.Redis | None = None
_client_lock = threading.Lock()
_redis_down_until = 0.0
_tables: list["ReferenceTable"] = []
_local = threading.local()


class ReferenceTable[T]:
    """What ``load`` returns (built from one small table), kept in this process until the version changes."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._kept: tuple[str, T] | None = None
        _tables.append(self)

    def get(self) -> T:
        if _changed_in_this_transaction():
            return self._load()  # the change is this transaction's alone until it commits, and may roll back
        version = _version()
        if version is None:
            return self._load()
        kept = self._kept  # one read: another thread may replace it meanwhile
        if kept is not None and kept[0] == version:
            return kept[1]
        rows = self._load()  # after reading the version (see the module's docstring)
        self._kept = (version, rows)
        return rows

    def forget(self) -> None:
        self._kept = None


def reference_data_watch(*models) -> None:
    """Read the tables again whenever a row of ``models`` is saved or deleted (the admin, the API, seeding)."""
    for model in models:
        signals.post_save.connect(_changed, sender=model, dispatch_uid=f"reference-save-{model._meta.label}")
        signals.post_delete.connect(_changed, sender=model, dispatch_uid=f"reference-delete-{model._meta.label}")


def reference_data_changed() -> None:
    """Make every process read the reference tables again, once the current transaction commits."""
    transaction.on_commit(reference_data_renew)


def reference_data_renew() -> None:
    """Make every process read the reference tables again, now (tests: their rolled-back rows send no signal)."""
    _local.changed_in_transaction, _local.request_version = False, None
    reference_data_forget_here()
    client = _redis()
    if client is None:
        return
    try:
        client.set(VERSION_KEY, uuid.uuid4().hex)
    except redis.RedisError:
        # Redis failing here fails the others' reads too: they go to the database, and read again once it is back.
        _redis_failed()
        logger.exception("Could not publish a change of reference data to the other processes")


def reference_data_forget_here() -> None:
    for table in _tables:
        table.forget()


def _changed(**_signal) -> None:
    reference_data_forget_here()
    if transaction.get_connection().in_atomic_block:
        _local.changed_in_transaction = True
    reference_data_changed()


def _changed_in_this_transaction() -> bool:
    if not getattr(_local, "changed_in_transaction", False):
        return False
    if transaction.get_connection().in_atomic_block:
        return True
    _local.changed_in_transaction = False  # committed (and renewed) or rolled back: back to normal
    return False


def _version() -> str | None:
    """The current version; asked of Redis once per request (a create reads several tables), else every time."""
    known = getattr(_local, "request_version", None)
    if known is not None:
        return known
    client = _redis()
    if client is None:
        return None
    try:
        version = client.get(VERSION_KEY)
    except redis.RedisError:
        _redis_failed()
        logger.warning("Redis unreachable: reference data is read from the database for %ss", RETRY_AFTER_SECONDS)
        return None
    version = ABSENT if version is None else version.decode()
    if getattr(_local, "in_request", False):
        _local.request_version = version
    return version


def _request_started(**_signal) -> None:
    _local.in_request, _local.request_version = True, None


def _request_finished(**_signal) -> None:
    _local.in_request, _local.request_version = False, None


request_started.connect(_request_started, dispatch_uid="reference-request-started")
request_finished.connect(_request_finished, dispatch_uid="reference-request-finished")


def _redis() -> redis.Redis | None:
    global _client
    if time.monotonic() < _redis_down_until:
        return None
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
                    socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
                )
    return _client


def _redis_failed() -> None:
    global _redis_down_until
    _redis_down_until = time.monotonic() + RETRY_AFTER_SECONDS
    reference_data_forget_here()
