"""The steps of the flow (apologize, respond, follow up, close, reopen), assignment, holds and severity.

Each locks the complaint, checks the actor and the state against the transition table, stamps
the time, saves with ``update_fields`` and writes one event, in one transaction: a refused step
changes nothing.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import events, states, supervision
from complaints.customer_messages import customer_sms_enqueue
from complaints.deadlines import deadlines_pause, deadlines_reschedule, deadlines_resume
from complaints.errors import ComplaintNotOnHold, ComplaintOnHold, InvalidTransition
from complaints.events import event_record
from complaints.locks import (
    complaint_lock,
    complaint_lock_as_system,
    complaint_lock_for_customer_step,
    complaint_lock_for_step,
)
from complaints.models import Complaint, ComplaintStatus, EventKind
from complaints.services.transitions import assignee_check, complaint_move
from complaints.status_links import status_url
from core.errors import NotPermitted
from outbox.models import SmsKind
from staff.models import Role, User


@transaction.atomic
def complaint_apologize(*, complaint: Complaint, actor: User, note: str = "", now: datetime | None = None) -> Complaint:
    complaint = complaint_lock_for_step(complaint, actor=actor, step="apologize")
    now = now or timezone.now()
    complaint.apologized_at = now
    return complaint_move(
        complaint,
        actor=actor,
        step="apologize",
        kind=EventKind.APOLOGIZED,
        at=now,
        fields=["apologized_at"],
        data=events.apologized_data(note=note),
    )


@transaction.atomic
def complaint_respond(
    *, complaint: Complaint, actor: User, resolution: str, note: str = "", now: datetime | None = None
) -> Complaint:
    complaint = complaint_lock_for_step(complaint, actor=actor, step="respond")
    now = now or timezone.now()
    complaint.resolution = resolution
    complaint.responded_at = now
    complaint = complaint_move(
        complaint,
        actor=actor,
        step="respond",
        kind=EventKind.RESPONDED,
        at=now,
        fields=["resolution", "responded_at"],
        data=events.responded_data(resolution=resolution, note=note),
    )
    if complaint.reopened_at is not None:
        # The customer who came back hears what was done this time (once per response: its time is the cause).
        customer_sms_enqueue(
            complaint, kind=SmsKind.REOPENED_OUTCOME, link=status_url(complaint), now=now, cause=now.isoformat()
        )
    return complaint


def _lock_for_step(complaint: Complaint, *, actor: User | None, step: str) -> Complaint:
    """The lock for ``step`` taken by ``actor``, or (None) by the customer through a link the caller checked."""
    if actor is None:
        return complaint_lock_for_customer_step(complaint.pk, step=step)
    return complaint_lock_for_step(complaint, actor=actor, step=step)


def _by(actor: User | None, customer_via: dict[str, Any] | None) -> dict[str, Any]:
    """What an event adds about who acted when it was the customer (``actor`` None): how they did it."""
    return {} if actor is not None else {"by": "customer", **(customer_via or {})}


@transaction.atomic
def complaint_follow_up(
    *,
    complaint: Complaint,
    actor: User | None,
    outcome: str = "",
    satisfaction: int | None = None,
    note: str = "",
    customer_via: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Record what the customer said after the response. ``actor`` None: the customer answered
    themselves (the survey; ``customer_via`` says how, for the event)."""
    complaint = _lock_for_step(complaint, actor=actor, step="follow-up")
    if not outcome and satisfaction is None:
        raise ValidationError({"outcome": _("Record what the customer said, or their satisfaction (1-5).")})
    now = now or timezone.now()
    complaint.follow_up_outcome = outcome
    complaint.satisfaction = satisfaction
    complaint.followed_up_at = now
    return complaint_move(
        complaint,
        actor=actor,
        step="follow-up",
        kind=EventKind.FOLLOWED_UP,
        at=now,
        fields=["follow_up_outcome", "satisfaction", "followed_up_at"],
        data=events.followed_up_data(outcome=outcome, satisfaction=satisfaction, note=note) | _by(actor, customer_via),
    )


