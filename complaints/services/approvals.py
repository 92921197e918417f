"""How a complaint waits for, and comes out of, an approval that the recovery app decides.

Recovery holds the complaint's lock (``complaints.locks``) while it decides, then calls these.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints import states
from complaints.deadlines import deadlines_after_step
from complaints.locks import complaint_lock_for_step
from complaints.models import Complaint, ComplaintStatus, EventKind
from complaints.services.transitions import complaint_move
from staff.models import User


@transaction.atomic
def complaint_await_approval(
    *, complaint: Complaint, actor: User, step: str, data: dict[str, Any], now: datetime | None = None
) -> Complaint:
    """``step`` (respond or compensate) asked for more than ``actor`` may grant: wait for a decision."""
    complaint = complaint_lock_for_step(complaint, actor=actor, step=step)
    return complaint_move(
        complaint,
        actor=actor,
        step=step,
        target=ComplaintStatus.AWAITING_APPROVAL,
        deadlines_step="request-approval",
        kind=EventKind.APPROVAL_REQUESTED,
        at=now or timezone.now(),
        fields=[],
        data=data,
    )


@transaction.atomic
def complaint_approve(
    *,
    complaint: Complaint,
    actor: User,
    resolution: str = "",
    data: dict[str, Any],
    now: datetime | None = None,
) -> Complaint:
    """The approval came: the response (with its compensation) is given; the complaint is ``responded``."""
    complaint = complaint_lock_for_step(complaint, actor=actor, step="approve")
    now = now or timezone.now()
    complaint.resolution = resolution or complaint.resolution
    complaint.responded_at = now
    return complaint_move(
        complaint,
        actor=actor,
        step="approve",
        kind=EventKind.APPROVED,
        at=now,
        fields=["resolution", "responded_at"],
        data=data,
    )


@transaction.atomic
def complaint_reject(
    *, complaint: Complaint, actor: User, return_to: str, data: dict[str, Any], now: datetime | None = None
) -> Complaint:
    """The approval was refused: back to where it was asked for, so the employee can respond otherwise."""
    if return_to not in states.APPROVAL_SOURCES:
        raise ValueError(f"A rejected approval cannot return a complaint to {return_to!r}.")
    complaint = complaint_lock_for_step(complaint, actor=actor, step="reject")
    return complaint_move(
        complaint,
        actor=actor,
        step="reject",
        target=return_to,
        kind=EventKind.REJECTED,
        at=now or timezone.now(),
        fields=[],
        data=data,
    )


def complaint_restart_approval_clock(*, complaint: Complaint, now: datetime | None = None) -> None:
    """The approval went to other approvers: they get a fresh window, and hear of it at once."""
    deadlines_after_step(complaint, step="request-approval", now=now or timezone.now())
