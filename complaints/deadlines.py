"""Every write to a complaint's deadlines: opening, closing, pausing, rescheduling, and the sweep's.

Which deadlines a step opens and closes is the table ``AFTER_STEP``; the due times come from
``sla``. Called inside a transaction with the complaint row locked: the services' own, or the
sweep's after ``deadline_lock``.
"""

from datetime import datetime
from typing import Any

from django.db.models import Max

from complaints import sla
from complaints.events import event_record
from complaints.locks import complaint_lock_as_system
from complaints.models import Complaint, Deadline, DeadlineStep, EventKind

D = DeadlineStep

# step → (deadlines it closes, deadlines it opens). "*" closes them all.
AFTER_STEP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "log": ((), (D.APOLOGIZE, D.RESPOND)),
    "apologize": ((D.APOLOGIZE,), ()),
    "respond": ((D.RESPOND,), (D.FOLLOW_UP,)),
    "request-approval": ((), (D.APPROVAL,)),
    "approve": ((D.APPROVAL, D.RESPOND), (D.FOLLOW_UP,)),
    "reject": ((D.APPROVAL,), ()),
    "follow-up": ((D.FOLLOW_UP,), ()),
    "close": (("*",), ()),
    # Reopening starts a fresh window to respond, not an instant breach of the old one.
    "reopen": (("*",), (D.RESPOND,)),
}


def complaint_insert_with_deadlines(complaint: Complaint, *, now: datetime) -> list[Deadline]:
    """Write a new complaint with the deadlines its logging opens (returned), its next due time set
    before it is written."""
    clock = sla.clock_for(complaint.store, complaint.channel)
    policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel)
    opened = [_new_deadline(complaint, step, 0, policy, clock, now) for step in AFTER_STEP["log"][1]]
    complaint.next_due_at = _next_due(opened)
    complaint.save(force_insert=True)
    Deadline.objects.bulk_create(opened)
    return opened


def deadlines_after_step(complaint: Complaint, *, step: str, now: datetime) -> None:
    """Close the deadlines ``step`` ends (and those it opens anew), open its new ones, and keep the
    complaint's escalation level and next due time."""
    closes, opens = AFTER_STEP[step]
    clock = sla.clock_for(complaint.store, complaint.channel)
    open_deadlines = list(complaint.deadlines.filter(closed_at__isnull=True))
    # Opening a step's deadline replaces any still open (a new response, a new follow-up).
    ending = [d for d in open_deadlines if "*" in closes or d.step in closes or d.step in opens]
    _close(ending, clock, now)
    still_open = [d for d in open_deadlines if d.closed_at is None]
    opened = []
    if opens:
        policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel)
        cycles = dict(
            complaint.deadlines.filter(step__in=opens).values_list("step").annotate(last=Max("cycle")).order_by()
        )
        opened = [_new_deadline(complaint, step, cycles.get(step, -1) + 1, policy, clock, now) for step in opens]
        Deadline.objects.bulk_create(opened)
    _complaint_keep(complaint, [*still_open, *opened])


def _next_due(open_deadlines: list[Deadline]) -> datetime | None:
    return min((d.due_at for d in open_deadlines if d.paused_at is None), default=None)


def _complaint_keep(complaint: Complaint, open_deadlines: list[Deadline]) -> None:
    """The complaint's figures of its open deadlines (all of them): its highest escalation level, and its
    next due time among the running ones. Saved only when they changed."""
    kept = {
        "escalation_level": max((d.level for d in open_deadlines), default=0),
        "next_due_at": _next_due(open_deadlines),
    }
    changed = [name for name, value in kept.items() if getattr(complaint, name) != value]
    if changed:
        for name in changed:
            setattr(complaint, name, kept[name])
        complaint.save(update_fields=changed)


def _close(deadlines: list[Deadline], clock: sla.Clock, now: datetime) -> None:
    """Close deadlines whose step is done (or replaced), keeping how long each took on its clock."""
    for deadline in deadlines:
        deadline.closed_at, deadline.next_check_at = now, None
        held = deadline.held_seconds + (clock.between(deadline.paused_at, now) if deadline.paused_at else 0.0)
        deadline.elapsed_seconds = max(clock.between(deadline.started_at, now) - held, 0.0)
    Deadline.objects.bulk_update(deadlines, ["closed_at", "next_check_at", "elapsed_seconds"])


def _window(policy, step: str) -> int:
    return {
        D.APOLOGIZE: policy.apologize_within,
        D.RESPOND: policy.respond_within,
        D.FOLLOW_UP: policy.follow_up_after,
        D.APPROVAL: policy.approval_within,
    }[step]


def _new_deadline(complaint: Complaint, step: str, cycle: int, policy, clock: sla.Clock, now: datetime) -> Deadline:
    deadline = Deadline(
        complaint=complaint,
        step=step,
        cycle=cycle,
        clock=clock.kind,
        started_at=now,
        window_seconds=_window(policy, step),
        escalate_every=policy.escalate_every,
    )
    schedule(deadline, clock)
    return deadline


def schedule(deadline: Deadline, clock: sla.Clock) -> None:
    """Set the due and reminder times from the window, and when the sweep should look next."""
    counted = deadline.window_seconds + deadline.held_seconds
    deadline.due_at = clock.add(deadline.started_at, counted)
    if deadline.step == D.FOLLOW_UP:
        deadline.remind_at = deadline.due_at  # "follow up with … about …", at the due time
    elif deadline.step == D.APPROVAL:
        deadline.remind_at = deadline.started_at  # approvers hear of it at once
    else:
        deadline.remind_at = clock.add(
            deadline.started_at, deadline.window_seconds * sla.REMIND_AT_FRACTION + deadline.held_seconds
        )
    deadline.next_check_at = next_check(deadline, clock)


