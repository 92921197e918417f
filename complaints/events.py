"""Writing to a complaint's append-only event log: the audit trail that metrics are computed from.

Every change to a complaint writes its event last, after the complaint's other rows: on PostgreSQL,
writing events refreshes the facts the metrics read (``recovery.ComplaintFacts``) from those rows.
"""

from datetime import datetime
from typing import Any

from complaints.models import Complaint, ComplaintEvent, EventKind
from staff.models import User


def event_record(
    *,
    complaint: Complaint,
    kind: EventKind,
    actor: User | None,
    at: datetime,
    data: dict[str, Any] | None = None,
    status_before: str = "",
    status_after: str = "",
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        at=at,
        data=data or {},
        status_before=status_before,
        status_after=status_after,
    )
