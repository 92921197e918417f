"""Every write to a complaint's deadlines: opening, closing, pausing, rescheduling, and the sweep's.

Which deadlines a step opens and closes is the table ``AFTER_STEP``; the due times come from
``sla``. Called inside a transaction with the complaint row locked: the services' own, or the
sweep's after ``due_complaints_lock``.
"""

from datetime import datetime
from typing import Any

from django.db.models import Max

from complaints import sla
from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineStep, EventKind
from core.bulk_rows import NewRow, instances_fetch, row_new, rows_insert, rows_update

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


def deadlines_on_logging(complaint: Complaint, *, now: datetime) -> list[Deadline]:
    """The deadlines logging ``complaint`` opens (not written yet), its next due time set from them.

    Reads only (the SLA policy and the store's clock): the intake calls it before it takes its
    store's reference counter, whose lock is held until commit.
    """
    clock = sla.clock_for(complaint.store, complaint.channel)
    policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel, customer=complaint.customer)
    opened = [_new_deadline(complaint, step, 0, policy, clock, now) for step in AFTER_STEP["log"][1]]
    complaint.next_due_at = _next_due(opened)
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
        policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel, customer=complaint.customer)
        cycles = dict(
            complaint.deadlines.filter(step__in=opens).values_list("step").annotate(last=Max("cycle")).order_by()
        )
        opened = [_new_deadline(complaint, step, cycles.get(step, -1) + 1, policy, clock, now) for step in opens]
        Deadline.objects.bulk_create(opened)
    _complaint_keep(complaint, [*still_open, *opened])


def _next_due(open_deadlines: list[Deadline]) -> datetime | None:
    return min((d.due_at for d in open_deadlines if d.paused_at is None), default=None)


def _complaint_keep(complaint: Complaint, open_deadlines: list[Deadline]) -> None:
    """Save the complaint's figures of its open deadlines, when they changed."""
    changed = _complaint_figures_changed(complaint, open_deadlines)
    if changed:
        complaint.save(update_fields=changed)


def _complaint_figures_changed(complaint: Complaint, open_deadlines: list[Deadline]) -> list[str]:
    """Set the complaint's figures of its open deadlines (all of them): its highest escalation level,
    and its next due time among the running ones. Returns the fields that changed."""
    kept = {
        "escalation_level": max((d.level for d in open_deadlines), default=0),
        "next_due_at": _next_due(open_deadlines),
    }
    changed = [name for name, value in kept.items() if getattr(complaint, name) != value]
    for name in changed:
        setattr(complaint, name, kept[name])
    return changed


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
    """The severity or the customer's tier changed: the open deadlines take the new policy's windows, from
    when they started."""
    policy = sla.policy_for(severity=complaint.severity, channel=complaint.channel, customer=complaint.customer)
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


# What the sweep reads of a complaint, then of its customer, store and assignee: whom to tell and what to
# say (reminders and escalations); a complaint on hold or awaiting approval is read again whole for its
# services.
SWEPT_FIELDS = (
    "reference",
    "channel",
    "escalation_level",
    "next_due_at",
    "on_hold_until",
    "store",
    "assignee",
    "customer",
)
SWEPT_RELATED_FIELDS = {
    "customer": ("name", "phone", "email"),
    "store": ("code", "region_id", "timezone"),
    "assignee": ("username", "email", "is_active"),
}


