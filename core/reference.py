"""Reference data: small tables that most requests read and admins rarely change (SLA policies, compensation
guidelines, categories, customer tiers), kept in each process and read again once any of them changes.

Every process keeps what it loaded with the version it loaded it under. The version is one row of the database
(``core.models.ReferenceDataVersion``), given a new random value by every change in the change's own transaction:
other processes see the new version exactly when they can see the change, at their next read. A process reads the
version first and the table second, so it can only ever keep newer rows under an older version, never the reverse;
a random version is never given twice, even by changes that rolled back.

A request reads the version once, and a token-authenticated one (the API's) reads it in the token's query, with
no round trip of its own: asked apart (of Redis, before), it was a tenth of a create's time.

A process that changes a table inside a transaction reads it from the database until that transaction ends:
its change is its own until it commits, and rows it read then must not outlive a rollback.
"""

import threading
import uuid
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Subquery, signals

ABSENT = "absent"  # the version while the database holds none (new, or emptied): a version like any other

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
    """Make every process read the reference tables again once the current transaction commits (now, outside one)."""
    from core.models import ReferenceDataVersion

    ReferenceDataVersion.objects.bulk_create(
        [ReferenceDataVersion(version=uuid.uuid4())],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["version"],
    )


def reference_data_renew() -> None:
    """Make every process read the reference tables again, this one at once (tests: their rolled-back rows send
    no signal)."""
    _local.changed_in_transaction, _local.request_version = False, None
    reference_data_forget_here()
    reference_data_changed()


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


def reference_version_of_token():
    """The version, as a subquery for the token's query: a token-authenticated request reads it there
    (``reference_version_for_request``)."""
    from core.models import ReferenceDataVersion

    return Subquery(ReferenceDataVersion.objects.filter(pk=1).values("version")[:1])


def reference_version_for_request(version: uuid.UUID | None) -> None:
    """The version this request reads the reference tables under, read with its token."""
    if getattr(_local, "in_request", False):
        _local.request_version = ABSENT if version is None else str(version)


def _version() -> str:
    """The current version; read once per request (a create reads several tables), else every time."""
    from core.models import ReferenceDataVersion

    known = getattr(_local, "request_version", None)
    if known is not None:
        return known
    version = ReferenceDataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    version = ABSENT if version is None else str(version)
    if getattr(_local, "in_request", False):
        _local.request_version = version
    return version


def _request_started(**_signal) -> None:
    _local.in_request, _local.request_version = True, None


def _request_finished(**_signal) -> None:
    _local.in_request, _local.request_version = False, None


request_started.connect(_request_started, dispatch_uid="reference-request-started")
request_finished.connect(_request_finished, dispatch_uid="reference-request-finished")
