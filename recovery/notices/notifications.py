"""Notifications: writing them (once per deadline, level and recipient) with their emails, marking them read, and
the email each says (the outbox sends it: ``outbox.email``)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint, Deadline
from core.bulk_rows import NewRow, row_new, rows_insert_new
from outbox.email import PlainEmail, email_key, message_id
from outbox.models import Channel, OutboxMessage
from outbox.sending import SendFailed, outbox_new, outbox_write
from recovery.models import Notification
from recovery.notices import reading
from staff.models import User

# The outbox's kind of a notification's email (its payload names the notification).
EMAIL_KIND = "notification"


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
    """Tell ``recipients``, once (inbox and email): returns the ids of the notifications written now."""
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
    )


def notifications_write(notices: list[NewRow]) -> list[int]:
    """Write notices, each (deadline, level, recipient) once, and the email of each whose recipient has an
    address, in the current transaction: two statements however many there are. Returns the ids written now.

    One told already (a task run twice) is skipped, and so is its email (the outbox holds it already). The
    emails go to a worker once the transaction commits; if that task is lost, the outbox's poll sends them.
    """
    written = rows_insert_new(Notification, notices, returning=("id", "recipient_id", "complaint_id", "created_at"))
    if not written:
        return []
    addresses = dict(
        User.objects.filter(pk__in={recipient for _, recipient, _, _ in written}, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    emails = [
        outbox_new(
            channel=Channel.EMAIL,
            destination=addresses[recipient],
            kind=EMAIL_KIND,
            idempotency_key=email_key(EMAIL_KIND, pk),
            payload={"notification": pk},
            complaint_id=complaint_id,
            now=created_at,
        )
        for pk, recipient, complaint_id, created_at in written
        if recipient in addresses
    ]
    outbox_write(emails, send_now=True)
    return [pk for pk, *_ in written]


def notifications_settle(*, complaint: Complaint, step: str, now: datetime) -> int:
    """What was asked of people about ``complaint``'s ``step`` is done: their notices count as read."""
    return Notification.objects.filter(complaint=complaint, step=step, read_at__isnull=True).update(read_at=now)


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


def notification_email(message: OutboxMessage, *, now: datetime) -> PlainEmail:
    """The email of a notification (the outbox's renderer of ``EMAIL_KIND``), said in its recipient's language
    (``User.written_language``) as their inbox says it then: a request's notice with its outcome once decided."""
    notification = (
        Notification.objects.select_related("recipient", *reading.NOTICE_JOINS)
        .filter(pk=message.payload.get("notification"))
        .first()
    )
    if notification is None:
        raise SendFailed("no_notification", "the notification is gone", retry=False)
    with translation.override(notification.recipient.written_language):
        [notice] = reading.notices([notification])
        subject = _("[Service Recovery] %(reference)s: %(kind)s") % {
            "reference": notification.complaint.reference,
            "kind": notification.get_kind_display(),
        }
    said = "\n\n".join(text for text in (notice.text, notice.outcome) if text)
    return PlainEmail(
        subject=subject,
        body=f"{said}\n\n{complaint_url(notification.complaint_id)}\n",
        headers={"Message-ID": message_id(EMAIL_KIND, notification.pk, notification.created_at)},
    )
