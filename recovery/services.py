"""The only code that grants compensation, asks for approval and decides approvals.

Each grant is one transaction that locks, in this order, the complaint, the granting staff
member and the customer, then sums what is already granted and compares it with the limits.
Two tablets granting at the same instant therefore queue on the same rows, and the second
sees what the first granted: together they can never go over a cap.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from complaints import services as complaint_services
from complaints.events import event_record
from complaints.models import Complaint, Customer, DeadlineStep, EventKind
from config.errors import NotPermitted
from recovery import policies, selectors, tasks
from recovery.errors import ApprovalAlreadyDecided, PinLocked, PinNotSet, WrongPin
from recovery.models import (
    ApprovalPin,
    ApprovalRequest,
    ApprovalStatus,
    CompensationAction,
    CompensationStatus,
    Notification,
)
from recovery.policies import Line
from staff.models import ROLE_RANK, Role, User

PIN_MAX_ATTEMPTS = 5
PIN_LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Proposal:
    """Compensation as asked for: ``[{"kind", "amount", "note"}, ...]``."""

    lines: list[dict[str, Any]]

    def as_lines(self) -> list[Line]:
        return [Line(kind=line["kind"], amount=Decimal(line["amount"])) for line in self.lines]


# --- Granting ---------------------------------------------------------------------------------


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
        return complaint_services.complaint_respond(
            complaint=complaint, actor=actor, resolution=resolution, note=note, now=now
        )
    complaint = complaint_services.complaint_lock(complaint=complaint, actor=actor, step="respond")
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
        complaint = complaint_services.complaint_respond(
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
    complaint = complaint_services.complaint_lock(complaint=complaint, actor=actor, step="compensation")
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
    limits_by_role = selectors.limits_by_role(store)
    limits = limits_by_role[actor.role]
    refused = policies.refusals(limits, lines)
    if refused:
        raise ValidationError({"compensation": refused})

    _lock_caps(actor, customer)
    usage = selectors.usage(user=actor, store=store, customer=customer, now=now)
    exceeded = policies.excesses(limits, usage, lines)
    if not exceeded:
        _create_actions(complaint, actor=actor, proposal=proposal, now=now)
        return None

    approver_role = policies.approver_role_for(
        above=actor.role,
        limits_by_role=limits_by_role,
        customer_30_days=usage.customer_30_days,
        lines=lines,
        roles_present=selectors.approver_roles_present(store),
    )
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
    )
    actions = _create_actions(complaint, actor=actor, proposal=proposal, now=now, approval=approval)
    complaint_services.complaint_await_approval(
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
    _tell_approvers_now(complaint)
    return approval


def _tell_approvers_now(complaint: Complaint) -> None:
    """The customer is waiting at the counter: do not wait for the next sweep to tell the approvers."""
    deadline_id = (
        complaint.deadlines.filter(step=DeadlineStep.APPROVAL, closed_at__isnull=True)
        .values_list("id", flat=True)
        .get()
    )
    tasks.enqueue(tasks.process_deadline, deadline_id)


def _lock_caps(granter: User, customer: Customer | None) -> None:
    """Lock the rows whose caps a grant counts against: the granter's, then the customer's.

    ``no_key``: other transactions may still insert rows that refer to them (events by this user).
    """
    User.objects.select_for_update(no_key=True).filter(pk=granter.pk).values_list("pk").get()
    if customer is not None:
        Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).values_list("pk").get()


def _create_actions(
    complaint: Complaint,
    *,
    actor: User,
    proposal: Proposal,
    now: datetime,
    approval: ApprovalRequest | None = None,
) -> list[CompensationAction]:
    """The proposal's actions: granted by ``actor`` at once when there is no approval to wait for."""
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
        _record_grant(complaint, actions, granter=actor, now=now)
    return actions


def _grant(complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime) -> None:
    """Grant actions that waited for approval."""
    _mark_granted(complaint, actions, granter=granter, now=now)
    CompensationAction.objects.bulk_update(
        actions, ["status", "granted_by", "granted_at", "business_day", "outside_guideline"]
    )
    _record_grant(complaint, actions, granter=granter, now=now)


