"""Reminders and escalations when due times come: the sweep, one deadline's processing, emails.

The sweep claims due deadlines with ``SELECT … FOR UPDATE SKIP LOCKED`` and pushes each a
lease ahead, so that two sweeps never take the same rows and a task lost with its worker is
picked up again when the lease runs out. Processing a deadline re-reads it under lock and does
only what is still due; notifications are rows unique per (deadline, level, recipient), written
before any email goes out, so everyone is told once.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from complaints import services as complaint_services
from complaints import sla
from complaints.deadlines import MAX_LEVEL, escalation_time, next_check
from complaints.models import Complaint, Deadline, DeadlineStep
from recovery.models import (
    ApprovalRequest,
    ApprovalStatus,
    EmailState,
    Notification,
    NotificationKind,
)
from recovery.policies import APPROVER_ROLES
from staff.models import ROLE_RANK, Role, Store, User

logger = logging.getLogger(__name__)

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
        Notification.objects.filter(id__in=ids).update(email_next_try_at=now + CLAIM_LEASE)
    return ids


def deadline_process(deadline_id: int, *, now: datetime) -> list[int]:
    """Do what is due on one deadline: the reminder, or the next escalation, or the end of a hold.

    Returns the ids of notifications whose email is to be sent. Safe to run twice.
    """
    with transaction.atomic():
        locked = complaint_services.deadline_lock(deadline_id)
        if locked is None:
            return []
        complaint, deadline = locked
        clock = _clock(complaint, deadline)
        if deadline.paused_at is not None:
            if complaint.on_hold_until is None or complaint.on_hold_until <= now:
                complaint_services.complaint_resume(complaint=complaint, actor=None, now=now)
            else:
                complaint_services.deadline_check_later(deadline=deadline, at=complaint.on_hold_until)
            return []
        if deadline.step == DeadlineStep.APPROVAL and _pending_approval(complaint) is None:
            # Decided in the same transaction that closes this deadline: nothing can be due.
            complaint_services.deadline_check_later(deadline=deadline, at=None)
            return []
        if deadline.level < MAX_LEVEL and escalation_time(deadline, clock, deadline.level + 1) <= now:
            notified = _escalate(complaint, deadline, clock=clock, now=now)
        elif deadline.reminded_at is None and deadline.remind_at <= now:
            notified = _remind(complaint, deadline, clock=clock, now=now)
        else:
            complaint_services.deadline_check_later(deadline=deadline, at=next_check(deadline, clock))
            return []
    return notified


def _clock(complaint: Complaint, deadline: Deadline) -> sla.Clock:
    clock = sla.clock_for(complaint.store, complaint.channel)
    return clock if clock.kind == deadline.clock else sla.WallClock()


def _remind(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    if deadline.step == DeadlineStep.APPROVAL:
        approval = _pending_approval(complaint)
        recipients = _approvers(complaint.store, approval.approver_role, exclude=approval.requested_by_id)
        kind, text = NotificationKind.APPROVAL_REQUESTED, _approval_text(complaint, approval, deadline)
    else:
        recipients = User.objects.filter(pk=complaint.assignee_id, is_active=True)
        kind = NotificationKind.FOLLOW_UP_DUE if deadline.step == DeadlineStep.FOLLOW_UP else NotificationKind.REMINDER
        text = _reminder_text(complaint, deadline)
    complaint_services.deadline_reminded(deadline=deadline, clock=clock, now=now)
    return _notify(complaint, deadline, level=0, kind=kind, text=text, recipients=recipients, now=now)


def _escalate(complaint: Complaint, deadline: Deadline, *, clock: sla.Clock, now: datetime) -> list[int]:
    level = deadline.level + 1
    if deadline.step == DeadlineStep.APPROVAL:
        approval = _pending_approval(complaint)
        previous_role = approval.approver_role
        approval.approver_role = _role_above(previous_role, complaint.store)
        approval.save(update_fields=["approver_role"])
        recipients = _approvers(complaint.store, approval.approver_role, exclude=approval.requested_by_id)
        kind = NotificationKind.APPROVAL_ESCALATED
        data = {"approval": str(approval.pk), "from_role": previous_role, "to_role": approval.approver_role}
        text = _approval_escalated_text(complaint, approval, deadline)
    else:
        role, recipients = _escalation_group(complaint.store, level)
        kind = NotificationKind.ESCALATION
        data = {"to_role": role}
        text = _escalation_text(complaint, deadline, level)
    data["notified"] = sorted(user.username for user in recipients)
    level = complaint_services.deadline_escalate(
        complaint=complaint, deadline=deadline, clock=clock, now=now, data=data
    )
    return _notify(complaint, deadline, level=level, kind=kind, text=text, recipients=recipients, now=now)


def _notify(
    complaint: Complaint,
    deadline: Deadline,
    *,
    level: int,
    kind: str,
    text: str,
    recipients,
    now: datetime,
) -> list[int]:
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                complaint=complaint,
                deadline=deadline,
                step=deadline.step,
                level=level,
                kind=kind,
                text=text,
                created_at=now,
                email_state=EmailState.PENDING if user.email else EmailState.NONE,
                email_next_try_at=now + CLAIM_LEASE if user.email else None,
            )
            for user in recipients
        ],
        ignore_conflicts=True,  # told already (a task run twice): the unique row stands
    )
    return list(
        Notification.objects.filter(deadline=deadline, level=level, email_state=EmailState.PENDING).values_list(
            "id", flat=True
        )
    )


# --- Who is told ------------------------------------------------------------------------------------


def _staff_of_role(store: Store, role: str) -> QuerySet[User]:
    users = User.objects.filter(role=role, is_active=True)
    if role == Role.SUPERVISOR:
        return users.filter(store=store)
    if role == Role.MANAGER:
        return users.filter(region_id=store.region_id)
    return users


def _escalation_group(store: Store, level: int) -> tuple[str, list[User]]:
    """Level 1 the store's supervisors, 2 the region's managers, 3 admins; an empty group passes it up."""
    for candidate in range(level, MAX_LEVEL + 1):
        role = LEVEL_ROLES[candidate]
        users = list(_staff_of_role(store, role))
        if users:
            return role, users
    return Role.ADMIN, []


def _approvers(store: Store, role: str, *, exclude: int) -> list[User]:
    return list(_staff_of_role(store, role).exclude(pk=exclude))


def _role_above(role: str, store: Store) -> str:
    """The next approving role up that someone holds for ``store`` (admins at the top)."""
    for candidate in APPROVER_ROLES:
        if ROLE_RANK[candidate] > ROLE_RANK[Role(role)] and _staff_of_role(store, candidate).exists():
            return candidate
    return Role.ADMIN


def _pending_approval(complaint: Complaint) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "store")
        .filter(complaint=complaint, status=ApprovalStatus.PENDING)
        .first()
    )


# --- What they are told (Chinese first, as on the floor; English after) --------------------------------


def _customer(complaint: Complaint) -> tuple[str, str]:
    customer = complaint.customer
    name = (customer.name or customer.phone or customer.email) if customer else ""
    return name or "顾客", name or "the customer"


def _local(moment: datetime, store: Store) -> str:
    return timezone.localtime(moment, store.zone).strftime("%m-%d %H:%M")


STEP_WORDS = {
    DeadlineStep.APOLOGIZE: ("道歉", "Apologize to"),
    DeadlineStep.RESPOND: ("回应", "Respond to"),
    DeadlineStep.FOLLOW_UP: ("回访", "Follow up with"),
}


def _reminder_text(complaint: Complaint, deadline: Deadline) -> str:
    zh_name, en_name = _customer(complaint)
    zh_verb, en_verb = STEP_WORDS[deadline.step]
    due = _local(deadline.due_at, complaint.store)
    if deadline.step == DeadlineStep.FOLLOW_UP:
        return f"请{zh_verb}{zh_name}（{complaint.reference}） / {en_verb} {en_name} about {complaint.reference}"
    return (
        f"请于 {due} 前向{zh_name}{zh_verb}（{complaint.reference}） / "
        f"{en_verb} {en_name} about {complaint.reference} by {due}"
    )


STEP_NOUNS = {
    DeadlineStep.APOLOGIZE: "the apology",
    DeadlineStep.RESPOND: "the response",
    DeadlineStep.FOLLOW_UP: "the follow-up",
}


def _escalation_text(complaint: Complaint, deadline: Deadline, level: int) -> str:
    zh_verb, _ = STEP_WORDS[deadline.step]
    due = _local(deadline.due_at, complaint.store)
    return (
        f"{complaint.reference} 已超时：应于 {due} 前{zh_verb}，仍未完成（升级第 {level} 级） / "
        f"{complaint.reference} is overdue: {STEP_NOUNS[deadline.step]} was due by {due} (escalation level {level})"
    )


def _approval_total(approval: ApprovalRequest) -> str:
    total = sum((action.amount for action in approval.actions.all()), Decimal(0))
    return f"{total} {approval.store.currency}"


def _approval_text(complaint: Complaint, approval: ApprovalRequest, deadline: Deadline) -> str:
    total, due = _approval_total(approval), _local(deadline.due_at, complaint.store)
    who = approval.requested_by.username
    return (
        f"待审批：{complaint.reference} 补偿 {total}（{who} 申请，请于 {due} 前处理） / "
        f"Approval needed: {total} for {complaint.reference}, asked by {who}; decide by {due}"
    )


def _approval_escalated_text(complaint: Complaint, approval: ApprovalRequest, deadline: Deadline) -> str:
    total = _approval_total(approval)
    return (
        f"审批超时，已转给你：{complaint.reference} 补偿 {total} / "
        f"Approval overdue, now yours to decide: {total} for {complaint.reference}"
    )


# --- Email ------------------------------------------------------------------------------------------------


def notification_email_send(notification_id: int, *, now: datetime) -> bool:
    """Send one notification's email if it is still unsent; False if there was nothing to do.

    The row stays locked while sending, so a second delivery of the task skips it; a worker
    killed after sending but before committing sends it again: at least once, never silently lost.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "complaint")
            .filter(pk=notification_id, email_state=EmailState.PENDING)
            .first()
        )
        if notification is None:
            return False
        send_mail(
            subject=f"[Service Recovery] {notification.complaint.reference}: {notification.get_kind_display()}",
            message=f"{notification.text}\n\n{settings.SITE_URL}/api/v1/complaints/{notification.complaint_id}/",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.email_state = EmailState.SENT
        notification.emailed_at = now
        notification.email_next_try_at = None
        notification.save(update_fields=["email_state", "emailed_at", "email_next_try_at"])
    return True
