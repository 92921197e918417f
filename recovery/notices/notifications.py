"""Notifications: writing them (once per deadline, level and recipient), marking them read, emailing them."""

import email.policy
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint, Deadline
from core.bulk_rows import NewRow, row_new, rows_insert_new
from core.queue import enqueue_on_commit
from recovery.models import EmailState, Notification
from recovery.notices import reading
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
    return notifications_write(
        [
            notification_new(
                complaint=complaint, deadline=deadline, level=level, kind=kind, text=text, recipient=user, now=now
            )
            for user in recipients
        ]
    )


def notification_new(
    *, complaint: Complaint, deadline: Deadline, level: int, kind: str, text: str, recipient: User, now: datetime
) -> NewRow:
    """One notice, not yet written (``notifications_write`` writes many at once)."""
    return row_new(
        Notification,
        recipient_id=recipient.pk,
        complaint_id=complaint.pk,
        deadline_id=deadline.pk,
        step=deadline.step,
        level=level,
        kind=kind,
        text=text,
        created_at=now,
        email_state=EmailState.PENDING if recipient.email else EmailState.NONE,
        email_next_try_at=now + EMAIL_LEASE if recipient.email else None,
    )


def notifications_write(notices: list[NewRow]) -> list[int]:
    """Write notices, each (deadline, level, recipient) once, in one statement however many there are.

    Returns the ids of those written now whose email is to be sent. One told already (a task run
    twice) is skipped; if its email is still unsent, its own lease brings it back to the sweep.
    """
    inserted = rows_insert_new(Notification, notices, returning=("id", "email_state"))
    return [pk for pk, state in inserted if state == EmailState.PENDING]


def notifications_settle(*, complaint: Complaint, step: str, now: datetime) -> int:
    """What was asked of people about ``complaint``'s ``step`` is done: their notices count as read."""
    return Notification.objects.filter(complaint=complaint, step=step, read_at__isnull=True).update(read_at=now)


def notifications_email_on_commit(notification_ids: list[int], *, now: datetime) -> None:
    """Send these notifications' emails once the current transaction commits (the sweep retries what is lost)."""
    if notification_ids:
        enqueue_on_commit("recovery.tasks.send_notification_emails", notification_ids, now.isoformat())


def email_leases_take(pending: QuerySet, *, now: datetime, limit: int) -> list[int]:
    """Rows of ``pending`` (unsent emails, with an ``email_next_try_at`` lease) whose task may have been lost
    (the broker down, the worker killed): their lease ran out, so they are leased again and handed out."""
    with transaction.atomic():
        ids = list(
            pending.select_for_update(skip_locked=True)
            .filter(email_next_try_at__lte=now)
            .order_by("email_next_try_at")
            .values_list("id", flat=True)[:limit]
        )
        pending.model.objects.filter(id__in=ids).update(email_next_try_at=now + EMAIL_LEASE)
    return ids


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


def message_id(kind: str, pk: int, created_at: datetime) -> str:
    """The Message-ID of the email sent for one row: fixed by the row, so that a copy sent again (a worker
    killed between the server's "accepted" and our commit) carries the same one and mail clients can tell."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{kind}.{pk}.{int(created_at.timestamp())}@{domain}>"


class NotificationEmail(EmailMessage):
    """A plain text email whose body is UTF-8 as it is (8bit), readable in the console and any mail client.

    Django would pick base64 for a mostly Chinese body.
    """

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        message.set_content(self.body, charset="utf-8", cte="8bit")
        return message


def notification_emails(unsent: list[Notification]) -> list[NotificationEmail]:
    """Each notification's email, said in its recipient's language (``User.written_language``), as their inbox
    says it: recipients of one language at a time, each group's notices read together."""
    by_language: dict[str, list[Notification]] = {}
    for notification in unsent:
        by_language.setdefault(notification.recipient.written_language, []).append(notification)
    emails = {}
    for language, group in by_language.items():
        with translation.override(language):
            for notice in reading.notices(group):
                n = notice.notification
                subject = _("[Service Recovery] %(reference)s: %(kind)s") % {
                    "reference": n.complaint.reference,
                    "kind": n.get_kind_display(),
                }
                said = "\n\n".join(text for text in (notice.text, notice.outcome) if text)
                body = f"{said}\n\n{complaint_url(n.complaint_id)}\n"
                emails[n.pk] = NotificationEmail(
                    subject=subject,
                    body=body,
                    to=[n.recipient.email],
                    headers={"Message-ID": message_id("notification", n.pk, n.created_at)},
                )
    return [emails[n.pk] for n in unsent]


def notification_emails_send(notification_ids: list[int], *, now: datetime) -> int:
    """Send the emails of these notifications that are still unsent, over one mail connection; returns
    how many were sent.

    Each is claimed, sent and marked sent in a transaction of its own (its row locked meanwhile, so a
    second delivery of the task skips it). A worker killed mid-batch leaves only the one in flight
    unmarked, sent again later with the same Message-ID; those before it stay sent, those after it
    pending, for the sweep to hand out once their lease runs out. Never lost, and at most one copy too many.
    """
    unsent = list(
        Notification.objects.select_related("recipient", *reading.NOTICE_JOINS)
        .filter(pk__in=notification_ids, email_state=EmailState.PENDING)
        .order_by("pk")
    )
    if not unsent:
        return 0
    emails = dict(zip((n.pk for n in unsent), notification_emails(unsent), strict=True))
    sent = 0
    with mailers.default as mail:  # one connection (SMTP session) for the batch
        for notification in unsent:
            with transaction.atomic():
                # Claimed and marked in one statement, undone unless the send succeeds and this commits.
                unclaimed = Notification.objects.select_for_update(skip_locked=True).filter(
                    pk=notification.pk, email_state=EmailState.PENDING
                )
                claimed = Notification.objects.filter(pk__in=unclaimed.values("pk")).update(
                    email_state=EmailState.SENT, emailed_at=now, email_next_try_at=None
                )
                if not claimed:
                    continue  # sent meanwhile, or being sent by another delivery of the task
                mail.send_messages([emails[notification.pk]])
            sent += 1
    return sent
