"""The only code that creates complaints or changes their status.

Every step follows one pattern: lock the row, re-read, check the actor and the state against
the transition table, stamp the time, save with ``update_fields``, write one event — all in
one transaction, so a refused step changes nothing.
"""

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from complaints import states
from complaints.customers import customer_find_or_create, normalize_email, normalize_phone
from complaints.deadlines import (
    MAX_LEVEL,
    deadlines_after_step,
    deadlines_pause,
    deadlines_reschedule,
    deadlines_resume,
    next_check,
)
from complaints.errors import ComplaintNotOnHold, ComplaintOnHold, IdConflict, InvalidTransition
from complaints.events import event_record
from complaints.models import (
    Category,
    Complaint,
    ComplaintStatus,
    Deadline,
    EventKind,
    ReferenceCounter,
    SlaPolicy,
)
from config.errors import NotPermitted
from staff.models import Role, Store, User
from staff.selectors import staff_for_store, user_can_see_store


def complaint_log(
    *,
    actor: User,
    channel: str,
    category: Category,
    stage: str,
    description: str,
    id: uuid.UUID | None = None,
    store: Store | None = None,
    severity: str = "medium",
    servqual_dimension: str = "",
    blueprint_area: str = "",
    desired_outcome: str = "",
    customer: dict[str, str] | None = None,
    assignee: User | None = None,
    now: datetime | None = None,
) -> tuple[Complaint, bool]:
    """Log a complaint (status ``new``). Returns ``(complaint, created)``.

    With a client-chosen ``id``, logging the same complaint again returns the first one and
    creates nothing; a different complaint under that id is an ``IdConflict``.
    """
    store = _store_for_new_complaint(actor, store)
    assignee = _assignee_for_new_complaint(actor, store, assignee)
    customer = customer or {}
    intake = {
        "store": store.code,
        "channel": channel,
        "category": category.code,
        "severity": severity,
        "stage": stage,
        "servqual_dimension": servqual_dimension,
        "blueprint_area": blueprint_area,
        "description": description,
        "desired_outcome": desired_outcome,
        "customer": {
            "name": (customer.get("name") or "").strip(),
            "phone": normalize_phone(customer.get("phone") or ""),
            "email": normalize_email(customer.get("email") or ""),
        },
        "assignee": assignee.username,
    }
    digest = hashlib.sha256(json.dumps(intake, sort_keys=True).encode()).hexdigest()

    if id is not None:
        existing = Complaint.objects.filter(pk=id).select_related("store").first()
        if existing is not None:
            return _earlier_complaint_or_conflict(existing, actor=actor, digest=digest), False
    try:
        with transaction.atomic():
            now = now or timezone.now()
            # The customer first: the reference counter's row lock is held until commit, so it
            # is taken as late as possible to keep a busy store's creates from queueing long.
            customer_record = customer_find_or_create(**intake["customer"])
            complaint = Complaint(
                id=id or uuid.uuid4(),
                reference=_next_reference(store, now),
                store=store,
                customer=customer_record,
                channel=channel,
                category=category,
                severity=severity,
                stage=stage,
                servqual_dimension=servqual_dimension,
                blueprint_area=blueprint_area,
                description=description,
                desired_outcome=desired_outcome,
                assignee=assignee,
                created_by=actor,
                status=ComplaintStatus.NEW,
                intake_digest=digest,
                created_at=now,
            )
            # Related objects were resolved by the caller; check the plain fields (choices, lengths).
            complaint.full_clean(
                exclude=["id", "store", "customer", "category", "assignee", "created_by"], validate_unique=False
            )
            complaint.save(force_insert=True)
            event_record(
                complaint=complaint,
                kind=EventKind.LOGGED,
                actor=actor,
                at=now,
                status_after=complaint.status,
                data={"channel": channel, "severity": severity, "assignee": assignee.username},
            )
            deadlines_after_step(complaint, step="log", now=now)
    except IntegrityError:
        # Two tablets sent the same id at once: the primary key let one in; return it to both.
        existing = Complaint.objects.filter(pk=id).select_related("store").first() if id else None
        if existing is None:
            raise
        return _earlier_complaint_or_conflict(existing, actor=actor, digest=digest), False
    return complaint, True


def _store_for_new_complaint(actor: User, store: Store | None) -> Store:
    store = store or actor.store
    if store is None:
        raise ValidationError({"store": "Say which store the complaint belongs to."})
    if not user_can_see_store(actor, store):
        raise NotPermitted(f"You cannot log complaints for store {store.code}.")
    return store


def _assignee_for_new_complaint(actor: User, store: Store, assignee: User | None) -> User:
    if assignee is None or assignee.pk == actor.pk:
        return actor
    if not actor.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted("Only supervisors and above may assign a complaint to someone else.")
    _check_assignable(assignee, store)
    return assignee


def _earlier_complaint_or_conflict(existing: Complaint, *, actor: User, digest: str) -> Complaint:
    if existing.intake_digest != digest or not user_can_see_store(actor, existing.store):
        raise IdConflict()
    return existing


