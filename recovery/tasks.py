"""Celery tasks of the recovery app: thin, idempotent, taking ids; the work is in ``reminders``.

Nothing waits in the broker for a due time: beat runs the sweep every few seconds and the due
times are database rows. A task lost with Redis or with its worker is found again by the sweep
once its lease runs out.
"""

import logging

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


@shared_task(ignore_result=True)
def sweep_due() -> dict[str, int]:
    """Claim due deadlines and unsent emails (SKIP LOCKED) and enqueue a small task for each."""
    now = timezone.now()
    deadline_ids = reminders.deadlines_claim(now=now)
    email_ids = reminders.emails_claim(now=now)
    with transaction.atomic():
        for deadline_id in deadline_ids:
            enqueue(process_deadline, deadline_id)
        for notification_id in email_ids:
            enqueue(send_notification_email, notification_id)
    return {"deadlines": len(deadline_ids), "emails": len(email_ids)}


@shared_task(ignore_result=True, acks_late=True)
def process_deadline(deadline_id: int) -> None:
    with transaction.atomic():
        for notification_id in reminders.deadline_process(deadline_id, now=timezone.now()):
            enqueue(send_notification_email, notification_id)


@shared_task(ignore_result=True, acks_late=True)
def send_notification_email(notification_id: int) -> None:
    reminders.notification_email_send(notification_id, now=timezone.now())
