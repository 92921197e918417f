"""Celery tasks of the recovery app: thin, idempotent, taking ids; the work is in ``reminders``.

Nothing waits in the broker for a due time: beat runs the sweep every few seconds and the due
times are database rows. The sweep does the deadlines' work itself, a batch per transaction; the
notifications' emails it writes are outbox rows, sent by the outbox's worker (``outbox.tasks``).
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

logger = logging.getLogger(__name__)


def _moment(now: str | None):
    # Beat sends no time: the sweep runs on the clock. Tests may inject one (ISO 8601).
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(ignore_result=True)
def sweep_due(now: str | None = None) -> dict[str, int]:
    """Do what is due, batch after batch while batches come full, for at most 80% of one beat
    interval; a backlog left then is taken up by another sweep at once.

    ``SLA_SWEEP_THREADS`` threads sweep side by side, each on its own database connection, skipping
    each other's rows: while one waits on PostgreSQL, another works in Python. Returns how many due
    deadlines it worked on.
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
    return {"deadlines": sum(run.deadlines for run in runs)}


@dataclass
class _Run:
    deadlines: int = 0
    unfinished: bool = False  # the time ran out with batches still coming full


def _sweep_batches(moment: datetime, now: str | None, budget_ends: float, *, own_connection: bool = False) -> _Run:
    run = _Run()
    try:
        while True:
            swept = reminders.due_batch_sweep(now=moment)
            run.deadlines += swept.handled
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
    return {"deadlines": swept.handled}


def _send(task, *args) -> bool:
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:
        logger.warning("broker unreachable, %s not sent; the sweep will retry: %s", task.name, exc)
        return False
    return True


@shared_task(ignore_result=True)
def anonymize_customers_past_retention(now: str | None = None) -> int:
    """Daily: forget the customers whose last complaint is older than ``CUSTOMER_RETENTION_DAYS``. Idempotent."""
    return privacy.customers_anonymize_past_retention(now=_moment(now))
