"""Celery tasks of the recovery app: thin, idempotent, taking ids; the work is in ``reminders``.

Nothing waits in the broker for a due time: beat runs the sweep every few seconds and the due
times are database rows. A task lost with Redis or with its worker is found again by the sweep
once its lease runs out.
"""

import logging
import time
from datetime import datetime

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.queue import enqueue_on_commit
from recovery import reminders
from recovery.services import notifications

logger = logging.getLogger(__name__)


def _moment(now: str | None):
    # Beat sends no time: the sweep runs on the clock. Tests may inject one (ISO 8601).
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(ignore_result=True)
def sweep_due(now: str | None = None) -> dict[str, int]:
    """Claim due deadlines and unsent emails (SKIP LOCKED) and enqueue a small task for each.

    Batch after batch while rows are due, for at most 80% of one beat interval: a backlog (after
    an outage) drains at the broker's pace, and no batch outlives its lease mid-sweep.
    """
    moment = _moment(now)
    budget_ends = time.monotonic() + settings.SLA_SWEEP_SECONDS * 0.8
    totals = {"deadlines": 0, "emails": 0}
    while True:
        deadline_ids = reminders.deadlines_claim(now=moment)
        email_ids = reminders.emails_claim(now=moment)
        totals["deadlines"] += len(deadline_ids)
        totals["emails"] += len(email_ids)
        published = _publish(
            [(process_deadline, i) for i in deadline_ids] + [(send_notification_email, i) for i in email_ids], now
        )
        full = len(deadline_ids) == reminders.SWEEP_BATCH or len(email_ids) == reminders.SWEEP_BATCH
        if not (published and full) or time.monotonic() > budget_ends:
            return totals


def _publish(messages: list, now: str | None) -> bool:
    """Publish the claimed rows' tasks; stop at the first failure (the lease brings the rest back)."""
    sent = 0
    try:
        # One producer (one broker connection) for the batch, rather than one from the pool per message.
        with current_app.producer_or_acquire() as producer:
            for task, row_id in messages:
                task.apply_async(args=(row_id, now), retry=False, producer=producer)
                sent += 1
    except Exception as exc:
        logger.warning("broker unreachable after %d of %d messages; the sweep will retry: %s", sent, len(messages), exc)
        return False
    return True


@shared_task(ignore_result=True, acks_late=True)
def process_deadline(deadline_id: int, now: str | None = None) -> int:
    """Returns how many emails it enqueued."""
    with transaction.atomic():
        notification_ids = reminders.deadline_process(deadline_id, now=_moment(now))
        for notification_id in notification_ids:
            enqueue_on_commit(send_notification_email.name, notification_id, now)
    return len(notification_ids)


@shared_task(ignore_result=True, acks_late=True)
def send_notification_email(notification_id: int, now: str | None = None) -> None:
    notifications.notification_email_send(notification_id, now=_moment(now))
