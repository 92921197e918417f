"""Reminders and escalations when due times come: the sweep, batch by batch, and the emails.

A batch is one transaction: it locks the complaints of up to ``SLA_SWEEP_BATCH`` due deadlines
that nobody else holds (``SKIP LOCKED``), works out in memory what each due deadline needs (a
reminder, the next escalation, nothing yet), and writes the batch's deadlines, notifications and
events a few statements at a time, however many rows. The row locks are the lease: two sweeps never take the
same complaint, a batch is never handed out twice, and a worker killed mid-batch leaves its rows due
for the next one. Holds that run out and approvals, rarer and richer, are done one deadline at a
time inside the same transaction. Notifications are rows unique per (deadline, level, recipient),
written before any email goes out, so everyone is told once.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from complaints import deadlines, sla
from complaints.deadlines import MAX_LEVEL, escalation_time, next_check
from complaints.locks import complaint_lock_as_system
from complaints.models import Complaint, Deadline, DeadlineStep
from complaints.services.steps import complaint_resume
from core.cursors import commit_unflushed
from integrations import chat
from outbox.sending import outbox_write
from recovery.approvals.decisions import approval_send_up
from recovery.compensation import policies
from recovery.compensation import selectors as compensation_selectors
from recovery.models import ApprovalRequest, ApprovalStatus, NotificationKind
from recovery.notices import texts
from recovery.notices.chat import approval_chat_enqueue, escalation_chat_rows
from recovery.notices.notifications import (
    notification_new,
    notifications_create,
    notifications_write,
)
from staff.models import ESCALATION_ROLES, Role, Store, User
from staff.selectors import staff_by_role_for_stores, staff_of_role_for_store

logger = logging.getLogger(__name__)

# Escalation levels climb: the store's supervisors, the region's managers, then admins.
LEVEL_ROLES = dict(enumerate(ESCALATION_ROLES, start=1))


@dataclass
class Swept:
    """What one batch did: the due deadlines it found (its limit when more may be due), those it
    worked on (fewer when another sweep had just done some), and the notifications it wrote (their emails
    are in the outbox with them)."""

    found: int = 0
    handled: int = 0
    notification_ids: list[int] = field(default_factory=list)


def due_batch_sweep(*, now: datetime, limit: int | None = None, complaint_id=None) -> Swept:
    """Do what is due by ``now`` on up to ``limit`` deadlines (of one complaint, given its id), in one
    transaction. Safe to run twice or in parallel: what one batch did is not due for the next, and
    what another holds is skipped."""
    limit = limit or settings.SLA_SWEEP_BATCH
    with transaction.atomic():
        commit_unflushed()  # lost in a crash, the batch is simply due again
        complaints, found = deadlines.due_complaints_lock(now=now, limit=limit, complaint_id=complaint_id)
        swept = Swept(found=found)
        clocks = sla.clocks_for(complaints)
        batch = _Batch(now=now)
        for complaint in complaints:
            clock = clocks[complaint.pk]
            owing = _owing(complaint.open_deadlines, now)
            swept.handled += len(owing)
            one_by_one = [d for d in owing if d.paused_at is not None or d.step == DeadlineStep.APPROVAL]
            if one_by_one:
                complaint = complaint_lock_as_system(complaint.pk)  # whole, for the services (locked already)
                for deadline in one_by_one:
                    swept.notification_ids += _process_one(complaint, deadline, clock=clock, now=now)
                # The services wrote this complaint's deadlines: the batch goes on from what they left.
                complaint.open_deadlines = list(
                    complaint.deadlines.filter(closed_at__isnull=True).order_by("due_at", "id")
                )
                owing = [
                    d
                    for d in _owing(complaint.open_deadlines, now)
                    if d.paused_at is None and d.step != DeadlineStep.APPROVAL
                ]
            batch.plan(complaint, owing, clock=clock)
        swept.notification_ids += batch.write()
    return swept


def _owing(open_deadlines: list[Deadline], now: datetime) -> list[Deadline]:
    return [d for d in open_deadlines if d.next_check_at is not None and d.next_check_at <= now]


def _clock(deadline: Deadline, clock: sla.Clock) -> sla.Clock:
    """The deadline's own clock: its complaint's, unless it was started on the wall clock."""
    return clock if clock.kind == deadline.clock else sla.WallClock()


@dataclass
class _Escalation:
    complaint: Complaint
    deadline: Deadline
    level: int
    together: list[Deadline]  # the complaint's steps reaching ``level`` now, ``deadline`` first
    clock: sla.Clock  # the complaint's


class _Batch:
    """Reminders and escalations of many complaints, decided in memory and written together."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.complaints: list[Complaint] = []
        self.deadlines: list[Deadline] = []
        self.reminders: list[tuple[Complaint, Deadline]] = []
        self.escalations: list[_Escalation] = []

    def plan(self, complaint: Complaint, owing: list[Deadline], *, clock: sla.Clock) -> None:
        """Decide, for each of ``complaint``'s due deadlines, its next escalation, its reminder, or a
        later look. Steps reaching a level at once are escalated together, in one notice."""
        if not owing:
            return
        self.complaints.append(complaint)
        handled: set[int] = set()
        for deadline in owing:
            if deadline.pk in handled:
                continue
            own_clock = _clock(deadline, clock)
            due = deadlines.sweep_due(deadline, own_clock, self.now)
            if due == deadlines.ESCALATE:
                level = deadline.level + 1
                together = [deadline, *_also_due_at_level(complaint, deadline, level=level, clock=clock, now=self.now)]
                self.escalations.append(_Escalation(complaint, deadline, level, together, clock))
                handled.update(d.pk for d in together)
            elif due == deadlines.REMIND:
                deadlines.deadline_remind(deadline=deadline, clock=own_clock, now=self.now)
                self.reminders.append((complaint, deadline))
                handled.add(deadline.pk)
            else:
                deadline.next_check_at = next_check(deadline, own_clock)
                handled.add(deadline.pk)
        self.deadlines += [d for d in complaint.open_deadlines if d.pk in handled]

    def write(self) -> list[int]:
        """Who is told, then the batch's rows: returns the ids of notifications whose email is due."""
        if not self.complaints:
            return []
        groups = staff_by_role_for_stores(
            list({e.complaint.store_id: e.complaint.store for e in self.escalations}.values()),
            list(LEVEL_ROLES.values()),
        )
        notices, events = [], []
        for complaint, deadline in self.reminders:
            if complaint.assignee is not None and complaint.assignee.is_active:
                kind = (
                    NotificationKind.FOLLOW_UP_DUE
                    if deadline.step == DeadlineStep.FOLLOW_UP
                    else NotificationKind.REMINDER
                )
                notices.append(
                    notification_new(
                        complaint=complaint,
                        deadline=deadline,
                        level=0,
                        kind=kind,
                        text=texts.reminder_text(complaint, deadline),
                        recipient=complaint.assignee,
                        now=self.now,
                    )
                )
        for escalation in self.escalations:
            complaint = escalation.complaint
            role, recipients = escalation_group(groups, complaint.store, escalation.level)
            data = escalated_to(role, recipients)
            for deadline in escalation.together:
                events.append(
                    deadlines.deadline_escalate(
                        complaint_id=complaint.pk,
                        deadline=deadline,
                        clock=_clock(deadline, escalation.clock),
                        now=self.now,
                        data=data,
                    )
                )
            text = texts.escalation_text(complaint, escalation.together, escalation.level)
            notices += [
                notification_new(
                    complaint=complaint,
                    deadline=escalation.deadline,
                    level=escalation.level,
                    kind=NotificationKind.ESCALATION,
                    text=text,
                    recipient=user,
                    now=self.now,
                )
                for user in recipients
            ]
        # The store's work chat groups hear of each escalation too, in one statement for the batch.
        robots = chat.robots_active_read() if self.escalations else []
        alerts = [
            row
            for escalation in (self.escalations if robots else [])
            for row in escalation_chat_rows(
                escalation.complaint, escalation.together, escalation.level, now=self.now, robots=robots
            )
        ]
        if alerts:
            outbox_write(alerts, send_now=True)
        # The events last: their trigger takes the day's metrics row, which every sweep of that store
        # and day waits on, so it is held from then until the commit only.
        notification_ids = notifications_write(notices)
        deadlines.deadlines_save_swept(self.complaints, self.deadlines, events)
        return notification_ids