def _mark_granted(complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime) -> None:
    guideline = selectors.guideline_for(complaint)
    guideline_max = guideline.max_amount if guideline else None
    for action in actions:
        action.status = CompensationStatus.GRANTED
        action.granted_by = granter
        action.granted_at = now
        action.business_day = timezone.localdate(now, complaint.store.zone)
        action.outside_guideline = policies.outside_guideline(action.amount, guideline_max)


def _record_grant(complaint: Complaint, actions: list[CompensationAction], *, granter: User, now: datetime) -> None:
    event_record(
        complaint=complaint,
        kind=EventKind.COMPENSATION_GRANTED,
        actor=granter,
        at=now,
        data={
            "compensation": [_action_data(action) for action in actions],
            "total": str(sum((action.amount for action in actions), Decimal(0))),
            "currency": complaint.store.currency,
        },
    )


def _action_data(action: CompensationAction) -> dict[str, Any]:
    data = {"id": action.pk, "kind": action.kind, "amount": str(action.amount), "note": action.note}
    if action.outside_guideline:
        data["outside_guideline"] = True
    return data


# --- Deciding approvals -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalOutcome:
    approval: ApprovalRequest
    # Set when the approver's own limits did not cover it: it went up to this role instead.
    escalated_to: str | None = None
    exceeded: list[dict[str, str]] | None = None


@transaction.atomic
def approval_approve(
    *,
    approval: ApprovalRequest,
    actor: User,
    note: str = "",
    in_person_on_tablet_of: User | None = None,
    now: datetime | None = None,
) -> ApprovalOutcome:
    """Approve: the compensation is granted under ``actor``'s limits and the complaint is responded.

    Above ``actor``'s own limits it is not approved but sent up to the next role that covers it.
    """
    now = now or timezone.now()
    complaint, approval = _lock_pending(approval, actor=actor)
    actions = list(approval.actions.order_by("id"))
    lines = [Line(kind=action.kind, amount=action.amount) for action in actions]
    limits_by_role = selectors.limits_by_role(complaint.store)
    limits = limits_by_role[actor.role]

    _lock_caps(actor, complaint.customer)
    usage = selectors.usage(user=actor, store=complaint.store, customer=complaint.customer, now=now)
    exceeded = [excess.as_dict() for excess in policies.excesses(limits, usage, lines)]
    exceeded += [{"limit": "kind", "detail": message} for message in policies.refusals(limits, lines)]
    if exceeded:
        return _send_up(
            complaint,
            approval,
            actor=actor,
            exceeded=exceeded,
            lines=lines,
            limits_by_role=limits_by_role,
            customer_30_days=usage.customer_30_days,
            now=now,
        )

    _grant(complaint, actions, granter=actor, now=now)
    data = _decide(approval, ApprovalStatus.APPROVED, actor=actor, note=note, tablet_of=in_person_on_tablet_of, now=now)
    complaint_services.complaint_approve(
        complaint=complaint, actor=actor, resolution=approval.resolution, data=data, now=now
    )
    return ApprovalOutcome(approval)


def _send_up(
    complaint: Complaint,
    approval: ApprovalRequest,
    *,
    actor: User,
    exceeded: list[dict[str, str]],
    lines: list[Line],
    limits_by_role: dict[str, policies.Limits],
    customer_30_days: Decimal | None,
    now: datetime,
) -> ApprovalOutcome:
    previous_role = approval.approver_role
    approval.approver_role = policies.approver_role_for(
        above=actor.role,
        limits_by_role=limits_by_role,
        customer_30_days=customer_30_days,
        lines=lines,
        roles_present=selectors.approver_roles_present(complaint.store),
    )
    approval.save(update_fields=["approver_role"])
    complaint_services.complaint_restart_approval_clock(complaint=complaint, now=now)
    _tell_approvers_now(complaint)
    event_record(
        complaint=complaint,
        kind=EventKind.APPROVAL_ESCALATED,
        actor=actor,
        at=now,
        data={
            "approval": str(approval.pk),
            "from_role": previous_role,
            "to_role": approval.approver_role,
            "reason": "over the approver's own limits",
            "exceeded": exceeded,
        },
    )
    return ApprovalOutcome(approval, escalated_to=approval.approver_role, exceeded=exceeded)


