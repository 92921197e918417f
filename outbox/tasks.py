"""The outbox's Celery tasks: thin, idempotent; the work is in ``outbox.sending``.

Beat runs ``outbox_send_due`` every ``OUTBOX_POLL_SECONDS``; a change that wants its message out at once
(``send_now``) sends ``outbox_send`` with the ids after its commit. Either finds each row again in the
database and claims it, so a task delivered twice, or both at once, sends nothing twice.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from outbox import sending

logger = logging.getLogger(__name__)


def _moment(now: str | None) -> datetime:
    # Beat sends no time; tests inject one (ISO 8601).
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(ignore_result=True, acks_late=True)
def outbox_send(message_ids: list[int], now: str | None = None) -> int:
    """Send these messages if they are due; returns how many were tried."""
    return _send_all(message_ids, _moment(now))


@shared_task(ignore_result=True)
def outbox_send_due(now: str | None = None) -> int:
    """Send what is due, batch after batch, for at most 80% of a poll interval; returns how many were tried.

    A batch longer than ``OUTBOX_CHUNK`` is shared out: its other chunks go to the broker as ``outbox_send`` tasks,
    for the worker's other processes (one process is bound by its interpreter's lock); the broker down, this task
    sends them itself. Each row is claimed as it is sent, so a chunk sent twice sends nothing twice.
    """
    moment = _moment(now)
    budget_ends = time.monotonic() + settings.OUTBOX_POLL_SECONDS * 0.8
    tried = 0
    while ids := sending.outbox_due_ids(now=moment, limit=settings.OUTBOX_BATCH):
        chunk = settings.OUTBOX_CHUNK
        own = ids[:chunk]
        for start in range(chunk, len(ids), chunk):
            if not _hand_out(ids[start : start + chunk], now):
                own += ids[start : start + chunk]
        tried += _send_all(own, moment)
        if len(ids) < settings.OUTBOX_BATCH or time.monotonic() > budget_ends:
            break
    return tried


def _hand_out(ids: list[int], now: str | None) -> bool:
    try:
        outbox_send.apply_async(args=(ids, now), retry=False)
    except Exception as exc:  # the broker is down: the caller sends them
        logger.warning("broker unreachable, outbox chunk kept: %s", exc)
        return False
    return True


def _send_all(ids: list[int], moment: datetime) -> int:
    """Each row in its own transaction, ``OUTBOX_SEND_THREADS`` at a time (while one waits on a provider,
    the others send), each thread on its own database connection."""
    threads = min(settings.OUTBOX_SEND_THREADS, len(ids))
    if threads <= 1:
        return sum(sending.outbox_message_send(pk, now=moment) is not None for pk in ids)

    def send_share(share: list[int]) -> int:
        try:
            return sum(sending.outbox_message_send(pk, now=moment) is not None for pk in share)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return sum(pool.map(send_share, [ids[n::threads] for n in range(threads)]))
