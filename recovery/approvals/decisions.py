"""Deciding approval requests: approve (granted under the approver's limits), reject, or send up a level."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.events import event_record
from complaints.locks import complaint_lock
from complaints.models import Complaint, DeadlineStep, EventKind
from complaints.services import approvals as complaint_approvals
from core.errors import NotPermitted
from recovery.approvals.errors import ApprovalAlreadyDecided
from recovery.compensation import grants, policies
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import Line
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationStatus, NotificationKind
from recovery.notices import notifications, texts
from staff.models import User


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
    limits_by_role = compensation_selectors.limits_by_role(complaint.store)
    limits = limits_by_role[actor.role]

    grants.caps_lock(actor, complaint)
    usage = compensation_selectors.usage(user=actor, store=complaint.store, customer=complaint.customer, now=now)
    exceeded = [excess.as_dict() for excess in policies.excesses(limits, usage, lines)]
    exceeded += [{"limit": "kind", "detail": message} for message in policies.refusals(limits, lines)]
    if exceeded:
        to_role = policies.approver_role_for(
            above=actor.role,
            limits_by_role=limits_by_role,
            customer_30_days=usage.customer_30_days,
            lines=lines,
            roles_present=compensation_selectors.approver_roles_present(complaint.store),
            anonymous_today=usage.anonymous_today,
        )
        approval_send_up(
            complaint=complaint,
            approval=approval,
            to_role=to_role,
            actor=actor,
            reason="over the approver's own limits",
            exceeded=exceeded,
            now=now,
        )
        grants.approvers_tell_now(complaint, now=now)
        return ApprovalOutcome(approval, escalated_to=to_role, exceeded=exceeded)

    grants.actions_grant(complaint, actions, granter=actor, now=now)
    data = _decide(approval, ApprovalStatus.APPROVED, actor=actor, note=note, tablet_of=in_person_on_tablet_of, now=now)
    complaint_approvals.complaint_approve(
        complaint=complaint, actor=actor, resolution=approval.resolution, data=data, now=now
    )
    _tell_requester(complaint, approval, decided_by=actor, now=now)
    return ApprovalOutcome(approval)


def approval_send_up(
    *,
    complaint: Complaint,
    approval: ApprovalRequest,
    to_role: str,
    actor: User | None,
    reason: str,
    now: datetime,
    exceeded: list[dict[str, str]] | None = None,
) -> None:
    """The request goes up to ``to_role``, who get a fresh window to decide: one ``approval_escalated`` event.

    Over an approver's own limits (``actor`` is that approver), or left undecided past its due
    time (``actor`` None: the sweep). The caller holds the complaint's and the request's locks
    and tells the new approvers.
    """
    previous_role = approval.approver_role
    approval.approver_role = to_role
    approval.save(update_fields=["approver_role"])
    complaint_approvals.complaint_restart_approval_clock(complaint=complaint, now=now)
    data = sent_up_data(approval, from_role=previous_role, reason=reason, exceeded=exceeded)
    event_record(complaint=complaint, kind=EventKind.APPROVAL_ESCALATED, actor=actor, at=now, data=data)


def sent_up_data(
    approval: ApprovalRequest, *, from_role: str, reason: str, exceeded: list[dict[str, str]] | None
) -> dict[str, Any]:
    """What an ``approval_escalated`` event says: the request (gone up to its ``approver_role``), from whom, why."""
    data: dict[str, Any] = {
        "approval": str(approval.id),
        "from_role": from_role,
        "to_role": approval.approver_role,
        "reason": reason,
    }
    if exceeded:
        data["exceeded"] = exceeded
    return data


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
        raise ValidationError({"reason": _("Say why, so the employee can offer something else.")})
    now = now or timezone.now()
    complaint, approval = _lock_pending(approval, actor=actor)
    approval.actions.update(status=CompensationStatus.REJECTED)
    data = _decide(
        approval, ApprovalStatus.REJECTED, actor=actor, note=reason, tablet_of=in_person_on_tablet_of, now=now
    )
    complaint_approvals.complaint_reject(
        complaint=complaint, actor=actor, return_to=approval.complaint_status_before, data=data, now=now
    )
    _tell_requester(complaint, approval, decided_by=actor, now=now)
    return approval


def _tell_requester(complaint: Complaint, approval: ApprovalRequest, *, decided_by: User, now: datetime) -> None:
    """The one who asked hears the decision (inbox and email, once); the approvers' notices are settled."""
    notifications.notifications_settle(complaint=complaint, step=DeadlineStep.APPROVAL, now=now)
    # The decision closed the request's latest approval deadline: the notice belongs to it.
    deadline = complaint.deadlines.filter(step=DeadlineStep.APPROVAL).order_by("-cycle").first()
    approved = approval.status == ApprovalStatus.APPROVED
    notifications.notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=NotificationKind.APPROVAL_APPROVED if approved else NotificationKind.APPROVAL_REJECTED,
        text=texts.approval_decided_text(complaint, approval, decided_by=decided_by),
        recipients=[user for user in [approval.requested_by] if user.is_active],
        now=now,
    )


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
    return decision_data(
        approval,
        requested_by=approval.requested_by.username,
        on_tablet_of=tablet_of.username if tablet_of is not None else None,
    )


def decision_data(approval: ApprovalRequest, *, requested_by: str, on_tablet_of: str | None) -> dict[str, Any]:
    """What an ``approved`` or ``rejected`` event says of the decision (``approval`` decided; usernames: who
    asked, and on whose tablet it was decided in person)."""
    note_key = "note" if approval.status == ApprovalStatus.APPROVED else "reason"
    data = {"approval": str(approval.id), "requested_by": requested_by, note_key: approval.decision_note}
    if on_tablet_of is not None:
        data |= {"in_person": True, "on_tablet_of": on_tablet_of}
    return data


def _lock_pending(approval: ApprovalRequest, *, actor: User) -> tuple[Complaint, ApprovalRequest]:
    """Lock the complaint, then the request; check it is still pending and ``actor`` may decide it."""
    complaint = complaint_lock(approval.complaint, actor=actor)
    approval = (
        ApprovalRequest.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=approval.pk)
    )
    if approval.status != ApprovalStatus.PENDING:
        raise ApprovalAlreadyDecided(status=approval.status)
    refusal = policies.decision_refusal(
        decider_id=actor.pk,
        decider_role=actor.role,
        requested_by_id=approval.requested_by_id,
        approver_role=approval.approver_role,
    )
    if refusal:
        raise NotPermitted(refusal)
    return complaint, approval