def escalation_time(deadline: Deadline, clock: sla.Clock, level: int) -> datetime:
    """When escalation ``level`` (1-3) is due: at the due time, then every ``escalate_every``.

    A follow-up's due time brings the reminder; its first escalation comes one interval later.
    """
    intervals = level if deadline.step == D.FOLLOW_UP else level - 1
    return clock.add(deadline.due_at, intervals * deadline.escalate_every)


MAX_LEVEL = 3


def next_check(deadline: Deadline, clock: sla.Clock) -> datetime | None:
    if deadline.closed_at is not None or deadline.paused_at is not None:
        return None
    if deadline.reminded_at is None:
        return deadline.remind_at
    if deadline.level < MAX_LEVEL:
        return escalation_time(deadline, clock, deadline.level + 1)
    return None


def deadlines_pause(complaint: Complaint, *, now: datetime, until: datetime) -> None:
    """Stop the clocks; the sweep looks again at ``until`` to resume them."""
    complaint.deadlines.filter(closed_at__isnull=True).update(paused_at=now, next_check_at=until)
    if complaint.next_due_at is not None:  # nothing is running: nothing is due
        complaint.next_due_at = None
        complaint.save(update_fields=["next_due_at"])


def deadlines_resume(complaint: Complaint, *, now: datetime) -> None:
    """Restart the clocks: the time on hold, in each deadline's clock, moves its due times later."""
    clock = sla.clock_for(complaint.store, complaint.channel)
    open_deadlines = list(complaint.deadlines.filter(closed_at__isnull=True))
    paused = [deadline for deadline in open_deadlines if deadline.paused_at is not None]
    for deadline in paused:
        deadline_clock = clock if deadline.clock == clock.kind else sla.WallClock()
        deadline.held_seconds += deadline_clock.between(deadline.paused_at, now)
        deadline.paused_at = None
        schedule(deadline, deadline_clock)
    Deadline.objects.bulk_update(paused, ["held_seconds", "paused_at", "due_at", "remind_at", "next_check_at"])
    _complaint_keep(complaint, open_deadlines)


def deadlines_reschedule(complaint: Complaint) -> None:
    """The severity changed: the open deadlines take the new policy's windows, from when they started."""
    policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel)
    clock = sla.clock_for(complaint.store, complaint.channel)
    open_deadlines = list(complaint.deadlines.filter(closed_at__isnull=True))
    for deadline in open_deadlines:
        deadline.window_seconds = _window(policy, deadline.step)
        deadline.escalate_every = policy.escalate_every
        if deadline.paused_at is None:
            schedule(deadline, clock)
        else:
            paused_until = deadline.next_check_at
            schedule(deadline, clock)
            deadline.next_check_at = paused_until
    Deadline.objects.bulk_update(
        open_deadlines, ["window_seconds", "escalate_every", "due_at", "remind_at", "next_check_at"]
    )
    _complaint_keep(complaint, open_deadlines)


# --- The sweep's writes -----------------------------------------------------------------------


def deadline_lock(deadline_id: int) -> tuple[Complaint, Deadline] | None:
    """Lock a deadline's complaint, then the deadline (the services' lock order), inside a transaction.

    For the sweep; None when the deadline is gone or already closed.
    """
    complaint_id = Deadline.objects.filter(pk=deadline_id).values_list("complaint_id", flat=True).first()
    if complaint_id is None:
        return None
    complaint = complaint_lock_as_system(complaint_id)
    deadline = Deadline.objects.select_for_update().filter(pk=deadline_id, closed_at__isnull=True).first()
    if deadline is None:
        return None
    return complaint, deadline


def deadline_reminded(*, deadline: Deadline, clock, now: datetime) -> None:
    """The reminder went out (the caller holds the locks from ``deadline_lock``)."""
    deadline.reminded_at = now
    deadline.next_check_at = next_check(deadline, clock)
    deadline.save(update_fields=["reminded_at", "next_check_at"])


def deadline_escalate(*, complaint: Complaint, deadline: Deadline, clock, now: datetime, data: dict[str, Any]) -> int:
    """Record the next escalation level of ``deadline`` (an ``escalated`` event); return the level."""
    if deadline.reminded_at is None:
        deadline.reminded_at = now  # a reminder overtaken by the escalation is not sent late
    deadline.level = min(deadline.level + 1, MAX_LEVEL)
    deadline.next_check_at = next_check(deadline, clock)
    deadline.save(update_fields=["reminded_at", "level", "next_check_at"])
    event_record(
        complaint=complaint,
        kind=EventKind.ESCALATED,
        actor=None,
        at=now,
        data={"step": deadline.step, "level": deadline.level, "due_at": deadline.due_at.isoformat(), **data},
    )
    if deadline.level > complaint.escalation_level:
        complaint.escalation_level = deadline.level
        complaint.save(update_fields=["escalation_level"])
    return deadline.level


def deadline_check_later(*, deadline: Deadline, at: datetime | None) -> None:
    deadline.next_check_at = at
    deadline.save(update_fields=["next_check_at"])
