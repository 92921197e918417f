"""Celery tasks of the recovery app: thin, idempotent, taking ids; the work is in ``reminders``.

Nothing waits in the broker for a due time: beat runs the sweep every few seconds and the due
times are database rows. The sweep does the deadlines' work itself, a batch per transaction, and
hands the emails to other tasks, a batch per message; an email task lost with Redis or with its
worker is found again by the sweep once its lease runs out.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from recovery import reminders
from recovery.customers import privacy
from recovery.notices import notifications
from recovery.surveys import invitations

logger = logging.getLogger(__name__)


def _moment(now: str | None):
    # Beat sends no time: the sweep runs on the clock. Tests may inject one (ISO 8601).
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(ignore_result=True)
def sweep_due(now: str | None = None) -> dict[str, int]:
    """Do what is due, batch after batch while batches come full, for at most 80% of one beat
    interval; a backlog left then is taken up by another sweep at once. Then hand out the emails
    whose task was lost.

    ``SLA_SWEEP_THREADS`` threads sweep side by side, each on its own database connection, skipping
    each other's rows: while one waits on PostgreSQL, another works in Python. Returns the due
    deadlines it worked on and the email tasks it sent (one per batch of emails).
    """
    moment = _moment(now)
    budget_ends = time.monotonic() + settings.SLA_SWEEP_SECONDS * 0.8
    threads = settings.SLA_SWEEP_THREADS
    if threads == 1:
        runs = [_sweep_batches(moment, now, budget_ends)]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            runs = list(
                pool.map(lambda _: _sweep_batches(moment, now, budget_ends, own_connection=True), range(threads))
            )
    if any(run.unfinished for run in runs):
        _send(sweep_due, now)
    totals = {"deadlines": sum(run.deadlines for run in runs), "email_tasks": sum(run.email_tasks for run in runs)}
    while email_ids := reminders.emails_claim(now=moment):
        if not _send(send_notification_emails, email_ids, now):
            break  # the broker is down: the lease brings these back at a later beat
        totals["email_tasks"] += 1
        if len(email_ids) < settings.SLA_SWEEP_BATCH:
            break
    return totals


@dataclass
class _Run:
    deadlines: int = 0
    email_tasks: int = 0
    unfinished: bool = False  # the time ran out with batches still coming full


def _sweep_batches(moment: datetime, now: str | None, budget_ends: float, *, own_connection: bool = False) -> _Run:
    run = _Run()
    try:
        while True:
            swept = reminders.due_batch_sweep(now=moment)
            run.deadlines += swept.handled
            # The broker down: the emails stay pending, to be handed out once their lease runs out.
            if swept.notification_ids and _send(send_notification_emails, swept.notification_ids, now):
                run.email_tasks += 1
            if swept.found < settings.SLA_SWEEP_BATCH:
                return run
            if time.monotonic() > budget_ends:
                run.unfinished = True
                return run
    finally:
        if own_connection:
            connection.close()


@shared_task(ignore_result=True, acks_late=True)
def sweep_complaint(complaint_id: str, now: str | None = None) -> dict[str, int]:
    """What is due on one complaint, now rather than at the next beat (approvers hear of a request at once)."""
    swept = reminders.due_batch_sweep(now=_moment(now), complaint_id=complaint_id)
    sent = bool(swept.notification_ids) and _send(send_notification_emails, swept.notification_ids, now)
    return {"deadlines": swept.handled, "email_tasks": int(sent)}


def _send(task, *args) -> bool:
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:
        logger.warning("broker unreachable, %s not sent; the sweep will retry: %s", task.name, exc)
        return False
    return True


@shared_task(ignore_result=True, acks_late=True)
def send_notification_emails(notification_ids: list[int], now: str | None = None) -> int:
    """Returns how many emails it sent."""
    return notifications.notification_emails_send(notification_ids, now=_moment(now))


@shared_task(ignore_result=True, acks_late=True)
def send_survey_email(invitation_id: int, now: str | None = None) -> bool:
    """Returns whether it sent the email (a second delivery finds it sent)."""
    return invitations.survey_email_send(invitation_id, now=_moment(now))


@shared_task(ignore_result=True)
def anonymize_customers_past_retention(now: str | None = None) -> int:
    """Daily: forget the customers whose last complaint is older than ``CUSTOMER_RETENTION_DAYS``. Idempotent."""
    return privacy.customers_anonymize_past_retention(now=_moment(now))
