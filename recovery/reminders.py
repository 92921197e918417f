"""Reminders and escalations when due times come: the sweep, one deadline's processing, emails.

The sweep claims due deadlines with ``SELECT … FOR UPDATE SKIP LOCKED`` and pushes each a
lease ahead, so that two sweeps never take the same rows and a task lost with its worker is
picked up again when the lease runs out. Processing a deadline re-reads it under lock and does
only what is still due; notifications are rows unique per (deadline, level, recipient), written
before any email goes out, so everyone is told once.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction

from complaints import deadlines, sla
from complaints.deadlines import MAX_LEVEL, escalation_time, next_check
from complaints.models import Complaint, Deadline, DeadlineStep
from complaints.services.steps import complaint_resume
from recovery import messages, policies, selectors
from recovery.models import ApprovalRequest, ApprovalStatus, EmailState, Notification, NotificationKind
from recovery.services.approvals import approval_send_up
from recovery.services.notifications import EMAIL_LEASE, notifications_create
from staff.models import Role, Store, User
from staff.selectors import staff_of_role_for_store

logger = logging.getLogger(__name__)

# A claimed deadline not processed by then (its task lost with the broker or the worker) is claimed again.
CLAIM_LEASE = timedelta(seconds=60)
SWEEP_BATCH = 500

# Escalation levels climb: the store's supervisors, the region's managers, then admins.
LEVEL_ROLES = {1: Role.SUPERVISOR, 2: Role.MANAGER, 3: Role.ADMIN}


def deadlines_claim(*, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Take up to ``limit`` due deadlines nobody else holds, and lease them for ``CLAIM_LEASE``."""
    with transaction.atomic():
        ids = list(
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(closed_at__isnull=True, next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("id", flat=True)[:limit]
        )
        Deadline.objects.filter(id__in=ids).update(next_check_at=now + CLAIM_LEASE)
    return ids


def emails_claim(*, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Unsent emails whose task may have been lost (broker down, worker killed): lease them again."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_state=EmailState.PENDING, email_next_try_at__lte=now)
            .order_by("email_next_try_at")
            .values_list("id", flat=True)[:limit]
        )
        Notification.objects.filter(id__in=ids).update(email_next_try_at=now + EMAIL_LEASE)
    return ids


def deadline_process(deadline_id: int, *, now: datetime) -> list[int]:
    """Do what is due on one deadline: the reminder, the next escalation, the end of a hold, or
    sending an undecided approval up a level.

    Returns the ids of notifications whose email is to be sent. Safe to run twice.
    """
    with transaction.atomic():
        locked = deadlines.deadline_lock(deadline_id)
        if locked is None:
            return []
        complaint, deadline = locked
        clock = _clock(complaint, deadline)
        if deadline.paused_at is not None:
            if complaint.on_hold_until is None or complaint.on_hold_until <= now:
                complaint_resume(complaint=complaint, actor=None, now=now)
            else:
                deadlines.deadline_check_later(deadline=deadline, at=complaint.on_hold_until)
            return []
        if deadline.step == DeadlineStep.APPROVAL:
            return _process_approval(complaint, deadline, clock=clock, now=now)
        if deadline.level < MAX_LEVEL and escalation_time(deadline, clock, deadline.level + 1) <= now:
            return _escalate(complaint, deadline, clock=clock, now=now)
        if deadline.reminded_at is None and deadline.remind_at <= now:
            return _remind(complaint, deadline, clock=clock, now=now)
        deadlines.deadline_check_later(deadline=deadline, at=next_check(deadline, clock))
        return []


def _clock(complaint: Complaint, deadline: Deadline) -> sla.Clock:
    clock = sla.clock_for(complaint.store, complaint.channel)
    return clock if clock.kind == deadline.clock else sla.WallClock()


def _process_approval(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    """Approvers hear of a request at once; left undecided past its due time, it goes up a level."""
    approval = _pending_approval(complaint)
    if approval is None:
        # Decided in the same transaction that closes this deadline: nothing can be due.
        deadlines.deadline_check_later(deadline=deadline, at=None)
        return []
    if deadline.due_at <= now:
        to_role = policies.role_above(
            approval.approver_role, roles_present=selectors.approver_roles_present(complaint.store)
        )
        if to_role is None:  # admins were told; there is nobody above them
            deadlines.deadline_check_later(deadline=deadline, at=None)
            return []
        approval_send_up(
            complaint=complaint, approval=approval, to_role=to_role, actor=None, reason="not decided in time", now=now
        )
        # The new approvers' fresh window starts now: tell them in this same run.
        deadline = complaint.deadlines.get(step=DeadlineStep.APPROVAL, closed_at__isnull=True)
        return _remind_approvers(complaint, deadline, approval, clock=_clock(complaint, deadline), now=now)
    if deadline.reminded_at is None and deadline.remind_at <= now:
        return _remind_approvers(complaint, deadline, approval, clock=clock, now=now)
    deadlines.deadline_check_later(deadline=deadline, at=next_check(deadline, clock))
    return []


def _remind_approvers(
    complaint: Complaint, deadline: Deadline, approval: ApprovalRequest, *, clock: sla.Clock, now: datetime
) -> list[int]:
    recipients = _approvers(complaint.store, approval.approver_role, exclude=approval.requested_by_id)
    # A later cycle of the approval's deadline: the request was sent up to these approvers.
    sent_up = deadline.cycle > 0
    deadlines.deadline_reminded(deadline=deadline, clock=clock, now=now)
    return notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=NotificationKind.APPROVAL_ESCALATED if sent_up else NotificationKind.APPROVAL_REQUESTED,
        text=messages.approval_text(complaint, approval, deadline, sent_up=sent_up),
        recipients=recipients,
        now=now,
    )


def _remind(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    recipients = list(User.objects.filter(pk=complaint.assignee_id, is_active=True))
    kind = NotificationKind.FOLLOW_UP_DUE if deadline.step == DeadlineStep.FOLLOW_UP else NotificationKind.REMINDER
    deadlines.deadline_reminded(deadline=deadline, clock=clock, now=now)
    return notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=kind,
        text=messages.reminder_text(complaint, deadline),
        recipients=recipients,
        now=now,
    )


def _escalate(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    """The next escalation level: an event per step, and one notice naming every step of the
    complaint that reaches this level now (the apology and the response overdue together)."""
    level = deadline.level + 1
    together = [deadline, *_also_due_at_level(complaint, deadline, level=level, now=now)]
    role, recipients = _escalation_group(complaint.store, level)
    data = {"to_role": role, "notified": sorted(user.username for user in recipients)}
    for escalated in together:
        own_clock = clock if escalated is deadline else _clock(complaint, escalated)
        deadlines.deadline_escalate(complaint=complaint, deadline=escalated, clock=own_clock, now=now, data=data)
    return notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=level,
        kind=NotificationKind.ESCALATION,
        text=messages.escalation_text(complaint, together, level),
        recipients=recipients,
        now=now,
    )


def _also_due_at_level(complaint: Complaint, deadline: Deadline, *, level: int, now: datetime) -> list[Deadline]:
    """The complaint's other running deadlines whose escalation to ``level`` is due by ``now``.

    Their own runs then find nothing due: the complaint's lock, held here, makes them wait and re-read.
    """
    others = (
        complaint.deadlines.select_for_update()
        .filter(closed_at__isnull=True, paused_at__isnull=True, level=level - 1)
        .exclude(pk=deadline.pk)
        .exclude(step=DeadlineStep.APPROVAL)
        .order_by("due_at", "id")
    )
    return [other for other in others if escalation_time(other, _clock(complaint, other), level) <= now]


# --- Who is told ------------------------------------------------------------------------------------


def _escalation_group(store: Store, level: int) -> tuple[str, list[User]]:
    """Level 1 the store's supervisors, 2 the region's managers, 3 admins; an empty group passes it up."""
    for candidate in range(level, MAX_LEVEL + 1):
        role = LEVEL_ROLES[candidate]
        users = list(staff_of_role_for_store(store, role))
        if users:
            return role, users
    return Role.ADMIN, []


def _approvers(store: Store, role: str, *, exclude: int) -> list[User]:
    return list(staff_of_role_for_store(store, role).exclude(pk=exclude))


def _pending_approval(complaint: Complaint) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "store")
        .filter(complaint=complaint, status=ApprovalStatus.PENDING)
        .first()
    )