@transaction.atomic
def complaint_close(
    *,
    complaint: Complaint,
    actor: User,
    closure_code: str,
    servqual_dimension: str = "",
    blueprint_area: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    complaint = complaint_lock_for_step(complaint, actor=actor, step="close")
    if complaint.status != ComplaintStatus.FOLLOWED_UP and states.closure_needs_follow_up(closure_code):
        raise InvalidTransition(
            step="close",
            status=complaint.status,
            detail=_(
                "A complaint that is %(status)s can only be closed as withdrawn or duplicate; "
                "closing as %(closure)s needs the follow-up first."
            )
            % {"status": states.status_label(complaint.status), "closure": closure_code},
        )
    complaint.servqual_dimension = servqual_dimension or complaint.servqual_dimension
    complaint.blueprint_area = blueprint_area or complaint.blueprint_area
    missing = {}
    if not complaint.servqual_dimension:
        missing["servqual_dimension"] = _(
            "Say which SERVQUAL dimension failed, so metrics can show where service breaks."
        )
    if not complaint.blueprint_area:
        missing["blueprint_area"] = _("Say where in the service blueprint it failed.")
    if missing:
        raise ValidationError(missing)
    now = now or timezone.now()
    complaint.closure_code = closure_code
    complaint.closed_at = now
    return complaint_move(
        complaint,
        actor=actor,
        step="close",
        kind=EventKind.CLOSED,
        at=now,
        fields=["closure_code", "closed_at", "servqual_dimension", "blueprint_area"],
        data=events.closed_data(
            closure_code=closure_code,
            servqual_dimension=complaint.servqual_dimension,
            blueprint_area=complaint.blueprint_area,
            note=note,
        ),
    )


@transaction.atomic
def complaint_reopen(
    *,
    complaint: Complaint,
    actor: User | None,
    reason: str,
    customer_via: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Back to the response. ``actor`` None: the customer said it is not put right (the survey)."""
    complaint = _lock_for_step(complaint, actor=actor, step="reopen")
    now = now or timezone.now()
    previous_closure_code = complaint.closure_code
    complaint.closure_code = ""
    complaint.reopened_at = now
    return complaint_move(
        complaint,
        actor=actor,
        step="reopen",
        kind=EventKind.REOPENED,
        at=now,
        fields=["closure_code", "reopened_at"],
        data=events.reopened_data(reason=reason, previous_closure_code=previous_closure_code)
        | _by(actor, customer_via),
    )


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor: User, assignee: User, now: datetime | None = None) -> Complaint:
    if not actor.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted(_("Only supervisors, managers and admins may assign complaints."))
    complaint = complaint_lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="assign", status=complaint.status)
    if complaint.assignee_id == assignee.pk:
        return complaint
    assignee_check(assignee, complaint.store)
    previous = complaint.assignee.username
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee", "updated_at"])
    event_record(
        complaint=complaint,
        kind=EventKind.ASSIGNED,
        actor=actor,
        at=now or timezone.now(),
        data={"from": previous, "to": assignee.username},
    )
    return complaint


# --- Holds and severity -----------------------------------------------------------------------


@transaction.atomic
def complaint_hold(
    *, complaint: Complaint, actor: User, reason: str, until: datetime, now: datetime | None = None
) -> Complaint:
    """Waiting on the customer (a receipt, a call back): the due times stand still until ``until``, within the
    actor's longest hold; frontline staff hold a complaint only so often (``complaints.supervision``)."""
    now = now or timezone.now()
    complaint = complaint_lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="hold", status=complaint.status)
    if complaint.on_hold_until is not None:
        raise ComplaintOnHold(until=complaint.on_hold_until)
    if refusal := supervision.hold_refusal(actor, complaint):
        raise refusal
    if refusal := supervision.hold_end_refusal(actor, now=now, until=until):
        raise refusal
    deadlines_pause(complaint, now=now, until=until)
    complaint.on_hold_until, complaint.hold_reason = until, reason
    complaint.holds += 1
    complaint.save(update_fields=["on_hold_until", "hold_reason", "holds", "updated_at"])
    event_record(
        complaint=complaint,
        kind=EventKind.HELD,
        actor=actor,
        at=now,
        data={"reason": reason, "until": until.isoformat()},
    )
    return complaint


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor: User | None, now: datetime | None = None) -> Complaint:
    """End a hold (``actor`` None: the hold ran out). Time on hold is not counted."""
    now = now or timezone.now()
    complaint = complaint_lock(complaint, actor=actor) if actor else complaint_lock_as_system(complaint.pk)
    if complaint.on_hold_until is None:
        if actor is None:
            return complaint  # resumed already: the sweep's retry is harmless
        raise ComplaintNotOnHold()
    held_since = complaint.deadlines.filter(paused_at__isnull=False).values_list("paused_at", flat=True).first()
    deadlines_resume(complaint, now=now)
    complaint.on_hold_until, complaint.hold_reason = None, ""
    complaint.save(update_fields=["on_hold_until", "hold_reason", "updated_at"])
    event_record(
        complaint=complaint,
        kind=EventKind.RESUMED,
        actor=actor,
        at=now,
        data={"held_since": held_since.isoformat() if held_since else None, "by": "user" if actor else "hold ended"},
    )
    return complaint


@transaction.atomic
def complaint_change_severity(
    *, complaint: Complaint, actor: User, severity: str, reason: str = "", now: datetime | None = None
) -> Complaint:
    """Re-grade the complaint (lowering it needs a supervisor); its open due times follow the new severity's SLA
    policy."""
    complaint = complaint_lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="severity", status=complaint.status)
    if complaint.severity == severity:
        return complaint
    if refusal := supervision.severity_refusal(actor, complaint, severity):
        raise refusal
    previous = complaint.severity
    complaint.severity = severity
    complaint.full_clean(exclude=["id", "store", "customer", "category", "assignee", "created_by"])
    complaint.save(update_fields=["severity", "updated_at"])
    deadlines_reschedule(complaint)
    event_record(
        complaint=complaint,
        kind=EventKind.SEVERITY_CHANGED,
        actor=actor,
        at=now or timezone.now(),
        data={"from": previous, "to": severity, "reason": reason},
    )
    return complaint
