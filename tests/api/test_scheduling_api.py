"""The scheduling API: SLA policies (admins), holds, due-time fields and filters, the inbox."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, Deadline
from recovery.models import Notification
from staff.models import OpeningHours
from tests.helpers import MINUTE, T0, log_at, sweep
from tests.web.test_pages import signed_in

# --- SLA policies ---------------------------------------------------------------------------------


def test_admins_read_and_change_sla_policies(org, api, sla):
    admin = api(org.admin)
    policies = admin.get("/api/v1/sla-policies/").json()
    critical = next(p for p in policies if (p["severity"], p["channel"]) == ("critical", "in_person"))
    assert critical | {"id": None} == {
        "id": None,
        "severity": "critical",
        "channel": "in_person",
        "tier": None,
        "apologize_within": 300,
        "respond_within": 900,
        "follow_up_after": 86400,
        "approval_within": 600,
        "escalate_every": 600,
    }

    changed = admin.client.patch(f"/api/v1/sla-policies/{critical['id']}/", {"apologize_within": 240}, format="json")

    assert changed.status_code == 200
    assert changed.json()["apologize_within"] == 240
    with time_machine.travel(T0, tick=False):
        complaint = admin.log(store="S1", severity="critical").json()
    assert complaint["next_due_at"] == "2026-11-23T04:04:00Z"  # new complaints use the new window


@pytest.mark.parametrize("role", ["frontline1", "supervisor1", "manager1"])
def test_only_admins_touch_sla_policies(org, api, sla, role):
    client = api(getattr(org, role))
    policy_id = sla[("critical", None)].pk
    assert client.get("/api/v1/sla-policies/").status_code == 403
    assert client.get(f"/api/v1/sla-policies/{policy_id}/").status_code == 403
    response = client.client.patch(f"/api/v1/sla-policies/{policy_id}/", {"apologize_within": 1}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{"apologize_within": 10}, {"respond_within": "soon"}, {"escalate_every": -60}, {"approval_within": 10**9}],
)
def test_bad_sla_windows_are_400_and_change_nothing(org, api, sla, body):
    policy = sla[("critical", None)]
    response = api(org.admin).client.patch(f"/api/v1/sla-policies/{policy.pk}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == list(body)
    policy.refresh_from_db()
    assert policy.apologize_within == 30 * 60


def test_an_unknown_policy_is_404(org, api, sla):
    assert api(org.admin).get("/api/v1/sla-policies/999999/").status_code == 404


# --- Holds ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "field"),
    [(T0 - MINUTE, "until"), (T0 + timedelta(days=31), "until"), ("tomorrow", "until"), (None, "until")],
)
def test_a_hold_needs_a_sensible_until(org, api, sla, until, field):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0)
    body = {"reason": "Waiting for the receipt", "until": until.isoformat() if isinstance(until, datetime) else until}
    with time_machine.travel(T0, tick=False):
        response = frontline1.step(complaint_id, "hold", body)
    assert response.status_code == 400
    assert field in response.json()
    assert Complaint.objects.get(pk=complaint_id).on_hold_until is None


def test_holding_twice_or_resuming_what_is_not_held_is_409(org, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0)
    body = {"reason": "Receipt", "until": (T0 + 30 * MINUTE).isoformat()}
    with time_machine.travel(T0, tick=False):
        assert frontline1.step(complaint_id, "resume", {}).json()["code"] == "not_on_hold"
        assert frontline1.step(complaint_id, "hold", body).status_code == 200
        again = frontline1.step(complaint_id, "hold", body)
    assert (again.status_code, again.json()["code"]) == (409, "on_hold")


def test_taking_a_step_ends_the_hold(org, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, T0, severity="critical")
    with time_machine.travel(T0 + MINUTE, tick=False):
        frontline1.step(complaint_id, "hold", {"reason": "Receipt", "until": (T0 + 60 * MINUTE).isoformat()})
    with time_machine.travel(T0 + 11 * MINUTE, tick=False):
        body = frontline1.step(complaint_id, "apologize", {"note": "Sorry"}).json()
    assert body["on_hold_until"] is None
    respond = next(d for d in body["deadlines"] if d["step"] == "respond")
    assert (respond["paused"], respond["due_at"]) == (False, "2026-11-23T04:25:00Z")  # 15 min + 10 on hold


def test_another_stores_complaint_cannot_be_held(org, api, sla):
    complaint_id = log_at(api(org.frontline3), T0)
    with time_machine.travel(T0, tick=False):
        response = api(org.frontline1).step(complaint_id, "hold", {"reason": "x", "until": "2026-11-23T05:00:00Z"})
    assert response.status_code == 404


# --- What frontline staff may not do alone: put off escalation by holds, lower the severity ------------------

DAY = timedelta(days=1)


def hold(api_client, complaint_id: str, *, at: datetime, until: datetime):
    with time_machine.travel(at, tick=False):
        return api_client.step(complaint_id, "hold", {"reason": "Waiting for the receipt", "until": until.isoformat()})


def offered(api_client, complaint_id: str) -> dict:
    return api_client.get(f"/api/v1/complaints/{complaint_id}/").json()["available_actions"]


def test_frontline_staff_hold_for_a_week_at_most_a_supervisor_for_up_to_30_days(org, api, sla):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id = log_at(frontline1, T0)

    too_long = hold(frontline1, complaint_id, at=T0, until=T0 + 8 * DAY)

    assert too_long.status_code == 400
    assert too_long.json() == {
        "until": ["A moment in the future, at most 7 days ahead; a supervisor may hold it for up to 30 days."]
    }
    assert Complaint.objects.get(pk=complaint_id).on_hold_until is None
    assert hold(supervisor1, complaint_id, at=T0, until=T0 + 30 * DAY).status_code == 200


def test_a_complaint_held_twice_is_held_again_only_by_a_supervisor(org, api, sla):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id = log_at(frontline1, T0)
    for week in (0 * DAY, 7 * DAY):
        assert hold(frontline1, complaint_id, at=T0 + week, until=T0 + week + 7 * DAY).status_code == 200
        with time_machine.travel(T0 + week + 7 * DAY - MINUTE, tick=False):
            assert frontline1.step(complaint_id, "resume", {}).status_code == 200

    third = hold(frontline1, complaint_id, at=T0 + 14 * DAY, until=T0 + 21 * DAY)

    assert third.status_code == 403
    assert third.json() == {
        "code": "permission_denied",
        "detail": "This complaint was put on hold 2 times already: only a supervisor, manager or admin may hold it "
        "again.",
    }
    assert Complaint.objects.get(pk=complaint_id).on_hold_until is None
    # What each is offered says the same, and the page shows frontline staff no hold to put.
    assert (offered(frontline1, complaint_id)["hold"], offered(supervisor1, complaint_id)["hold"]) == (False, True)
    page = signed_in(org.frontline1).get(f"/complaints/{complaint_id}/").content.decode()
    assert f"/complaints/{complaint_id}/hold/" not in page
    assert hold(supervisor1, complaint_id, at=T0 + 14 * DAY, until=T0 + 21 * DAY).status_code == 200
    assert Complaint.objects.get(pk=complaint_id).holds == 3


def test_frontline_staff_may_raise_a_severity_only_a_supervisor_may_lower_it(org, api, sla):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id = log_at(frontline1, T0, severity="high")
    assert offered(frontline1, complaint_id)["severities"] == ["critical"]
    assert offered(supervisor1, complaint_id)["severities"] == ["low", "medium", "critical"]

    lowered = frontline1.step(complaint_id, "severity", {"severity": "low", "reason": "Not so bad"})

    assert lowered.status_code == 403
    assert lowered.json() == {
        "code": "permission_denied",
        "detail": "Only a supervisor, manager or admin may lower a complaint's severity.",
    }
    assert Complaint.objects.get(pk=complaint_id).severity == "high"
    assert frontline1.step(complaint_id, "severity", {"severity": "critical"}).status_code == 200
    assert supervisor1.step(complaint_id, "severity", {"severity": "low", "reason": "Not so bad"}).status_code == 200
    assert Complaint.objects.get(pk=complaint_id).severity == "low"
    assert offered(frontline1, complaint_id)["severities"] == ["medium", "high", "critical"]


# --- Due-time fields and filters ---------------------------------------------------------------------


def test_the_list_filters_by_overdue_and_escalation_level(org, api, sla):
    frontline1 = api(org.frontline1)
    late = log_at(frontline1, T0, severity="critical", customer={"phone": "+86 138 0000 0001"})
    on_time = log_at(frontline1, T0, severity="low", customer={"phone": "+86 138 0000 0002"})
    sweep(T0 + 5 * MINUTE)

    with time_machine.travel(T0 + 6 * MINUTE, tick=False):
        overdue = frontline1.get("/api/v1/complaints/", overdue="true").json()["results"]
        not_overdue = frontline1.get("/api/v1/complaints/", overdue="false").json()["results"]
        level_1 = frontline1.get("/api/v1/complaints/", escalation_level=1).json()["results"]
        by_due = frontline1.get("/api/v1/complaints/", ordering="due").json()["results"]
    assert [c["id"] for c in overdue] == [late]
    assert [c["id"] for c in not_overdue] == [on_time]
    assert [(c["id"], c["escalation_level"]) for c in level_1] == [(late, 1)]
    assert [c["id"] for c in by_due] == [late, on_time]


# --- The inbox -----------------------------------------------------------------------------------------


def test_the_inbox_is_the_callers_own_newest_first_and_can_be_marked_read(org, api, sla):
    frontline1 = api(org.frontline1)
    first = log_at(frontline1, T0, severity="critical", customer={"phone": "+86 138 0000 0001"})
    sweep(T0 + 4 * MINUTE)
    second = log_at(frontline1, T0 + 10 * MINUTE, severity="critical", customer={"phone": "+86 138 0000 0002"})
    sweep(T0 + 14 * MINUTE)

    inbox = frontline1.get("/api/v1/notifications/").json()["results"]
    assert [(n["complaint"], n["kind"]) for n in inbox][:2] == [(second, "reminder"), (first, "reminder")]
    assert set(inbox[0]) == {
        "id", "kind", "complaint", "reference", "step", "level", "text", "outcome", "created_at", "read"
    }  # fmt: skip

    read = frontline1.post(f"/api/v1/notifications/{inbox[0]['id']}/read/")
    assert read.json()["read"] is True
    assert [n["complaint"] for n in frontline1.get("/api/v1/notifications/", read="false").json()["results"]] == [
        n["complaint"] for n in inbox[1:]
    ]
    assert frontline1.post("/api/v1/notifications/read-all/").json() == {"marked_read": len(inbox) - 1}
    assert not Notification.objects.filter(recipient=org.frontline1, read_at=None).exists()


def test_someone_elses_notification_is_404(org, api, sla):
    log_at(api(org.frontline1), T0, severity="critical")
    sweep(T0 + 4 * MINUTE)
    notification = Notification.objects.get()
    assert api(org.frontline2).post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    assert api(org.frontline2).get("/api/v1/notifications/").json()["results"] == []
    assert api(org.frontline2).post("/api/v1/notifications/read-all/").json() == {"marked_read": 0}
    notification.refresh_from_db()
    assert notification.read_at is None


def test_due_times_show_on_the_complaint(org, api, sla):
    frontline1 = api(org.frontline1)
    complaint_id = log_at(frontline1, datetime(2026, 11, 23, 4, 0, tzinfo=UTC), severity="critical")
    with time_machine.travel(T0, tick=False):
        detail = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()
    assert [(d["step"], d["due_at"], d["level"]) for d in detail["deadlines"]] == [
        ("apologize", "2026-11-23T04:05:00Z", 0),
        ("respond", "2026-11-23T04:15:00Z", 0),
    ]
    assert (detail["overdue"], detail["escalation_level"], detail["next_due_at"]) == (False, 0, "2026-11-23T04:05:00Z")


@pytest.mark.parametrize(("path", "param"), [("/api/v1/complaints/", "overdue"), ("/api/v1/notifications/", "read")])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(org, api, path, param):
    response = api(org.frontline1).get(path, **{param: "maybe"})
    assert response.status_code == 400
    assert response.json() == {param: ["Use true or false."]}


@pytest.mark.parametrize("count", [2, 20])
def test_the_inbox_runs_a_constant_number_of_queries_whatever_its_length(org, api, sla, count):
    frontline1 = api(org.frontline1)
    for _ in range(count):
        log_at(frontline1, T0, severity="critical")
    sweep(T0 + 4 * MINUTE)  # a reminder to apologize for each
    with CaptureQueriesContext(connection) as queries:
        inbox = frontline1.get("/api/v1/notifications/", page_size=50).json()["results"]
    assert len(inbox) == count
    assert {n["reference"] for n in inbox} == set(Complaint.objects.values_list("reference", flat=True))
    # the token (with its user), the count, the page's keys, its rows with each notification's complaint (saying a
    # reminder reads nothing more; a request's notice would read the requests with their actions, once for the page)
    assert len(queries) == 4, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("ordering", ["due", "-due"])
def test_ordering_by_due_puts_complaints_without_a_due_time_last(org, api, sla, ordering):
    frontline1 = api(org.frontline1)
    closed = log_at(frontline1, T0, severity="critical")
    with time_machine.travel(T0, tick=False):
        frontline1.step(
            closed,
            "close",
            {"closure_code": "withdrawn", "servqual_dimension": "empathy", "blueprint_area": "front_stage"},
        )
    soon = log_at(frontline1, T0, severity="critical")
    later = log_at(frontline1, T0, severity="low")

    with time_machine.travel(T0 + MINUTE, tick=False):
        listed = [c["id"] for c in frontline1.get("/api/v1/complaints/", ordering=ordering).json()["results"]]

    assert listed == ([soon, later] if ordering == "due" else [later, soon]) + [closed]


# --- How long each step took --------------------------------------------------------------------------


def test_a_done_step_keeps_how_long_it_took_on_its_clock(org, api, sla):
    """In person every second counts; by phone only the store's open hours (10:00-22:00 Shanghai)."""
    for weekday in range(7):
        OpeningHours.objects.create(store=org.s1, weekday=weekday, opens=time(10), closes=time(22))
    frontline1 = api(org.frontline1)
    evening = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 21:30 in Shanghai, half an hour before closing
    in_person = log_at(frontline1, evening, channel="in_person")
    by_phone = log_at(frontline1, evening, channel="phone")

    next_morning = evening + timedelta(hours=13)  # 10:30 the next day
    with time_machine.travel(next_morning, tick=False):
        for complaint_id in (in_person, by_phone):
            assert frontline1.step(complaint_id, "apologize", {"note": ""}).status_code == 200

    def took(complaint_id):
        return Deadline.objects.get(complaint_id=complaint_id, step="apologize").elapsed_seconds

    assert took(in_person) == 13 * 3600
    assert took(by_phone) == 60 * 60  # 21:30-22:00 and 10:00-10:30
    assert Deadline.objects.get(complaint_id=by_phone, step="respond").elapsed_seconds is None  # not done yet
