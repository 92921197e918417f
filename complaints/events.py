"""Writing to a complaint's append-only event log: the audit trail that metrics are computed from.

Every change to a complaint writes its event last, after the complaint's other rows, or (a new complaint)
in the same statement as them: on PostgreSQL, writing events refreshes the facts the metrics read
(``recovery.ComplaintFacts``) from those rows.
"""

from datetime import datetime
from typing import Any

from django.db import connection

from complaints.models import Complaint, ComplaintEvent, EventKind
from complaints.webhook_events import event_webhooks_enqueue
from staff.models import User


def event_record(**fields: Any) -> ComplaintEvent:
    """Write an event now; ``fields`` as ``event_new`` takes them."""
    event = event_new(**fields)
    event.save(force_insert=True)
    # Integrators subscribed to it hear of it: the messages commit with the event, or not at all.
    event_webhooks_enqueue(event)
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


# --- What each step's event says (its data), for every writer of the log: the services and the demo history ----


def logged_data(*, channel: str, severity: str, assignee: str) -> dict[str, Any]:
    """``logged``: how it came in and to whom (``assignee``: a username)."""
    return {"channel": channel, "severity": severity, "assignee": assignee}


def apologized_data(*, note: str) -> dict[str, Any]:
    return {"note": note}


def responded_data(*, resolution: str, note: str) -> dict[str, Any]:
    return {"resolution": resolution, "note": note}


def followed_up_data(*, outcome: str, satisfaction: int | None, note: str) -> dict[str, Any]:
    return {"outcome": outcome, "satisfaction": satisfaction, "note": note}


def closed_data(*, closure_code: str, servqual_dimension: str, blueprint_area: str, note: str) -> dict[str, Any]:
    return {
        "closure_code": closure_code,
        "servqual_dimension": servqual_dimension,
        "blueprint_area": blueprint_area,
        "note": note,
    }


def reopened_data(*, reason: str, previous_closure_code: str) -> dict[str, Any]:
    return {"reason": reason, "previous_closure_code": previous_closure_code}


# What staff or the customer typed, wherever it stands in an event's data (compensation lines nest it): what
# forgetting a customer removes from their events (complaints.sql's EVENT_DATA_REDACTED is built from these).
TYPED_KEYS = frozenset({"note", "resolution", "outcome", "reason", "comment", "decision_note"})
REMOVED = "[removed]"


def events_redact(customer_id: int) -> int:
    """Remove the words typed into the events of a forgotten customer's complaints (``Customer.anonymized_at`` set
    in this transaction), keeping every event, its kind, time, actor, statuses and figures: the log's one
    sanctioned change, made by the database function that alone may make it (``complaints.sql``).

    Returns how many events changed.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT complaints_customer_events_redact(%s)", [customer_id])
        (changed,) = cursor.fetchone()
    return changed