def _also_due_at_level(
    complaint: Complaint, deadline: Deadline, *, level: int, clock: sla.Clock, now: datetime
) -> list[Deadline]:
    """The complaint's other running deadlines whose escalation to ``level`` is due by ``now``."""
    return [
        other
        for other in complaint.open_deadlines
        if other.pk != deadline.pk
        and other.paused_at is None
        and other.level == level - 1
        and other.step != DeadlineStep.APPROVAL
        and escalation_time(other, _clock(other, clock), level) <= now
    ]


def escalation_group(groups: dict[tuple[int, str], list[User]], store: Store, level: int) -> tuple[str, list[User]]:
    """Who is told of escalation ``level`` (``groups``: ``staff_by_role_for_stores`` of ``LEVEL_ROLES``): level 1
    the store's supervisors, 2 the region's managers, 3 admins; an empty group passes it up."""
    for candidate in range(level, MAX_LEVEL + 1):
        role = LEVEL_ROLES[candidate]
        if users := groups[store.pk, role]:
            return role, users
    return Role.ADMIN, []


def escalated_to(role: str, recipients: list[User]) -> dict[str, Any]:
    """What an ``escalated`` event says of whom it told."""
    return {"to_role": role, "notified": sorted(user.username for user in recipients)}


# --- One by one: holds and approvals ---------------------------------------------------------------