@transaction.atomic
def approval_reject(
    *,
    approval: ApprovalRequest,
    actor: User,
    reason: str,
    in_person_on_tablet_of: User | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Reject: nothing is granted and the complaint goes back to the requester to respond otherwise."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why, so the employee can offer something else."})
    now = now or timezone.now()
    complaint, approval = _lock_pending(approval, actor=actor)
    approval.actions.update(status=CompensationStatus.REJECTED)
    data = _decide(
        approval, ApprovalStatus.REJECTED, actor=actor, note=reason, tablet_of=in_person_on_tablet_of, now=now
    )
    complaint_services.complaint_reject(
        complaint=complaint, actor=actor, return_to=approval.complaint_status_before, data=data, now=now
    )
    return approval


def _decide(
    approval: ApprovalRequest, status: str, *, actor: User, note: str, tablet_of: User | None, now: datetime
) -> dict[str, Any]:
    """Record the decision on the request; returns what the complaint's event says of it."""
    approval.status = status
    approval.decided_by = actor
    approval.decided_at = now
    approval.decision_note = note
    approval.in_person = tablet_of is not None
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "in_person"])
    note_key = "note" if status == ApprovalStatus.APPROVED else "reason"
    data = {"approval": str(approval.pk), "requested_by": approval.requested_by.username, note_key: note}
    if tablet_of is not None:
        data |= {"in_person": True, "on_tablet_of": tablet_of.username}
    return data


def _lock_pending(approval: ApprovalRequest, *, actor: User) -> tuple[Complaint, ApprovalRequest]:
    """Lock the complaint, then the request; check it is still pending and ``actor`` may decide it."""
    complaint = complaint_services.complaint_lock(complaint=approval.complaint, actor=actor)
    approval = (
        ApprovalRequest.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=approval.pk)
    )
    if approval.status != ApprovalStatus.PENDING:
        raise ApprovalAlreadyDecided(status=approval.status)
    if approval.requested_by_id == actor.pk:
        raise NotPermitted("Nobody decides their own request: ask a supervisor.")
    if ROLE_RANK[Role(actor.role)] < ROLE_RANK[Role(approval.approver_role)]:
        raise NotPermitted(f"This request is above a {actor.role}'s limits: it needs a {approval.approver_role}.")
    return complaint, approval


# --- Approval PINs ----------------------------------------------------------------------------


@transaction.atomic
def approval_pin_set(*, user: User, pin: str, password: str) -> None:
    """Set (or change) ``user``'s approval PIN; their password proves it is them."""
    if not user.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted("Only supervisors, managers and admins approve, so only they have an approval PIN.")
    if not user.check_password(password):
        raise ValidationError({"password": "Wrong password."})
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValidationError({"pin": "4 to 12 digits."})
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise ValidationError({"pin": "Too easy to guess: avoid repeated or consecutive digits."})
    ApprovalPin.objects.update_or_create(
        user=user, defaults={"pin_hash": make_password(pin), "failed_attempts": 0, "locked_until": None}
    )


def approval_pin_verify(*, approver: User, pin: str, now: datetime | None = None) -> None:
    """Check ``approver``'s PIN, counting wrong tries; 5 wrong in a row lock it for 15 minutes.

    Runs in its own transaction and commits even when the PIN is wrong: a failed try must count.
    """
    now = now or timezone.now()
    with transaction.atomic():
        record = ApprovalPin.objects.select_for_update().filter(user=approver).first()
        if record is None:
            raise PinNotSet()
        if record.locked_until is not None and record.locked_until > now:
            raise PinLocked(locked_until=record.locked_until)
        correct = check_password(pin, record.pin_hash)
        if correct:
            record.failed_attempts = 0
        else:
            record.failed_attempts += 1
        if record.failed_attempts >= PIN_MAX_ATTEMPTS:
            record.failed_attempts = 0
            record.locked_until = now + PIN_LOCKOUT
        record.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
    if not correct:
        if record.locked_until is not None and record.locked_until > now:
            raise PinLocked(locked_until=record.locked_until)
        raise WrongPin(attempts_left=PIN_MAX_ATTEMPTS - record.failed_attempts)


# --- Notifications ------------------------------------------------------------------------------


def notifications_mark_read(
    *, user: User, notification_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the caller's notifications read (all of them when no ids are given); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=now or timezone.now())
