"""What integrators hear of a complaint's events (signed webhooks, ``integrations.webhooks``): which events are sent,
as which type, and what each says. Written in the event's own transaction, and only when a subscription wants it
(the subscriptions are kept per process: an event nobody subscribed to costs nothing).

Each type's data is documented by its JSON schema in docs/webhooks/. It carries ids, codes, statuses and figures,
never what staff or the customer typed (notes, resolutions, reasons, comments) nor contact details or staff names.
"""

from datetime import datetime
from typing import Any

from complaints.models import Complaint, ComplaintEvent, EventKind
from core.bulk_rows import NewRow
from integrations.models import WebhookEvent
from integrations.webhooks import webhook_event_rows, webhooks_wanted
from outbox.sending import outbox_write

# The steps a "complaint.step_done" names (closing has its own type).
STEPS = {
    EventKind.APOLOGIZED: "apologize",
    EventKind.RESPONDED: "respond",
    EventKind.FOLLOWED_UP: "follow_up",
    EventKind.REOPENED: "reopen",
    EventKind.HELD: "hold",
    EventKind.RESUMED: "resume",
}


def _types_of(event: ComplaintEvent) -> list[str]:
    kind = event.kind
    types = []
    if kind == EventKind.LOGGED:
        types.append(WebhookEvent.COMPLAINT_LOGGED)
    if kind in STEPS:
        types.append(WebhookEvent.STEP_DONE)
    if kind == EventKind.COMPENSATION_GRANTED:
        types.append(WebhookEvent.COMPENSATION_GRANTED)
    if kind in (EventKind.APPROVED, EventKind.REJECTED):
        types.append(WebhookEvent.APPROVAL_DECIDED)
    if kind == EventKind.CLOSED:
        types.append(WebhookEvent.COMPLAINT_CLOSED)
    if kind == EventKind.FOLLOWED_UP and event.data.get("via") == "survey":
        types.append(WebhookEvent.SURVEY_ANSWERED)
    return types


def _data(event_type: str, event: ComplaintEvent, complaint: Complaint) -> dict[str, Any]:
    data: dict[str, Any] = {
        "complaint_id": str(complaint.pk),
        "store": complaint.store.code,
        "status": event.status_after or complaint.status,
    }
    said = event.data
    if event_type == WebhookEvent.COMPLAINT_LOGGED:
        data |= {
            "channel": complaint.channel,
            "category": complaint.category.code,
            "severity": complaint.severity,
            "customer_id": complaint.customer_id,
        }
    elif event_type == WebhookEvent.STEP_DONE:
        data |= {"step": STEPS[event.kind], "status_before": event.status_before}
    elif event_type == WebhookEvent.COMPENSATION_GRANTED:
        data |= {
            "compensation": [
                {"id": line.get("id"), "kind": line["kind"], "amount": line["amount"]} for line in said["compensation"]
            ],
            "total": said["total"],
            "currency": said["currency"],
            "customer_id": complaint.customer_id,
        }
    elif event_type == WebhookEvent.APPROVAL_DECIDED:
        data |= {"approval_id": said.get("approval"), "decision": event.kind}
    elif event_type == WebhookEvent.COMPLAINT_CLOSED:
        data |= {
            "closure_code": said.get("closure_code", ""),
            "servqual_dimension": said.get("servqual_dimension", ""),
            "blueprint_area": said.get("blueprint_area", ""),
        }
    elif event_type == WebhookEvent.SURVEY_ANSWERED:
        data |= {"solved": said.get("solved"), "score": said.get("satisfaction")}
    return data


def event_webhook_rows(event: ComplaintEvent, complaint: Complaint, *, cause: str, now: datetime) -> list[NewRow]:
    """The messages ``event`` of ``complaint`` sends its subscribers, not written yet; ``cause`` names the event."""
    rows = []
    for event_type in _types_of(event):
        if webhooks_wanted(event_type, complaint.store_id):
            rows += webhook_event_rows(
                event_type=event_type,
                store_id=complaint.store_id,
                complaint_id=complaint.pk,
                reference=complaint.reference or "",
                data=_data(event_type, event, complaint),
                cause=cause,
                occurred_at=event.at,
                now=now,
            )
    return rows


def event_webhooks_enqueue(event: ComplaintEvent) -> None:
    """Write the messages of an event just recorded (its id names it), in its transaction."""
    rows = event_webhook_rows(event, event.complaint, cause=f"event:{event.pk}", now=event.at)
    if rows:
        outbox_write(rows, send_now=True)
