"""Notifications: writing them (once per deadline, level and recipient), marking them read, emailing them."""

import email.policy
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Deadline
from core.queue import enqueue_on_commit
from recovery.models import EmailState, Notification
from staff.models import User

# An email not sent by then (its task lost with the broker or the worker) is picked up by the sweep.
EMAIL_LEASE = timedelta(seconds=60)


def notifications_create(
    *,
    complaint: Complaint,
    deadline: Deadline,
    level: int,
    kind: str,
    text: str,
    recipients: list[User],
    now: datetime,
) -> list[int]:
    """Tell ``recipients``, once: returns the ids of this deadline and level's notifications whose email is due."""
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
                email_next_try_at=now + EMAIL_LEASE if user.email else None,
            )
            for user in recipients
        ],
        ignore_conflicts=True,  # told already (a task run twice): the unique row stands
    )
    return list(
        Notification.objects.filter(
            deadline=deadline, level=level, recipient__in=recipients, email_state=EmailState.PENDING
        ).values_list("id", flat=True)
    )


def notifications_settle(*, complaint: Complaint, step: str, now: datetime) -> int:
    """What was asked of people about ``complaint``'s ``step`` is done: their notices count as read."""
    return Notification.objects.filter(complaint=complaint, step=step, read_at__isnull=True).update(read_at=now)


def notifications_email_on_commit(notification_ids: list[int], *, now: datetime) -> None:
    """Send these notifications' emails once the current transaction commits (the sweep retries what is lost)."""
    for notification_id in notification_ids:
        enqueue_on_commit("recovery.tasks.send_notification_email", notification_id, now.isoformat())


def notifications_mark_read(
    *, user: User, notification_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the caller's notifications read (all of them when no ids are given); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=now or timezone.now())


def complaint_url(complaint_id) -> str:
    """Where a person opens the complaint: its page (the URL is named, so this app imports no page)."""
    return settings.SITE_URL + reverse("web:complaint", kwargs={"complaint_id": complaint_id})


class NotificationEmail(EmailMessage):
    """A plain text email whose body is UTF-8 as it is (8bit), readable in the console and any mail client.

    Django would pick base64 for a mostly Chinese body.
    """

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        message.set_content(self.body, charset="utf-8", cte="8bit")
        return message


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
        NotificationEmail(
            subject=f"[Service Recovery] {notification.complaint.reference}: {notification.get_kind_display()}",
            body=f"{notification.text}\n\n{complaint_url(notification.complaint_id)}\n",
            to=[notification.recipient.email],
        ).send()
        notification.email_state = EmailState.SENT
        notification.emailed_at = now
        notification.email_next_try_at = None
        notification.save(update_fields=["email_state", "emailed_at", "email_next_try_at"])
    return True
