"""Signed outbound webhooks (Standard Webhooks): which subscriptions an event goes to, the message written to the
outbox in the event's own transaction, and its sending (signed, SSRF-checked, never redirected), retried by the
outbox with backoff. A subscription that fails ``WEBHOOK_DISABLE_AFTER_FAILURES`` tries in a row is disabled and
its owner emailed. The admin's delivery log replays a message under its same webhook-id.

Payloads are ``{"type", "timestamp", "version", "data"}``; each type's ``data`` is documented by a JSON schema in
docs/webhooks/ (``tests/integrations/test_webhooks.py`` holds the payloads to them).
"""

import json
import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from core.bulk_rows import NewRow
from core.reference import ReferenceTable, reference_data_changed
from integrations import network
from integrations.models import WebhookSubscription
from outbox.models import Channel, MessageStatus, OutboxMessage
from outbox.sending import SendFailed, Sent, outbox_new, outbox_write

logger = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
DESTINATION = "subscription:{pk}"


def _active() -> list[WebhookSubscription]:
    return list(WebhookSubscription.objects.filter(is_active=True).order_by("pk"))


# Read once per process until a subscription changes (core.reference): an event with nobody subscribed costs nothing.
ACTIVE_SUBSCRIPTIONS = ReferenceTable(_active)


def webhooks_wanted(event_type: str, store_id: int) -> list[WebhookSubscription]:
    return [
        subscription
        for subscription in ACTIVE_SUBSCRIPTIONS.get()
        if event_type in subscription.events and subscription.store_id in (None, store_id)
    ]


def webhook_event_rows(
    *,
    event_type: str,
    store_id: int,
    complaint_id,
    reference: str,
    data: dict,
    cause: str,
    occurred_at: datetime,
    now: datetime,
) -> list[NewRow]:
    """The event's message for each subscription that wants it, not written yet (a new complaint's are written in
    its intake's one statement, which numbers its ``reference``: that one is given as "" and filled in there, in
    ``payload["params"]``); ``cause`` names what happened once, so that the same cause never writes two messages."""
    subscriptions = webhooks_wanted(event_type, store_id)
    body = {"type": event_type, "timestamp": occurred_at.isoformat(), "version": PAYLOAD_VERSION, "data": data}
    return [
        outbox_new(
            channel=Channel.WEBHOOK,
            destination=DESTINATION.format(pk=subscription.pk),
            kind=event_type,
            idempotency_key=f"webhook:{cause}:{event_type}:{subscription.pk}",
            # The webhook-id: the same on every try and replay, so that the subscriber can drop a repeat.
            payload={"id": f"msg_{uuid.uuid4().hex}", "body": body, "params": {"reference": reference}},
            complaint_id=complaint_id,
            now=now,
        )
        for subscription in subscriptions
    ]


def webhook_event_enqueue(**event) -> list[int]:
    """Write the event's messages (``webhook_event_rows``) in the current transaction, in one statement."""
    rows = webhook_event_rows(**event)
    return outbox_write(rows, send_now=True) if rows else []


def body_bytes(message: OutboxMessage) -> bytes:
    """The body as sent (and signed), the complaint's reference in its data: the same bytes on every try."""
    body = message.payload["body"]
    body = body | {"data": {**body["data"], "reference": message.payload.get("params", {}).get("reference", "")}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(subscription: WebhookSubscription, message_id: str, body: bytes, *, now: datetime) -> dict:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(subscription.secret).sign(message_id, now, body),
        "User-Agent": "ServiceRecoveryDesk-Webhooks/1",
    }


def webhook_send(message: OutboxMessage, *, now: datetime) -> Sent:
    """The outbox's sender for ``webhook`` messages."""
    pk = message.destination.removeprefix("subscription:")
    subscription = WebhookSubscription.objects.filter(pk=pk).first() if pk.isdigit() else None
    if subscription is None or not subscription.is_active:
        raise SendFailed(
            "subscription_disabled", "the subscription is gone or disabled", provider="webhook", retry=False
        )
    body = body_bytes(message)
    headers = signed_headers(subscription, message.payload["id"], body, now=now)
    try:
        answer = network.post(subscription.url, body, headers, allow_private=subscription.allow_private_network)
    except network.AddressRefused as refused:
        _failure(subscription, str(refused), now=now)
        raise SendFailed("address_refused", str(refused), provider="webhook", retry=False) from refused
    except OSError as exc:  # refused, timed out, TLS (ssl.SSLError is an OSError), or HTTP garbled
        _failure(subscription, str(exc), now=now)
        raise SendFailed("unreachable", str(exc), provider="webhook") from exc
    if not 200 <= answer.status < 300:  # a redirect too: never followed
        detail = f"answered {answer.status}"
        _failure(subscription, detail, now=now)
        raise SendFailed(str(answer.status), detail, provider="webhook")
    if subscription.failures_in_a_row:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures_in_a_row=0)
    return Sent(provider="webhook", provider_message_id=message.payload["id"])


def _failure(subscription: WebhookSubscription, detail: str, *, now: datetime) -> None:
    """Count a failed try; at the limit, disable the subscription and tell its owner (once: the row is locked)."""
    failures = (
        WebhookSubscription.objects.select_for_update()
        .filter(pk=subscription.pk)
        .values_list("failures_in_a_row", "is_active")
        .first()
    )
    if failures is None:
        return
    count, active = failures[0] + 1, failures[1]
    disable = active and count >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
    changes = {"failures_in_a_row": F("failures_in_a_row") + 1}
    if disable:
        changes |= {"is_active": False, "disabled_at": now, "disabled_reason": detail[:300]}
    WebhookSubscription.objects.filter(pk=subscription.pk).update(**changes)
    if disable:
        reference_data_changed()  # every process stops writing messages for it
        owner = subscription.owner
        transaction.on_commit(lambda: _owner_told(subscription, owner, count=count, detail=detail))


def _owner_told(subscription: WebhookSubscription, owner, *, count: int, detail: str) -> None:
    if not owner.email:
        logger.warning("webhook subscription %s disabled; its owner %s has no email", subscription.pk, owner)
        return
    with translation.override(owner.written_language):
        subject = _("Webhook subscription disabled: %(name)s") % {"name": subscription.name}
        body = _(
            'The webhook subscription "%(name)s" (%(url)s) failed %(count)d times in a row and was disabled. '
            "The last answer: %(detail)s. Fix the endpoint, then make the subscription active again in the admin "
            "and replay the deliveries it missed."
        ) % {"name": subscription.name, "url": subscription.url, "count": count, "detail": detail}
    try:
        send_mail(subject, body, None, [owner.email])
    except Exception:  # the subscription stays disabled; the admin shows it
        logger.exception("webhook subscription %s disabled; telling its owner failed", subscription.pk)


def webhook_deliveries_replay(message_ids: list[int], *, now: datetime | None = None) -> int:
    """Send these webhook messages again (the admin's replay), under their same webhook-id and with a full set of
    tries; returns how many were queued."""
    return OutboxMessage.objects.filter(pk__in=message_ids, channel=Channel.WEBHOOK).update(
        status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now or timezone.now(), error_code="", error_message=""
    )
