"""Reminders and escalations as time passes, through a real Celery worker on Redis and PostgreSQL.

Time is injected: each sweep is beat's task sent with an explicit ``now``, which the tasks it
leads to carry on; API calls run under time-machine at the moment the story needs.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from complaints.models import Complaint, ComplaintEvent, Deadline
from outbox import sending
from recovery import reminders
from recovery.models import Notification
from staff.models import OpeningHours
from tests.helpers import MINUTE, T0, Api, email_of, log_at, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sweep(worker_sweep):
    return worker_sweep


def told(user) -> list[tuple[str, str, int]]:
    return [(n.kind, n.step, n.level) for n in Notification.objects.filter(recipient=user).order_by("id")]


def at(moment: datetime, api: Api, method: str, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return getattr(api, method)(*args, **kwargs)


def test_an_unapologized_critical_complaint_is_reminded_then_escalated_level_by_level(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="critical")

    sweep(T0 + 3 * MINUTE)
    assert told(org.frontline1) == []

    sweep(T0 + 4 * MINUTE)  # 80% of the 5-minute window
    assert told(org.frontline1) == [("reminder", "apologize", 0)]
    reminder = Notification.objects.get(recipient=org.frontline1)
    assert "Apologize to Ms. Wang about S1-20261123-0001 by 11-23 12:05" in reminder.text

    sweep(T0 + 5 * MINUTE)  # due: the store's supervisors
    assert told(org.supervisor1) == [("escalation", "apologize", 1)]
    assert told(org.supervisor2) == []  # another store's
    escalation = Notification.objects.get(recipient=org.supervisor1).text
    assert "S1-20261123-0001 is overdue: the apology was due by 11-23 12:05 (escalation level 1)" in escalation
    detail = at(T0 + 5 * MINUTE, frontline1, "get", f"/api/v1/complaints/{complaint_id}/").json()
    assert (detail["escalation_level"], detail["overdue"]) == (1, True)
    assert detail["events"][-1]["kind"] == "escalated"
    assert detail["events"][-1]["data"] | {"due_at": None} == {
        "step": "apologize",
        "level": 1,
        "due_at": None,
        "to_role": "supervisor",
        "notified": ["supervisor1"],
    }
    overdue = at(T0 + 5 * MINUTE, api(org.supervisor1), "get", "/api/v1/complaints/", overdue="true").json()
    assert [c["id"] for c in overdue["results"]] == [complaint_id]

    sweep(T0 + 15 * MINUTE)  # one interval later: the region's manager (and the response is now due too)
    assert told(org.manager1) == [("escalation", "apologize", 2)]
    assert told(org.supervisor1) == [("escalation", "apologize", 1), ("escalation", "respond", 1)]
    sweep(T0 + 25 * MINUTE)
    assert ("escalation", "apologize", 3) in told(org.admin)
    assert told(org.manager_other_region) == []
    assert Complaint.objects.get(pk=complaint_id).escalation_level == 3

    # Each was told once, by the inbox and by email, however often the sweep ran.
    for moment in (T0 + 25 * MINUTE, T0 + 26 * MINUTE):
        sweep(moment)
    assert told(org.frontline1) == [("reminder", "apologize", 0)]
    assert len(mail.outbox) == Notification.objects.count()
    by_level = ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="escalated")
    assert sorted((e.data["step"], e.data["level"]) for e in by_level) == [
        ("apologize", 1),
        ("apologize", 2),
        ("apologize", 3),
        ("respond", 1),
        ("respond", 2),
    ]


def test_a_phone_complaint_an_hour_before_closing_falls_due_the_next_morning(org, sweep, api, sla):
    for weekday in range(7):
        OpeningHours.objects.create(store=org.s1, weekday=weekday, opens=time(10), closes=time(22))
    frontline1 = api(org.frontline1)
    evening = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai; closes at 22:00
    complaint_id = log_at(frontline1, evening, channel="phone", severity="medium")  # 2 h to apologize

    detail = at(evening, frontline1, "get", f"/api/v1/complaints/{complaint_id}/").json()
    assert detail["next_due_at"] == "2026-11-24T03:00:00Z"  # 11:00 the next morning
    next_morning = datetime(2026, 11, 24, 2, 36, tzinfo=UTC)  # 10:36: 80% of two open hours

    sweep(evening + timedelta(hours=5))  # 02:00 at night: nothing is due
    assert told(org.frontline1) == []
    sweep(next_morning)
    assert told(org.frontline1) == [("reminder", "apologize", 0)]
    sweep(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert told(org.supervisor1) == [("escalation", "apologize", 1)]


def test_time_on_hold_does_not_count(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="critical")
    held = at(
        T0 + MINUTE,
        frontline1,
        "step",
        complaint_id,
        "hold",
        {"reason": "Fetching her receipt from the car", "until": (T0 + 61 * MINUTE).isoformat()},
    )
    assert held.status_code == 200, held.json()
    assert held.json()["deadlines"][0]["paused"] is True

    sweep(T0 + 10 * MINUTE)  # long past the 5 minutes, but on hold
    assert Notification.objects.count() == 0
    assert at(T0 + 10 * MINUTE, frontline1, "get", f"/api/v1/complaints/{complaint_id}/").json()["overdue"] is False

    resumed = at(T0 + 31 * MINUTE, frontline1, "step", complaint_id, "resume", {})
    assert resumed.status_code == 200
    apologize = Deadline.objects.get(complaint_id=complaint_id, step="apologize")
    assert apologize.due_at == T0 + 35 * MINUTE  # 5 minutes, plus the 30 on hold
    sweep(T0 + 33 * MINUTE)
    assert told(org.frontline1) == []
    sweep(T0 + 34 * MINUTE)
    assert told(org.frontline1) == [("reminder", "apologize", 0)]


def test_a_hold_that_runs_out_resumes_by_itself(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="critical")
    at(T0 + MINUTE, frontline1, "step", complaint_id, "hold", {"reason": "x", "until": (T0 + 20 * MINUTE).isoformat()})

    sweep(T0 + 20 * MINUTE)

    complaint = Complaint.objects.get(pk=complaint_id)
    assert complaint.on_hold_until is None
    assert ComplaintEvent.objects.filter(complaint=complaint).last().kind == "resumed"
    assert Deadline.objects.get(complaint=complaint, step="apologize").due_at == T0 + 24 * MINUTE


def test_the_follow_up_reminder_comes_24_hours_after_responding(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="low")
    responded_at = T0 + 10 * MINUTE
    at(responded_at, frontline1, "step", complaint_id, "apologize", {"note": "Sorry"})
    at(responded_at, frontline1, "step", complaint_id, "respond", {"resolution": "Replaced it"})

    sweep(responded_at + timedelta(hours=24) - MINUTE)
    assert told(org.frontline1) == []
    sweep(responded_at + timedelta(hours=24))

    assert told(org.frontline1) == [("follow_up_due", "follow_up", 0)]
    inbox = at(responded_at + timedelta(hours=24), frontline1, "get", "/api/v1/notifications/").json()["results"]
    assert inbox[0]["text"] == "Follow up with Ms. Wang about S1-20261123-0001."
    assert inbox[0]["complaint"] == complaint_id
    assert inbox[0]["read"] is False


def test_an_undecided_approval_goes_to_the_manager_after_10_minutes(org, sweep, api, sla, limits):
    frontline1, supervisor1, manager1 = api(org.frontline1), api(org.supervisor1), api(org.manager1)
    complaint_id = log_at(frontline1, T0)
    at(T0, frontline1, "step", complaint_id, "apologize", {"note": "Sorry"})
    body = at(T0 + MINUTE, frontline1, "respond", complaint_id, ("voucher", "60.00")).json()
    approval_id = body["pending_approval"]["id"]

    sweep(T0 + MINUTE)  # approvers hear of it at once
    assert told(org.supervisor1) == [("approval_requested", "approval", 0)]
    assert told(org.manager1) == []
    sweep(T0 + 10 * MINUTE)
    assert told(org.manager1) == []

    sweep(T0 + 11 * MINUTE)

    assert told(org.manager1) == [("approval_escalated", "approval", 0)]
    approval = at(T0 + 11 * MINUTE, manager1, "get", f"/api/v1/approvals/{approval_id}/").json()
    assert (approval["approver_role"], approval["can_decide"]) == ("manager", True)
    sent_up = ComplaintEvent.objects.filter(complaint_id=complaint_id).last()
    assert (sent_up.kind, sent_up.actor) == ("approval_escalated", None)
    assert sent_up.data | {"approval": None} == {
        "approval": None,
        "from_role": "supervisor",
        "to_role": "manager",
        "reason": "not decided in time",
    }
    assert at(T0 + 12 * MINUTE, supervisor1, "post", f"/api/v1/approvals/{approval_id}/approve/").status_code == 403
    assert at(T0 + 12 * MINUTE, manager1, "post", f"/api/v1/approvals/{approval_id}/approve/").status_code == 200


def test_a_step_done_before_its_due_time_cancels_what_was_pending(org, sweep, api, sla, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id = log_at(frontline1, T0, severity="critical")
    at(T0 + 2 * MINUTE, frontline1, "step", complaint_id, "apologize", {"note": "Sorry"})

    for minutes in (4, 5, 11):
        sweep(T0 + minutes * MINUTE)
    assert told(org.frontline1) == []
    sweep(T0 + 12 * MINUTE)  # the response is still to come
    assert told(org.frontline1) == [("reminder", "respond", 0)]

    body = at(T0 + 13 * MINUTE, frontline1, "respond", complaint_id, ("voucher", "60.00")).json()
    sweep(T0 + 13 * MINUTE)
    at(T0 + 14 * MINUTE, supervisor1, "post", f"/api/v1/approvals/{body['pending_approval']['id']}/approve/")
    sweep(T0 + 30 * MINUTE)  # approved in a minute: nothing escalates
    assert told(org.manager1) == []
    assert not ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="escalated").exists()


def test_a_sweep_run_twice_at_the_same_moment_tells_once(org, api, sla):
    log_at(api(org.frontline1), T0, severity="critical")
    now = T0 + 4 * MINUTE

    first = reminders.due_batch_sweep(now=now)
    second = reminders.due_batch_sweep(now=now)
    email = email_of(Notification.objects.get())
    assert [sending.outbox_message_send(email.pk, now=now) for _ in range(2)] == ["sent", None]  # a task run twice

    assert (first.handled, second.handled) == (1, 0)
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["frontline1@example.com"]


def test_reopening_starts_fresh_windows_not_an_instant_breach(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="critical")
    with time_machine.travel(T0 + MINUTE, tick=False):
        for step, body in [
            ("apologize", {"note": "Sorry"}),
            ("respond", {"resolution": "Fixed"}),
            ("follow-up", {"outcome": "Happy", "satisfaction": 5}),
            ("close", {"closure_code": "resolved", "servqual_dimension": "empathy", "blueprint_area": "front_stage"}),
        ]:
            assert frontline1.step(complaint_id, step, body).status_code == 200
    reopened_at = T0 + timedelta(days=3)
    at(reopened_at, frontline1, "step", complaint_id, "reopen", {"reason": "Called back"})

    assert Deadline.objects.get(complaint_id=complaint_id, closed_at=None).due_at == reopened_at + 15 * MINUTE
    sweep(reopened_at)
    assert Notification.objects.count() == 0


def test_raising_the_severity_brings_the_due_times_forward(org, sweep, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="high")  # in person: 10 minutes to apologize
    response = at(T0 + MINUTE, frontline1, "step", complaint_id, "severity", {"severity": "critical", "reason": "Ill"})
    assert response.status_code == 200
    assert response.json()["next_due_at"] == (T0 + 5 * MINUTE).isoformat().replace("+00:00", "Z")
    sweep(T0 + 4 * MINUTE)
    assert told(org.frontline1) == [("reminder", "apologize", 0)]


def test_two_sweeps_at_once_hand_out_each_due_deadline_once(org, sla):
    frontline1 = Api(org.frontline1)
    for n in range(30):
        log_at(frontline1, T0, severity="critical", customer={"phone": f"+86 138 0000 {n:04d}"})

    results = run_at_once(2, lambda i: reminders.due_batch_sweep(now=T0 + 4 * MINUTE, limit=1000))

    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result.handled for result in results) == 30
    assert Notification.objects.filter(kind="reminder").count() == 30
    assert reminders.due_batch_sweep(now=T0 + 4 * MINUTE).handled == 0


def test_one_deadline_swept_by_four_workers_at_once_notifies_once(org, sla):
    log_at(Api(org.frontline1), T0, severity="critical")

    results = run_at_once(4, lambda i: reminders.due_batch_sweep(now=T0 + 4 * MINUTE))

    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result.handled for result in results) == 1
    assert Notification.objects.count() == 1
