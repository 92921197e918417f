"""Granting compensation: at once within the granter's limits, else as an approval request.

Each grant is one transaction that locks, in this order, the complaint, the granting staff
member and the customer (the store, for a complaint without a customer), then sums what is
already granted and compares it with the limits.
Two tablets granting at the same instant therefore queue on the same rows, and the second
sees what the first granted: together they can never go over a cap.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from complaints.events import event_record
from complaints.locks import complaint_lock_for_step
from complaints.models import Complaint, Customer, EventKind
from complaints.services import approvals as complaint_approvals
from complaints.services import steps as complaint_steps
from core.queue import enqueue_on_commit
from recovery.compensation import policies
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import Line
from recovery.models import ApprovalRequest, CompensationAction, CompensationStatus
from staff.models import Store, User


@dataclass(frozen=True)
class Proposal:
    """Compensation as asked for: ``[{"kind", "amount", "note"}, ...]``."""

    lines: list[dict[str, Any]]

    def as_lines(self) -> list[Line]:
        return [Line(kind=line["kind"], amount=Decimal(line["amount"])) for line in self.lines]


@transaction.atomic
def complaint_respond_with_compensation(
    *,
    complaint: Complaint,
    actor: User,
    resolution: str,
    note: str = "",
    compensation: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Complaint:
    """The respond step, with compensation: granted at once within the actor's limits, else sent
    for approval (the complaint then waits in ``awaiting_approval``)."""
    now = now or timezone.now()
    if not compensation:
        return complaint_steps.complaint_respond(
            complaint=complaint, actor=actor, resolution=resolution, note=note, now=now
        )
    complaint = complaint_lock_for_step(complaint, actor=actor, step="respond")
    approval = _grant_or_request(
        complaint,
        actor=actor,
        step="respond",
        proposal=Proposal(compensation),
        resolution=resolution,
        note=note,
        now=now,
    )
    if approval is None:
        complaint = complaint_steps.complaint_respond(
            complaint=complaint, actor=actor, resolution=resolution, note=note, now=now
        )
    return complaint


@transaction.atomic
def complaint_compensate(
    *,
    complaint: Complaint,
    actor: User,
    compensation: list[dict[str, Any]],
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """More compensation after the response: granted, or sent for approval like at the respond step."""
    now = now or timezone.now()
    complaint = complaint_lock_for_step(complaint, actor=actor, step="compensation")
    _grant_or_request(complaint, actor=actor, step="compensation", proposal=Proposal(compensation), note=note, now=now)
    return complaint


def _grant_or_request(
    complaint: Complaint,
    *,
    actor: User,
    step: str,
    proposal: Proposal,
    note: str,
    now: datetime,
    resolution: str = "",
) -> ApprovalRequest | None:
    """Grant ``proposal`` if it is within every limit of ``actor``'s role; else ask for approval.

    Returns the approval request, or None when everything was granted. The complaint is locked.
    """
    store, customer = complaint.store, complaint.customer
    lines = proposal.as_lines()
    limits_by_role = compensation_selectors.limits_by_role(store)
    limits = limits_by_role[actor.role]
    refused = policies.grant_refusals(
        limits, lines, currency=store.currency, largest_allowed=store.max_compensation_amount
    )
    if refused:
        raise ValidationError({"compensation": refused})

    caps_lock(actor, complaint)
    usage = compensation_selectors.usage(user=actor, store=store, customer=customer, now=now)
    found = policies.assess(
        role=actor.role,
        limits_by_role=limits_by_role,
        usage=usage,
        lines=lines,
        roles_present=lambda: compensation_selectors.approver_roles_present(store),
    )
    if not found.exceeded:
        # The grant is the compensation step's event, so it carries the step's note; the respond step's note is
        # in its own event (responded).
        _create_actions(complaint, actor=actor, proposal=proposal, now=now, note=note if step == "compensation" else "")
        return None
    exceeded, approver_role = found.exceeded, found.approver_role
    approval = ApprovalRequest.objects.create(
        complaint=complaint,
        store=store,
        requested_by=actor,
        approver_role=approver_role,
        exceeded=[excess.as_dict() for excess in exceeded],
        resolution=resolution,
        note=note,
        complaint_status_before=complaint.status,
        created_at=now,
        complaint_logged_at=complaint.created_at,
    )
    actions = _create_actions(complaint, actor=actor, proposal=proposal, now=now, approval=approval)
    complaint_approvals.complaint_await_approval(
        complaint=complaint,
        actor=actor,
        step=step,
        now=now,
        data={
            "approval": str(approval.pk),
            "approver_role": approver_role,
            "exceeded": approval.exceeded,
            "compensation": [_action_data(action) for action in actions],
            "resolution": resolution,
            "note": note,
        },
    )
    approvers_tell_now(complaint, now=now)
    return approval


def approvers_tell_now(complaint: Complaint, *, now: datetime) -> None:
    """The customer is waiting at the counter: do not wait for the next sweep to tell the approvers.

    The task runs at the request's moment, so that what it finds due is what was due then.
    """
    enqueue_on_commit("recovery.tasks.sweep_complaint", str(complaint.pk), now.isoformat())


def caps_lock(granter: User, complaint: Complaint) -> None:
    """Lock the rows whose caps a grant counts against: the granter's, then the customer's, or for a
    complaint without a customer its store's (the anonymous cap is the store's, per business day).

    ``no_key``: other transactions may still insert rows that refer to them (events by this user).
    """
    User.objects.select_for_update(no_key=True).filter(pk=granter.pk).values_list("pk").get()
    if complaint.customer_id is not None:
        Customer.objects.select_for_update(no_key=True).filter(pk=complaint.customer_id).values_list("pk").get()
    else:
        Store.objects.select_for_update(no_key=True).filter(pk=complaint.store_id).values_list("pk").get()


def _create_actions(
    complaint: Complaint,
    *,
    actor: User,
    proposal: Proposal,
    now: datetime,
    approval: ApprovalRequest | None = None,
    note: str = "",
) -> list[CompensationAction]:
    """The proposal's actions: granted by ``actor`` at once when there is no approval to wait for (``note``: the
    step's, for the grant's event)."""
    actions = [
        CompensationAction(
            complaint=complaint,
            store=complaint.store,
            customer=complaint.customer,
            kind=line["kind"],
            amount=Decimal(line["amount"]),
            currency=complaint.store.currency,
            note=line.get("note", ""),
            status=CompensationStatus.PENDING_APPROVAL,
            requested_by=actor,
            approval=approval,
            created_at=now,
        )
        for line in proposal.lines
    ]
    if approval is None:
        _mark_granted(complaint, actions, granter=actor, now=now)
    for action in actions:
        # Fields only: the database enforces the constraints, without a query per action here.
        action.full_clean(
            exclude=["complaint", "store", "customer", "requested_by", "approval", "granted_by"],
            validate_constraints=False,
        )
    actions = CompensationAction.objects.bulk_create(actions)
    if approval is None:
        _record_grant(complaint, actions, granter=actor, now=now, note=note)
    return actions


def actions_grant(complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime) -> None:
    """Grant actions that waited for approval."""
    _mark_granted(complaint, actions, granter=granter, now=now)
    CompensationAction.objects.bulk_update(
        actions, ["status", "granted_by", "granted_at", "business_day", "far_above_guideline", "above_guideline"]
    )
    _record_grant(complaint, actions, granter=granter, now=now)


def _mark_granted(complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime) -> None:
    guideline = compensation_selectors.guideline_for(complaint)
    guideline_max = guideline.max_amount if guideline else None
    for action in actions:
        action.status = CompensationStatus.GRANTED
        action.granted_by = granter
        action.granted_at = now
        action.business_day = timezone.localdate(now, complaint.store.zone)
        action.far_above_guideline = policies.far_above_guideline(action.amount, guideline_max)
        action.above_guideline = policies.above_guideline(action.amount, guideline_max)


def _record_grant(
    complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime, note: str = ""
) -> None:
    data = {
        "compensation": [_action_data(action) for action in actions],
        "total": str(sum((action.amount for action in actions), Decimal(0))),
        "currency": complaint.store.currency,
    }
    if note:
        data["note"] = note
    event_record(complaint=complaint, kind=EventKind.COMPENSATION_GRANTED, actor=granter, at=now, data=data)


def _action_data(action: CompensationAction) -> dict[str, Any]:
    data = {"id": action.pk, "kind": action.kind, "amount": str(action.amount), "note": action.note}
    if action.far_above_guideline:
        data["far_above_guideline"] = True
    return data
