"""Writing to a complaint's append-only event log: the audit trail that metrics are computed from.

Every change to a complaint writes its event last, after the complaint's other rows, or (a new complaint)
in the same statement as them: on PostgreSQL, writing events refreshes the facts the metrics read
(``recovery.ComplaintFacts``) from those rows.
"""

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from complaints.models import Complaint, ComplaintEvent, EventKind
from core.bulk_rows import rows_update
from staff.models import User


def event_record(**fields: Any) -> ComplaintEvent:
    """Write an event now; ``fields`` as ``event_new`` takes them."""
    event = event_new(**fields)
    event.save(force_insert=True)
    return event


def event_new(
    *,
    complaint: Complaint,
    kind: EventKind,
    actor: User | None,
    at: datetime,
    data: dict[str, Any] | None = None,
    status_before: str = "",
    status_after: str = "",
) -> ComplaintEvent:
    """An event not written yet: for a writer that inserts it with other rows (a new complaint's)."""
    return ComplaintEvent(
        complaint=complaint,
        kind=kind,
        actor=actor,
        at=at,
        data=data or {},
        status_before=status_before,
        status_after=status_after,
    )


# What staff or the customer typed, wherever it stands in an event's data (compensation lines nest it).
TYPED_KEYS = frozenset({"note", "resolution", "outcome", "reason", "comment", "decision_note"})
REMOVED = "[removed]"


def events_redact(complaint_ids: list) -> int:
    """Remove the words typed into the events of these complaints (a customer is being forgotten),
    keeping every event, its kind, time, actor, statuses and figures: the log's one sanctioned change.

    The log's trigger allows it only inside this transaction (``SET LOCAL``), and only to the data.
    Returns how many events changed.
    """
    events = list(ComplaintEvent.objects.filter(complaint_id__in=complaint_ids).only("pk", "data"))
    changed = []
    for event in events:
        redacted = _typed_removed(event.data)
        if redacted != event.data:
            event.data = redacted
            changed.append(event)
    if not changed:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL complaints.event_redaction = 'on'")
        rows_update(ComplaintEvent, changed, ["data"])
        cursor.execute("SET LOCAL complaints.event_redaction = 'off'")
    return len(changed)


def _typed_removed(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REMOVED if key in TYPED_KEYS and isinstance(item, str) and item else _typed_removed(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_typed_removed(item) for item in value]
    return value
