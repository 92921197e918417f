"""Celery tasks of the recovery app: thin, idempotent, taking ids; the work is in ``reminders``.

Nothing waits in the broker for a due time: beat runs the sweep every few seconds and the due
times are database rows. A task lost with Redis or with its worker is found again by the sweep
once its lease runs out.
"""

import logging
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from recovery import reminders

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Send ``task`` after the current transaction commits; if the broker is down, say so and go on.

    The broker's short timeouts (settings: REDIS_TIMEOUT_SECONDS) keep a dead or hung Redis from
    holding up the request; the sweep sends what was not enqueued once Redis is back.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception as exc:  # the broker is unreachable: the sweep will find the row again
            logger.warning("could not enqueue %s%r, the sweep will retry: %s", task.name, args, exc)

    transaction.on_commit(send)


def _moment(now: str | None):
    # Beat sends no time: the sweep runs on the clock. Tests may inject one (ISO 8601).
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(ignore_result=True)
def sweep_due(now: str | None = None) -> dict[str, int]:
    """Claim due deadlines and unsent emails (SKIP LOCKED) and enqueue a small task for each."""
    moment = _moment(now)
    # The claims are committed: publish now, and stop at the first failure rather than wait on a
    # dead broker once per row; the rows not sent are claimed again when their lease runs out.
    deadline_ids = reminders.deadlines_claim(now=moment)
    email_ids = reminders.emails_claim(now=moment)
    messages = [(process_deadline, i) for i in deadline_ids] + [(send_notification_email, i) for i in email_ids]
    for sent, (task, row_id) in enumerate(messages):
        try:
            task.apply_async(args=(row_id, now), retry=False)
        except Exception as exc:
            logger.warning(
                "broker unreachable after %d of %d messages; the sweep will retry: %s", sent, len(messages), exc
            )
            break
    return {"deadlines": len(deadline_ids), "emails": len(email_ids)}


@shared_task(ignore_result=True, acks_late=True)
def process_deadline(deadline_id: int, now: str | None = None) -> int:
    """Returns how many emails it enqueued."""
    with transaction.atomic():
        notification_ids = reminders.deadline_process(deadline_id, now=_moment(now))
        for notification_id in notification_ids:
            enqueue(send_notification_email, notification_id, now)
    return len(notification_ids)


@shared_task(ignore_result=True, acks_late=True)
def send_notification_email(notification_id: int, now: str | None = None) -> None:
    reminders.notification_email_send(notification_id, now=_moment(now))
