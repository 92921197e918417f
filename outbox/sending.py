"""The outbox: writing a message in the transaction of the change that causes it, and sending it once.

``outbox_enqueue`` writes the row (nothing else: no broker, no provider), so the message commits or vanishes
with its cause, and a request never waits for a provider. The worker (``outbox.tasks``) sends what is due:
each row claimed (``FOR UPDATE SKIP LOCKED``), sent and marked in a transaction of its own, so that two
workers never send one row and a worker killed mid-send leaves only the row in flight unmarked, sent again
later under the same idempotency key (the providers' own dedup field carries it where they have one).
A failed try is retried with exponential backoff, and given up after ``OUTBOX_MAX_ATTEMPTS``.

Each channel's sender is registered with ``register_sender(channel, sender)``: a callable
``sender(message, *, now) -> Sent`` that raises ``SendFailed`` (retried unless ``retry=False``) or ``Deferred``
(not now: sent at ``until``, no attempt counted: quiet hours, a daily limit).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.bulk_rows import NewRow, row_new, rows_insert_new
from core.queue import enqueue_on_commit
from outbox.models import DUE_STATUSES, MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_message_id: str = ""


class SendFailed(Exception):
    """The provider refused or could not be reached: ``code`` as it said (or ours), retried unless ``retry`` is
    False (a number that does not exist, a withdrawn consent)."""

    def __init__(self, code: str, message: str = "", *, provider: str = "", retry: bool = True) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.provider, self.retry = code, message, provider, retry


class Deferred(Exception):
    """Not to be sent before ``until`` (the customer's quiet hours, their daily limit reached): no attempt counted."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(f"deferred until {until.isoformat()}: {reason}")
        self.until, self.reason = until, reason


Sender = Callable[..., Sent]
_senders: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    """``sender`` sends the messages of ``channel`` (the last registered wins: tests put a fake in)."""
    _senders[channel] = sender


def sender_for(channel: str) -> Sender | None:
    return _senders.get(channel)


def outbox_new(
    *,
    channel: str,
    destination: str,
    kind: str,
    idempotency_key: str,
    payload: dict | None = None,
    language: str = "",
    complaint_id=None,
    not_before: datetime | None = None,
    now: datetime,
) -> NewRow:
    """A message not yet written (``outbox_write`` writes many; the complaint's intake writes it in its own
    statement)."""
    return row_new(
        OutboxMessage,
        channel=channel,
        destination=destination,
        kind=kind,
        language=language,
        complaint_id=complaint_id,
        payload=payload or {},
        status=MessageStatus.QUEUED,
        next_attempt_at=max(now, not_before) if not_before else now,
        created_at=now,
        idempotency_key=idempotency_key,
    )


def outbox_write(messages: list[NewRow], *, send_now: bool = False) -> list[int]:
    """Write ``messages`` in the current transaction (one statement), each idempotency key once: returns the
    ids written now (a key written before is skipped). With ``send_now`` a worker is told once the transaction
    commits; otherwise the next poll (``OUTBOX_POLL_SECONDS``) finds them."""
    ids = [pk for (pk,) in rows_insert_new(OutboxMessage, messages, returning=("id",))]
    if ids and send_now:
        enqueue_on_commit("outbox.tasks.outbox_send", ids)
    return ids


def outbox_enqueue(
    *,
    channel: str,
    destination: str,
    kind: str,
    idempotency_key: str,
    payload: dict | None = None,
    language: str = "",
    complaint_id=None,
    not_before: datetime | None = None,
    send_now: bool = False,
    now: datetime | None = None,
) -> int | None:
    """Write one message in the current transaction (it commits or vanishes with the change that causes it);
    returns its id, or None when ``idempotency_key`` was written before."""
    row = outbox_new(
        channel=channel,
        destination=destination,
        kind=kind,
        idempotency_key=idempotency_key,
        payload=payload,
        language=language,
        complaint_id=complaint_id,
        not_before=not_before,
        now=now or timezone.now(),
    )
    ids = outbox_write([row], send_now=send_now)
    return ids[0] if ids else None


def outbox_due_ids(*, now: datetime, limit: int) -> list[int]:
    """Ids of messages due to be sent, oldest due first (not locked: each is claimed as it is sent)."""
    return list(
        OutboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failed try: the base delay doubled each time, at most the cap."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def outbox_message_send(message_id: int, *, now: datetime) -> str | None:
    """Send one message if it is due and no one else is sending it; returns its status after (or "deferred"),
    None when there was nothing to do.

    Claimed, sent and marked in one transaction, its row locked throughout: the provider's call is inside, so a
    crash before the commit leaves the row as it was (due), to be sent again under the same key.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=message_id, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        sender = _senders.get(message.channel)
        try:
            if sender is None:
                raise SendFailed("no_sender", f"no sender registered for {message.channel}")
            sent = sender(message, now=now)
        except Deferred as deferred:
            message.next_attempt_at = deferred.until
            message.error_code = deferred.reason
            message.save(update_fields=["next_attempt_at", "error_code"])
            return "deferred"
        except SendFailed as failed:
            _failed(
                message, code=failed.code, detail=failed.message, provider=failed.provider, retry=failed.retry, now=now
            )
        except Exception as exc:  # a bug or an SDK's surprise: recorded on the row and retried, never lost
            logger.exception("outbox message %s: the %s sender raised", message.pk, message.channel)
            _failed(message, code=type(exc).__name__, detail=str(exc), provider="", retry=True, now=now)
        else:
            message.status = MessageStatus.SENT
            message.attempts += 1
            message.provider, message.provider_message_id = sent.provider, sent.provider_message_id[:100]
            message.error_code = message.error_message = ""
            message.sent_at, message.next_attempt_at = now, None
        message.save(
            update_fields=[
                "status",
                "attempts",
                "provider",
                "provider_message_id",
                "error_code",
                "error_message",
                "sent_at",
                "next_attempt_at",
            ]
        )
        return message.status


def _failed(message: OutboxMessage, *, code: str, detail: str, provider: str, retry: bool, now: datetime) -> None:
    message.attempts += 1
    if message.destination:  # a provider may quote the number back: the error is kept, the number is not
        detail = detail.replace(message.destination, "***").replace(message.destination.removeprefix("+"), "***")
    message.error_code, message.error_message = code[:100], detail[:500]
    message.provider = provider or message.provider
    if retry and message.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
        message.next_attempt_at = now + retry_delay(message.attempts)
    else:
        message.status = MessageStatus.GIVEN_UP
        message.next_attempt_at = None