def due_complaints_lock(*, now: datetime, limit: int, complaint_id=None) -> tuple[list[Complaint], int]:
    """Lock the complaints of up to ``limit`` deadlines due by ``now`` (the oldest due first), skipping
    complaints another transaction holds, then their open deadlines. For the sweep, inside a transaction;
    ``complaint_id`` limits it to one complaint.

    Returns the complaints, each with its locked open deadlines as ``open_deadlines``, and how many
    due deadlines were found (``limit`` when there may be more). The complaint is locked before its
    deadlines, as every service does, so the sweep and the steps never deadlock; what is held
    elsewhere is skipped and stays due for the next batch. The locks are the lease: nothing is handed
    out twice, and what a killed worker held is due again the moment its transaction dies.
    """
    due = Complaint.objects.filter(deadlines__closed_at__isnull=True, deadlines__next_check_at__lte=now)
    if complaint_id is not None:
        due = due.filter(pk=complaint_id)
    rows = instances_fetch(
        due.only(*SWEPT_FIELDS)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("deadlines__next_check_at")[:limit]
    )
    complaints = list({complaint.pk: complaint for complaint in rows}.values())  # one row per due deadline
    _related_attach(complaints)
    by_id = {complaint.pk: complaint for complaint in complaints}
    for complaint in complaints:
        complaint.open_deadlines = []
    for deadline in instances_fetch(
        Deadline.objects.select_for_update()
        .filter(complaint_id__any=list(by_id), closed_at__isnull=True)
        .order_by("complaint_id", "due_at", "id")
    ):
        deadline.complaint = by_id[deadline.complaint_id]
        deadline.complaint.open_deadlines.append(deadline)
    return complaints, len(rows)


def _related_attach(complaints: list[Complaint]) -> None:
    """Each customer, store and assignee of a batch read once, by key, and shared by its complaints:
    a join would build the same few stores and assignees again for every row."""
    for name, fields in SWEPT_RELATED_FIELDS.items():
        field = Complaint._meta.get_field(name)
        ids = list({getattr(complaint, field.attname) for complaint in complaints} - {None})
        model = field.related_model
        found = instances_fetch(model._base_manager.only(*fields).filter(pk__any=ids)) if ids else []
        related = {row.pk: row for row in found}
        for complaint in complaints:
            field.set_cached_value(complaint, related.get(getattr(complaint, field.attname)))


def deadline_remind(*, deadline: Deadline, clock: sla.Clock, now: datetime) -> None:
    """The reminder goes out (in memory: ``deadlines_save_swept`` writes it with its batch)."""
    deadline.reminded_at = now
    deadline.next_check_at = next_check(deadline, clock)


def deadline_escalate(
    *, complaint: Complaint, deadline: Deadline, clock: sla.Clock, now: datetime, data: dict[str, Any]
) -> NewRow:
    """The next escalation level of ``deadline``, and its ``escalated`` event (both in memory, written
    by ``deadlines_save_swept``)."""
    if deadline.reminded_at is None:
        deadline.reminded_at = now  # a reminder overtaken by the escalation is not sent late
    deadline.level = min(deadline.level + 1, MAX_LEVEL)
    deadline.next_check_at = next_check(deadline, clock)
    return row_new(
        ComplaintEvent,
        complaint_id=complaint.pk,
        kind=EventKind.ESCALATED,
        actor_id=None,
        at=now,
        data={"step": deadline.step, "level": deadline.level, "due_at": deadline.due_at.isoformat(), **data},
    )


def deadlines_save_swept(complaints: list[Complaint], deadlines: list[Deadline], events: list[NewRow]) -> None:
    """Write a swept batch: its deadlines' reminders, levels and next checks, the complaints' levels,
    then the events (last: on PostgreSQL they refresh the metrics' facts from the rows above, once for
    the batch). A few statements, however many rows."""
    rows_update(Deadline, deadlines, ["reminded_at", "level", "next_check_at"])
    changed = [complaint for complaint in complaints if _complaint_figures_changed(complaint, complaint.open_deadlines)]
    rows_update(Complaint, changed, ["escalation_level", "next_due_at"])
    rows_insert(ComplaintEvent, events)


def deadline_reminded(*, deadline: Deadline, clock, now: datetime) -> None:
    """The reminder went out, written now (the caller holds the complaint's lock)."""
    deadline_remind(deadline=deadline, clock=clock, now=now)
    deadline.save(update_fields=["reminded_at", "next_check_at"])


def deadline_check_later(*, deadline: Deadline, at: datetime | None) -> None:
    deadline.next_check_at = at
    deadline.save(update_fields=["next_check_at"])
