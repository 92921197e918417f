"""A complaint's next due time and escalation level are kept with its deadlines, whatever happens to them
(steps, holds, resumes, re-grading, reopening, the sweep's escalations), and the list orders and filters by
them as the deadlines say."""

import random
from datetime import datetime

import time_machine
from django.db.models import Max, Min

from complaints.models import Complaint, Deadline
from tests import helpers
from tests.helpers import MINUTE, T0


def assert_kept_as_the_deadlines_say() -> None:
    for complaint in Complaint.objects.all():
        open_deadlines = Deadline.objects.filter(complaint=complaint, closed_at__isnull=True)
        expected = (
            open_deadlines.filter(paused_at__isnull=True).aggregate(due=Min("due_at"))["due"],
            open_deadlines.aggregate(level=Max("level"))["level"] or 0,
        )
        assert (complaint.next_due_at, complaint.escalation_level) == expected, complaint.reference


def test_the_next_due_time_follows_every_change_to_the_deadlines(org, api, sla):
    rng = random.Random(20261204)
    frontline, supervisor = api(org.frontline1), api(org.supervisor1)
    moment = T0
    complaints = []
    for _ in range(12):
        moment += rng.randrange(1, 20) * MINUTE
        complaints.append(helpers.log_at(frontline, moment, severity=rng.choice(["low", "high", "critical"])))
    assert_kept_as_the_deadlines_say()
    for _ in range(60):
        moment += rng.randrange(1, 40) * MINUTE
        if rng.random() < 0.3:
            helpers.sweep(moment)  # reminders and escalations as due
        _random_step(rng, rng.choice(complaints), frontline, supervisor, moment)
        assert_kept_as_the_deadlines_say()
    _the_list_agrees(supervisor, moment)


def _random_step(rng: random.Random, complaint: str, frontline, supervisor, moment: datetime) -> None:
    step = rng.choice(["apologize", "respond", "follow-up", "close", "reopen", "hold", "resume", "severity"])
    body = {
        "hold": {"reason": "Waiting for the receipt", "until": (moment + rng.randrange(5, 90) * MINUTE).isoformat()},
        "resume": {},
        "severity": {"severity": rng.choice(["low", "medium", "high", "critical"]), "reason": "Re-graded"},
    }.get(step, helpers.STEP_BODIES.get(step))
    # A supervisor reopens, re-grades (lowering included) and holds (as often as it takes).
    with time_machine.travel(moment, tick=False):
        response = (supervisor if step in ("reopen", "severity", "hold") else frontline).step(complaint, step, body)
    # Not every step fits every status (409) or state (a hold twice): those change nothing.
    assert response.status_code in (200, 409), response.json()


def _the_list_agrees(user, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        by_due = user.get("/api/v1/complaints/", ordering="due", store="S1", page_size=100).json()["results"]
        overdue = user.get("/api/v1/complaints/", overdue="true", page_size=100).json()["results"]
    dues = [row["next_due_at"] for row in by_due]
    running = [due for due in dues if due is not None]
    assert running, "the walk left something running"
    assert dues == sorted(running) + [None] * (len(dues) - len(running))  # soonest first, nothing due last
    expected = {str(pk) for pk in Complaint.objects.filter(next_due_at__lte=moment).values_list("pk", flat=True)}
    assert {row["id"] for row in overdue} == expected
    assert all(row["overdue"] for row in overdue)
