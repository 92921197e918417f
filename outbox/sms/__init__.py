"""Text messages to customers: the outbox's SMS channel.

A message is enqueued (``outbox.sms.enqueue``) only for a complaint whose customer agreed to be contacted and gave
a phone, in their language (else their store's). When the worker sends it, it is held back (``Deferred``) during
the store's quiet hours and once the number had ``SMS_DAILY_LIMIT`` messages that day (the store's day), and given
up for a number that opted out (``SmsOptOut``); otherwise its template is filled in and handed to the provider.
"""

import hashlib
import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import connection

from outbox.models import Channel, MessageStatus, OutboxMessage, SmsOptOut
from outbox.sending import Deferred, SendFailed, Sent, register_sender
from outbox.sms.providers import SmsRequest, sms_provider
from outbox.sms.texts import sms_text
from staff.models import Store

# Stores' quiet hours, read at most this often by each worker process.
_STORE_CACHE_SECONDS = 60
_stores: dict[int, tuple[float, Store]] = {}


def send_sms(message: OutboxMessage, *, now: datetime) -> Sent:
    """The outbox's sender for ``sms`` rows."""
    if not message.destination:
        raise SendFailed("no_destination", "the customer was forgotten", retry=False)
    store = _store(message.payload.get("store_id"))
    if store is not None and (until := quiet_hours_end(store, now)) is not None:
        raise Deferred(until, "quiet_hours")
    opted_out, sent_today = _number_record(message.destination, store, now)
    if opted_out:
        raise SendFailed("opted_out", "the number replied the opt-out word", retry=False)
    if store is not None and sent_today >= settings.SMS_DAILY_LIMIT:
        tomorrow = _local_midnight(store, now) + timedelta(days=1)
        raise Deferred(quiet_hours_end(store, tomorrow) or tomorrow, "daily_limit")
    params = message.payload.get("params", {})
    sms = SmsRequest(
        phone=message.destination,
        kind=message.kind,
        language=message.language or "zh-hans",
        params=params,
        text=sms_text(message.kind, message.language or "zh-hans", params),
        out_id=out_id(message.idempotency_key),
    )
    return sms_provider().send(sms)


def out_id(idempotency_key: str) -> str:
    """Our id for the message at the provider (Alibaba's OutId, Tencent's SessionContext): the same for every try
    of one message, so its receipts and any copy sent twice can be told apart."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def quiet_hours_end(store: Store, now: datetime) -> datetime | None:
    """When the store's quiet hours end, if ``now`` is in them (None when it is not)."""
    start, end = store.quiet_hours_start, store.quiet_hours_end
    if start == end:
        return None
    local = now.astimezone(store.zone)
    t = local.time()
    quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not quiet:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=store.zone)


def _local_midnight(store: Store, now: datetime) -> datetime:
    return datetime.combine(now.astimezone(store.zone).date(), clock(0), tzinfo=store.zone)


def _number_record(phone: str, store: Store | None, now: datetime) -> tuple[bool, int]:
    """Whether ``phone`` opted out, and how many texts it was sent today (the store's day): one round trip."""
    since = _local_midnight(store, now) if store is not None else now
    with connection.cursor() as cursor:
        cursor.execute(_NUMBER_RECORD, [phone, Channel.SMS, phone, MessageStatus.SENT, since])
        opted_out, sent_today = cursor.fetchone()
    return opted_out, sent_today


_NUMBER_RECORD = (
    f"SELECT EXISTS (SELECT 1 FROM {SmsOptOut._meta.db_table} WHERE phone = %s), "
    f"(SELECT count(*) FROM {OutboxMessage._meta.db_table} "
    "WHERE channel = %s AND destination = %s AND status = %s AND sent_at >= %s)"
)


def _store(store_id) -> Store | None:
    if store_id is None:
        return None
    cached = _stores.get(store_id)
    if cached is None or time.monotonic() - cached[0] > _STORE_CACHE_SECONDS:
        store = Store.objects.filter(pk=store_id).only("timezone", "quiet_hours_start", "quiet_hours_end").first()
        cached = _stores[store_id] = (time.monotonic(), store)
    return cached[1]


def register() -> None:
    register_sender(Channel.SMS, send_sms)
