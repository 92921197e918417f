"""Sending Celery tasks after the current transaction commits, tolerating a broker that is down.

Tasks are named rather than imported: services send them, and tasks call services, so naming the
message (as a URL names a view) keeps the import graph pointing one way.

Every task sent from here is a shortcut, never the only way the work gets done: what it would do is
found in the database by beat's sweep when it is lost (``recovery.tasks.sweep_due``: a due deadline,
an email whose lease ran out). So a broker that is down or hung costs a request at most one short try.
"""

import logging
import time

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# After a failed send, this process sends nothing for BROKER_PAUSE_SECONDS: with Redis hung, each try
# would hold a request for the broker's timeouts, and the sweep does the work anyway once it is back.
_failed_at = -float("inf")


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send ``task_name(*args)`` once the current transaction commits; if the broker is down, log and go on.

    The broker's short timeouts (settings: REDIS_TIMEOUT_SECONDS) keep a dead or hung Redis from
    holding up the request; what was not sent is found again by the sweep once Redis is back.
    """
    transaction.on_commit(lambda: _send(task_name, args))


def _send(task_name: str, args: tuple) -> None:
    global _failed_at
    if time.monotonic() - _failed_at < settings.BROKER_PAUSE_SECONDS:
        logger.info("broker paused after a failure, %s%r not sent; the sweep will do it", task_name, args)
        return
    try:
        # No result is kept or waited for (a task's effect is in the database), whatever the backend.
        current_app.send_task(task_name, args=args, retry=False, ignore_result=True)
    except Exception as exc:  # the broker is unreachable: the sweep will find the row again
        _failed_at = time.monotonic()  # a race between threads is harmless: either moment will do
        logger.warning("could not enqueue %s%r, the sweep will retry: %s", task_name, args, exc)