def _next_reference(store: Store, now: datetime) -> str:
    """``S1-20261122-0007``: the store, its local date, and a per-store daily counter."""
    day = timezone.localdate(now, store.zone)
    table = ReferenceCounter._meta.db_table
    # One statement that both creates and increments the counter: concurrent requests queue on
    # the row instead of reading the same number (works on PostgreSQL and SQLite alike).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (store_id, day, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (store_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [store.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{store.code}-{day:%Y%m%d}-{number:04d}"


# --- The steps of the flow --------------------------------------------------------------------


@transaction.atomic
def complaint_apologize(*, complaint: Complaint, actor: User, note: str = "", now: datetime | None = None) -> Complaint:
    complaint = _lock_for_step(complaint, actor=actor, step="apologize")
    now = now or timezone.now()
    complaint.apologized_at = now
    return _move(
        complaint,
        actor=actor,
        step="apologize",
        kind=EventKind.APOLOGIZED,
        at=now,
        fields=["apologized_at"],
        data={"note": note},
    )


@transaction.atomic
def complaint_respond(
    *, complaint: Complaint, actor: User, resolution: str, note: str = "", now: datetime | None = None
) -> Complaint:
    complaint = _lock_for_step(complaint, actor=actor, step="respond")
    now = now or timezone.now()
    complaint.resolution = resolution
    complaint.responded_at = now
    return _move(
        complaint,
        actor=actor,
        step="respond",
        kind=EventKind.RESPONDED,
        at=now,
        fields=["resolution", "responded_at"],
        data={"resolution": resolution, "note": note},
    )


@transaction.atomic
def complaint_follow_up(
    *,
    complaint: Complaint,
    actor: User,
    outcome: str = "",
    satisfaction: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    complaint = _lock_for_step(complaint, actor=actor, step="follow-up")
    if not outcome and satisfaction is None:
        raise ValidationError({"outcome": "Record what the customer said, or their satisfaction (1-5)."})
    now = now or timezone.now()
    complaint.follow_up_outcome = outcome
    complaint.satisfaction = satisfaction
    complaint.followed_up_at = now
    return _move(
        complaint,
        actor=actor,
        step="follow-up",
        kind=EventKind.FOLLOWED_UP,
        at=now,
        fields=["follow_up_outcome", "satisfaction", "followed_up_at"],
        data={"outcome": outcome, "satisfaction": satisfaction, "note": note},
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
    complaint = _lock_for_step(complaint, actor=actor, step="close")
    if complaint.status != ComplaintStatus.FOLLOWED_UP and states.closure_needs_follow_up(closure_code):
        raise InvalidTransition(
            step="close",
            status=complaint.status,
            detail=(
                f"A complaint that is {complaint.status} can only be closed as withdrawn or duplicate; "
                f"closing as {closure_code} needs the follow-up first."
            ),
        )
    complaint.servqual_dimension = servqual_dimension or complaint.servqual_dimension
    complaint.blueprint_area = blueprint_area or complaint.blueprint_area
    missing = {}
    if not complaint.servqual_dimension:
        missing["servqual_dimension"] = "Say which SERVQUAL dimension failed, so metrics can show where service breaks."
    if not complaint.blueprint_area:
        missing["blueprint_area"] = "Say where in the service blueprint it failed."
    if missing:
        raise ValidationError(missing)
    now = now or timezone.now()
    complaint.closure_code = closure_code
    complaint.closed_at = now
    return _move(
        complaint,
        actor=actor,
        step="close",
        kind=EventKind.CLOSED,
        at=now,
        fields=["closure_code", "closed_at", "servqual_dimension", "blueprint_area"],
        data={
            "closure_code": closure_code,
            "servqual_dimension": complaint.servqual_dimension,
            "blueprint_area": complaint.blueprint_area,
            "note": note,
        },
    )


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor: User, reason: str, now: datetime | None = None) -> Complaint:
    complaint = _lock_for_step(complaint, actor=actor, step="reopen")
    now = now or timezone.now()
    previous_closure_code = complaint.closure_code
    complaint.closure_code = ""
    complaint.reopened_at = now
    return _move(
        complaint,
        actor=actor,
        step="reopen",
        kind=EventKind.REOPENED,
        at=now,
        fields=["closure_code", "reopened_at"],
        data={"reason": reason, "previous_closure_code": previous_closure_code},
    )


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor: User, assignee: User, now: datetime | None = None) -> Complaint:
    if not actor.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted("Only supervisors, managers and admins may assign complaints.")
    complaint = _lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="assign", status=complaint.status)
    if complaint.assignee_id == assignee.pk:
        return complaint
    _check_assignable(assignee, complaint.store)
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


# --- Compensation above the employee's limits (decided in the recovery app) --------------------


def complaint_lock(*, complaint: Complaint, actor: User, step: str | None = None) -> Complaint:
    """Lock the complaint inside the caller's transaction; 409 if ``step`` is given and not allowed.

    For services of other apps that decide about a complaint (compensation, approvals) and must
    hold its row while they do. Lock the complaint before anything else, to keep one lock order.
    """
    if step is None:
        return _lock(complaint, actor=actor)
    return _lock_for_step(complaint, actor=actor, step=step)