def _process_one(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    """A due deadline of a complaint on hold, or of an approval: the end of the hold, the approvers'
    reminder, or sending the request up a level. Returns the ids of the notifications written."""
    if deadline.paused_at is not None:
        if complaint.on_hold_until is None or complaint.on_hold_until <= now:
            complaint_resume(
                complaint=complaint, actor=None, now=now
            )  # once: it re-reads, and a second call is a no-op
        else:
            deadlines.deadline_check_later(deadline=deadline, at=complaint.on_hold_until)
        return []
    return _process_approval(complaint, deadline, clock=clock, now=now)


def _process_approval(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    """Approvers hear of a request at once; left undecided past its due time, it goes up a level."""
    approval = _pending_approval(complaint)
    if approval is None:
        # Decided in the same transaction that closes this deadline: nothing can be due.
        deadlines.deadline_check_later(deadline=deadline, at=None)
        return []
    if deadline.due_at <= now:
        to_role = policies.role_above(
            approval.approver_role, roles_present=compensation_selectors.approver_roles_present(complaint.store)
        )
        if to_role is None:  # admins were told; there is nobody above them
            deadlines.deadline_check_later(deadline=deadline, at=None)
            return []
        approval_send_up(
            complaint=complaint, approval=approval, to_role=to_role, actor=None, reason="not decided in time", now=now
        )
        # The new approvers' fresh window starts now: tell them in this same run.
        deadline = complaint.deadlines.get(step=DeadlineStep.APPROVAL, closed_at__isnull=True)
        return _remind_approvers(complaint, deadline, approval, clock=_clock(deadline, clock), now=now)
    if deadline.reminded_at is None and deadline.remind_at <= now:
        return _remind_approvers(complaint, deadline, approval, clock=_clock(deadline, clock), now=now)
    deadlines.deadline_check_later(deadline=deadline, at=next_check(deadline, _clock(deadline, clock)))
    return []


def _remind_approvers(
    complaint: Complaint, deadline: Deadline, approval: ApprovalRequest, *, clock: sla.Clock, now: datetime
) -> list[int]:
    recipients = list(
        staff_of_role_for_store(complaint.store, approval.approver_role).exclude(pk=approval.requested_by_id)
    )
    # A later cycle of the approval's deadline: the request was sent up to these approvers.
    sent_up = deadline.cycle > 0
    deadlines.deadline_reminded(deadline=deadline, clock=clock, now=now)
    approval_chat_enqueue(complaint, approval, deadline, sent_up=sent_up, now=now)
    return notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=0,
        kind=NotificationKind.APPROVAL_ESCALATED if sent_up else NotificationKind.APPROVAL_REQUESTED,
        text=texts.approval_text(complaint, approval, deadline, sent_up=sent_up),
        recipients=recipients,
        now=now,
    )


def _pending_approval(complaint: Complaint) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "store")
        .filter(complaint=complaint, status=ApprovalStatus.PENDING)
        .first()
    )
