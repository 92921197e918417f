"""What a user may do with a complaint now: the one answer both interfaces render from."""

from dataclasses import dataclass

from complaints import selectors as complaint_selectors
from complaints import states
from complaints.models import (
    Complaint,
    ComplaintStatus,
)
from recovery.approvals.selectors import pending_approval_of
from recovery.compensation.policies import decision_refusal
from recovery.models import (
    ApprovalRequest,
)
from staff.models import Role, User


@dataclass(frozen=True)
class AvailableActions:
    """What ``user`` may do with a complaint now, as the interfaces offer it: each says yes or no, the rules
    being those the services apply when it is done (a refusal there still has the last word).

    ``steps``: the flow's steps allowed from the complaint's status, in the flow's order; ``hold`` and
    ``resume``: put it on hold, take it off; ``reassign``: give it to someone else of its store (supervisors
    and above), ``take_over``: take it themselves; ``decide``: approve or reject its pending request;
    ``decide_in_person``: have an approver decide its pending request on this tablet (its requester);
    ``contact``: send the customer the survey link (they agreed to be contacted, at a phone or email).
    """

    steps: tuple[str, ...]
    hold: bool
    resume: bool
    reassign: bool
    take_over: bool
    decide: bool
    decide_in_person: bool
    contact: bool


def available_actions(*, user: User, complaint: Complaint, pending: ApprovalRequest | None = None) -> AvailableActions:
    """What ``user`` may do with ``complaint`` now (``pending``: its pending approval request, when the caller
    has it already)."""
    pending = pending or pending_approval_of(complaint)
    open_ = complaint.status != ComplaintStatus.CLOSED
    supervising = user.has_role_at_least(Role.SUPERVISOR)
    return AvailableActions(
        steps=tuple(states.allowed_steps(complaint.status)),
        hold=open_,
        resume=complaint.on_hold_until is not None,
        reassign=open_ and supervising,
        take_over=open_ and supervising and complaint.assignee_id != user.pk,
        decide=pending is not None
        and decision_refusal(
            decider_id=user.pk,
            decider_role=user.role,
            requested_by_id=pending.requested_by_id,
            approver_role=pending.approver_role,
        )
        is None,
        decide_in_person=pending is not None and pending.requested_by_id == user.pk,
        contact=complaint_selectors.customer_contactable(complaint) and states.can_take("survey", complaint.status),
    )