@transaction.atomic
def complaint_await_approval(
    *, complaint: Complaint, actor: User, step: str, data: dict[str, Any], now: datetime | None = None
) -> Complaint:
    """``step`` (respond or compensate) asked for more than ``actor`` may grant: wait for a decision."""
    complaint = _lock_for_step(complaint, actor=actor, step=step)
    return _move(
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
    complaint = _lock_for_step(complaint, actor=actor, step="approve")
    now = now or timezone.now()
    complaint.resolution = resolution or complaint.resolution
    complaint.responded_at = now
    return _move(
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
    complaint = _lock_for_step(complaint, actor=actor, step="reject")
    return _move(
        complaint,
        actor=actor,
        step="reject",
        target=return_to,
        kind=EventKind.REJECTED,
        at=now or timezone.now(),
        fields=[],
        data=data,
    )


# --- Holds, severity, and what the sweep records ----------------------------------------------

MAX_HOLD = timedelta(days=30)


@transaction.atomic
def complaint_hold(
    *, complaint: Complaint, actor: User, reason: str, until: datetime, now: datetime | None = None
) -> Complaint:
    """Waiting on the customer (a receipt, a call back): the due times stand still until ``until``."""
    now = now or timezone.now()
    complaint = _lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="hold", status=complaint.status)
    if complaint.on_hold_until is not None:
        raise ComplaintOnHold(until=complaint.on_hold_until)
    if not now < until <= now + MAX_HOLD:
        raise ValidationError({"until": "A moment in the future, at most 30 days ahead."})
    deadlines_pause(complaint, now=now, until=until)
    complaint.on_hold_until, complaint.hold_reason = until, reason
    complaint.save(update_fields=["on_hold_until", "hold_reason", "updated_at"])
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
    complaint = _lock(complaint, actor=actor) if actor else _lock_as_system(complaint)
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
    """Re-grade the complaint; its open due times follow the new severity's SLA policy."""
    complaint = _lock(complaint, actor=actor)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(step="severity", status=complaint.status)
    if complaint.severity == severity:
        return complaint
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


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, actor: User, **windows: int) -> SlaPolicy:
    """Change an SLA policy's windows (admins). Deadlines opened from now on use them."""
    if not actor.has_role_at_least(Role.ADMIN):
        raise NotPermitted("Only admins change SLA policies.")
    for field, seconds in windows.items():
        setattr(policy, field, seconds)
    policy.full_clean()
    policy.save(update_fields=[*windows])
    return policy


def complaint_restart_approval_clock(*, complaint: Complaint, now: datetime | None = None) -> None:
    """The approval went to other approvers: they get a fresh window, and hear of it at once."""
    deadlines_after_step(complaint, step="request-approval", now=now or timezone.now())


def deadline_lock(deadline_id: int) -> tuple[Complaint, Deadline] | None:
    """Lock a deadline's complaint, then the deadline (the services' lock order), inside a transaction.

    For the sweep; None when the deadline is gone or already closed.
    """
    complaint_id = Deadline.objects.filter(pk=deadline_id).values_list("complaint_id", flat=True).first()
    if complaint_id is None:
        return None
    complaint = _lock_as_system(Complaint(pk=complaint_id))
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


def _lock_as_system(complaint: Complaint) -> Complaint:
    """The row lock without an actor's scope check: for the sweep, which acts for nobody."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "assignee", "category", "customer")
        .get(pk=complaint.pk)
    )


def _check_assignable(assignee: User, store: Store) -> None:
    if not staff_for_store(store).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": f"{assignee.username} does not work on store {store.code}'s complaints."})


def _lock(complaint: Complaint, *, actor: User) -> Complaint:
    """Re-read the complaint under a row lock: concurrent steps on it queue here."""
    locked = _lock_as_system(complaint)
    if not user_can_see_store(actor, locked.store):
        raise NotPermitted()
    return locked


def _lock_for_step(complaint: Complaint, *, actor: User, step: str) -> Complaint:
    locked = _lock(complaint, actor=actor)
    if not states.can_take(step, locked.status):
        raise InvalidTransition(step=step, status=locked.status)
    return locked


def _move(
    complaint: Complaint,
    *,
    actor: User,
    step: str,
    kind: EventKind,
    at: datetime,
    fields: list[str],
    data: dict[str, Any],
    target: str | None = None,
    deadlines_step: str | None = None,
) -> Complaint:
    status_before = complaint.status
    complaint.status = target or states.STEPS[step].target
    if complaint.on_hold_until is not None:
        # Acting on the complaint ends the wait for the customer.
        deadlines_resume(complaint, now=at)
        complaint.on_hold_until, complaint.hold_reason = None, ""
        fields = [*fields, "on_hold_until", "hold_reason"]
    complaint.save(update_fields=[*fields, "status", "updated_at"])
    event_record(
        complaint=complaint,
        kind=kind,
        actor=actor,
        at=at,
        data=data,
        status_before=status_before,
        status_after=complaint.status,
    )
    deadlines_after_step(complaint, step=deadlines_step or step, now=at)
    return complaint
