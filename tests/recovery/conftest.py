"""A real Celery worker for the scheduling tests, and a sweep that goes through it."""

import queue
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from celery.signals import task_postrun

from config.celery import app
from outbox import tasks as outbox_tasks
from recovery import tasks
from tests.helpers import emails_unsent, purge_queue
from tests.processes import thread_worker


class Finished:
    """Tasks as the worker finishes them (name, return value), to wait on instead of sleeping."""

    def __init__(self) -> None:
        self.done: queue.Queue[tuple[str, object]] = queue.Queue()

    def on_postrun(self, sender=None, retval=None, **kwargs) -> None:
        self.done.put((sender.name, retval))

    def wait_for(self, name: str, count: int = 1, timeout: float = 20) -> list[object]:
        """The return values of the next ``count`` runs of task ``name`` (other tasks' ends are dropped)."""
        give_up = time.monotonic() + timeout
        values = []
        while len(values) < count:
            finished, value = self.done.get(timeout=max(give_up - time.monotonic(), 0.01))
            if finished == name:
                values.append(value)
        return values

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        """Until ``condition()`` holds, asked again as each task ends (a task of the worker makes it true)."""
        give_up = time.monotonic() + timeout
        while not condition():
            self.done.get(timeout=max(give_up - time.monotonic(), 0.01))


@pytest.fixture
def finished():
    tracker = Finished()
    task_postrun.connect(tracker.on_postrun, weak=False)
    yield tracker
    task_postrun.disconnect(tracker.on_postrun)


@pytest.fixture
def worker(finished):
    """A real worker thread on the real broker (Redis db 15), on an empty queue."""
    purge_queue()
    with thread_worker(app) as started:
        yield started


@pytest.fixture
def worker_sweep(worker, finished) -> Callable[[datetime], None]:
    """One beat at an injected moment, through the worker: the sweep task, then every task it led to."""

    def sweep(now: datetime) -> None:
        moment = now.isoformat()
        tasks.sweep_due.delay(now=moment)
        finished.wait_for("recovery.tasks.sweep_due")
        outbox_tasks.outbox_send_due.delay(now=moment)  # beat's poll of the outbox (the sweep's own tasks may race it)
        finished.wait_until(lambda: not emails_unsent())

    return sweep
