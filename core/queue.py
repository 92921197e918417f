"""Sending Celery tasks after the current transaction commits, tolerating a broker that is down.

Tasks are named rather than imported: services send them, and tasks call services, so naming the
message (as a URL names a view) keeps the import graph pointing one way.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send ``task_name(*args)`` once the current transaction commits; if the broker is down, log and go on.

    The broker's short timeouts (settings: REDIS_TIMEOUT_SECONDS) keep a dead or hung Redis from
    holding up the request; what was not sent is found again by the sweep once Redis is back.
    """

    def send() -> None:
        try:
            current_app.send_task(task_name, args=args, retry=False)
        except Exception as exc:  # the broker is unreachable: the sweep will find the row again
            logger.warning("could not enqueue %s%r, the sweep will retry: %s", task_name, args, exc)

    transaction.on_commit(send)
