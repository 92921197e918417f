"""Approvals: the right approver decides, in seconds, within their own limits, once."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from recovery.models import ApprovalPin, ApprovalPinTries, ApprovalRequest, CompensationAction
from tests.helpers import Api


def request_approval(api: Api, *compensation: tuple[str, str], **log) -> tuple[str, str]:
    """Respond above the caller's limits: ``(complaint id, approval id)``."""
    complaint_id = api.apologized(**log)
    body = api.respond(complaint_id, *compensation).json()
    assert body["status"] == "awaiting_approval", body
    return complaint_id, body["pending_approval"]["id"]


def approve(api: Api, approval_id: str, **body):
    return api.post(f"/api/v1/approvals/{approval_id}/approve/", {"note": "OK", **body})


def reject(api: Api, approval_id: str, **body):
    return api.post(f"/api/v1/approvals/{approval_id}/reject/", {"reason": "Too much", **body})


def test_approving_grants_the_compensation_and_moves_the_complaint_to_responded(org, api, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id, approval_id = request_approval(frontline1, ("voucher", "60.00"))

    response = approve(supervisor1, approval_id, note="Fine, she waited an hour.")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"] == "supervisor1"
    complaint = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()
    assert complaint["status"] == "responded"
    assert complaint["resolution"] == "We made it right."
    assert complaint["responded_at"] is not None
    assert complaint["pending_approval"] is None
    assert [(c["status"], c["granted_by"], c["requested_by"]) for c in complaint["compensation"]] == [
        ("granted", "supervisor1", "frontline1")
    ]
    assert [(e["kind"], e["actor"]) for e in complaint["events"][-3:]] == [
        ("approval_requested", "frontline1"),
        ("compensation_granted", "supervisor1"),
        ("approved", "supervisor1"),
    ]
    assert complaint["events"][-1]["data"]["note"] == "Fine, she waited an hour."
    # The approved amount counts against the approver's day, not the requester's.
    assert supervisor1.get("/api/v1/me/limits/").json()["per_day"]["used"] == "60.00"
    assert frontline1.get("/api/v1/me/limits/").json()["per_day"]["used"] == "0.00"


def test_rejecting_returns_the_complaint_to_the_requester_to_respond_otherwise(org, api, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id, approval_id = request_approval(frontline1, ("voucher", "60.00"))

    response = reject(supervisor1, approval_id, reason="Offer a free dessert instead.")

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    complaint = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()
    assert complaint["status"] == "apologized"
    assert complaint["compensation"][0]["status"] == "rejected"
    assert complaint["events"][-1]["kind"] == "rejected"
    assert complaint["events"][-1]["data"]["reason"] == "Offer a free dessert instead."
    again = frontline1.respond(complaint_id, ("free_item", "0"))
    assert again.json()["status"] == "responded"


def test_a_rejection_needs_a_reason(org, api, limits):
    _, approval_id = request_approval(api(org.frontline1), ("voucher", "60.00"))
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = api(org.supervisor1).post(f"/api/v1/approvals/{approval_id}/reject/", body)
        assert response.status_code == 400
        assert "reason" in response.json()
    assert ApprovalRequest.objects.get(pk=approval_id).status == "pending"


def test_nobody_approves_their_own_request(org, api, limits):
    supervisor1 = api(org.supervisor1)
    complaint_id, approval_id = request_approval(supervisor1, ("voucher", "600.00"))

    response = approve(supervisor1, approval_id)

    assert response.status_code == 403
    assert "own request" in response.json()["detail"]
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"


def test_a_request_above_the_supervisors_limits_needs_the_manager(org, api, limits):
    complaint_id, approval_id = request_approval(api(org.frontline1), ("voucher", "600.00"))

    refused = approve(api(org.supervisor1), approval_id)
    approved = approve(api(org.manager1), approval_id)

    assert refused.status_code == 403
    assert "needs a manager" in refused.json()["detail"]
    assert approved.status_code == 200
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


def test_an_approver_over_their_own_limits_sends_it_up_a_level(org, api, limits):
    supervisor1, manager1 = api(org.supervisor1), api(org.manager1)
    # supervisor1 has granted 1950 of 2000 today.
    for n in range(4):
        supervisor1.respond(supervisor1.apologized(customer={"phone": f"+86 139 0000 {n:04d}"}), ("voucher", "487.50"))
    complaint_id, approval_id = request_approval(api(org.frontline1), ("voucher", "60.00"))

    response = approve(supervisor1, approval_id)

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["code"] == "approval_escalated"
    assert body["escalated_to"] == "manager"
    assert body["exceeded"] == [
        {"limit": "per_day", "max": "2000.00", "requested": "60.00", "used_before": "1950.00", "over": "10.00"}
    ]
    assert body["approval"]["status"] == "pending"
    assert body["approval"]["approver_role"] == "manager"
    assert body["approval"]["can_decide"] is False
    events = ComplaintEvent.objects.filter(complaint_id=complaint_id)
    assert events.last().kind == "approval_escalated"
    assert events.last().data["to_role"] == "manager"
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"
    assert not CompensationAction.objects.filter(complaint_id=complaint_id, status="granted").exists()

    assert approve(manager1, approval_id).status_code == 200
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


@pytest.mark.parametrize("second", [approve, reject])
@pytest.mark.parametrize("first", [approve, reject])
def test_a_decided_request_cannot_be_decided_again(org, api, limits, first, second):
    complaint_id, approval_id = request_approval(api(org.frontline1), ("voucher", "60.00"))
    assert first(api(org.supervisor1), approval_id).status_code == 200
    complaint_before = Complaint.objects.values().get(pk=complaint_id)
    events_before = ComplaintEvent.objects.count()

    response = second(api(org.manager1), approval_id)

    assert response.status_code == 409
    assert response.json()["code"] == "approval_already_decided"
    assert response.json()["status"] == ("approved" if first is approve else "rejected")
    assert Complaint.objects.values().get(pk=complaint_id) == complaint_before
    assert ComplaintEvent.objects.count() == events_before


def test_another_stores_approval_is_404_everywhere(org, api, limits):
    _, approval_id = request_approval(api(org.frontline1), ("voucher", "60.00"))
    for outsider in (org.supervisor2, org.frontline2, org.manager_other_region):
        client = api(outsider)
        assert client.get(f"/api/v1/approvals/{approval_id}/").status_code == 404
        assert approve(client, approval_id).status_code == 404
        assert reject(client, approval_id).status_code == 404
        assert client.get("/api/v1/approvals/").json()["results"] == []
    assert ApprovalRequest.objects.get(pk=approval_id).status == "pending"


def test_frontline_staff_see_their_own_requests_but_cannot_decide(org, api, limits):
    frontline1 = api(org.frontline1)
    _, approval_id = request_approval(frontline1, ("voucher", "60.00"))
    mine = frontline1.get("/api/v1/approvals/").json()["results"]
    assert [(a["id"], a["can_decide"]) for a in mine] == [(approval_id, False)]
    assert approve(frontline1, approval_id).status_code == 403


# --- The queue ------------------------------------------------------------------------------------


def test_the_queue_is_oldest_first_with_what_the_approver_needs_to_decide(org, api, limits):
    frontline1, frontline2, supervisor1 = api(org.frontline1), api(org.frontline2), api(org.supervisor1)
    regular = {"name": "Ms. Wang", "phone": "+86 138 0013 8000"}
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=3), tick=False):
        # The customer's history: a complaint three days ago, compensated with 40.
        frontline2.respond(frontline2.apologized(customer=regular), ("voucher", "40.00"))
    with time_machine.travel(start - timedelta(minutes=5), tick=False):
        frontline1.respond(frontline1.apologized(customer={"phone": "+86 138 0000 0001"}), ("voucher", "30.00"))
        _, first = request_approval(frontline1, ("voucher", "70.00"), customer=regular)
    _, second = request_approval(frontline2, ("gift", "55.00"), customer={"phone": "+86 138 0000 0002"})
    # S2's: not supervisor1's.
    request_approval(api(org.frontline3), ("gift", "55.00"), customer={"phone": "+86 138 0000 0003"})

    queue = supervisor1.get("/api/v1/approvals/", status="pending").json()

    assert [a["id"] for a in queue["results"]] == [first, second]
    oldest = queue["results"][0]
    assert oldest["complaint"]["customer"]["phone"] == "138****8000"  # masked in the queue
    assert oldest["customer_30_days"] == {"complaints": 2, "granted": "40.00"}
    assert oldest["requester_today"] == {
        "username": "frontline1",
        "role": "frontline",
        "granted": "30.00",
        "max_per_day": "100.00",
    }
    assert oldest["total"] == "70.00"
    assert oldest["currency"] == "CNY"
    assert oldest["exceeded"][0]["limit"] == "per_action"
    assert oldest["can_decide"] is True
    # Decided requests leave the pending queue.
    approve(supervisor1, first)
    assert [a["id"] for a in supervisor1.get("/api/v1/approvals/", status="pending").json()["results"]] == [second]
    # The manager sees the whole region.
    assert len(api(org.manager1).get("/api/v1/approvals/", status="pending").json()["results"]) == 2


def test_the_queue_runs_a_constant_number_of_queries(org, api, limits):
    manager1 = api(org.manager1)

    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = manager1.get("/api/v1/approvals/", status="pending", page_size=50)
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.json()["results"])

    for n in range(2):
        request_approval(api(org.frontline1), ("voucher", "60.00"), customer={"phone": f"+86 137 0000 {n:04d}"})
    few = queries_for_queue()
    for n in range(2, 8):
        client = api(org.frontline1 if n % 2 else org.frontline3)
        request_approval(client, ("voucher", "60.00"), customer={"phone": f"+86 137 0000 {n:04d}"})
    many = queries_for_queue()

    assert (few[1], many[1]) == (2, 8)
    assert few[0] == many[0]


# --- In person, with the approver's PIN ---------------------------------------------------------------


def test_a_supervisor_approves_on_the_requesters_tablet_with_their_pin(org, api, limits, supervisor1_pin):
    frontline1 = api(org.frontline1)
    complaint_id, approval_id = request_approval(frontline1, ("voucher", "60.00"))

    response = approve(frontline1, approval_id, approver="supervisor1", pin=supervisor1_pin)

    assert response.status_code == 200, response.json()
    assert response.json()["decided_by"] == "supervisor1"
    assert response.json()["in_person"] is True
    event = ComplaintEvent.objects.filter(complaint_id=complaint_id).last()
    assert (event.kind, event.actor.username) == ("approved", "supervisor1")
    assert event.data["in_person"] is True
    assert event.data["on_tablet_of"] == "frontline1"
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


def test_pins_are_stored_hashed(org, supervisor1_pin):
    stored = ApprovalPin.objects.get(user=org.supervisor1).pin_hash
    assert supervisor1_pin not in stored
    assert org.supervisor1.approval_pin.pin_hash.count("$") >= 2


def test_setting_a_pin_needs_the_password_and_an_approvers_role(org, api):
    put = "/api/v1/me/approval-pin/"
    wrong_password = api(org.supervisor1).client.put(put, {"pin": "2580", "password": "nope"}, format="json")
    frontline = api(org.frontline1).client.put(put, {"pin": "2580", "password": "test-pass-123"}, format="json")
    weak = api(org.supervisor1).client.put(put, {"pin": "1234", "password": "test-pass-123"}, format="json")
    short = api(org.supervisor1).client.put(put, {"pin": "12", "password": "test-pass-123"}, format="json")
    assert (wrong_password.status_code, list(wrong_password.json())) == (400, ["password"])
    assert frontline.status_code == 403
    assert (weak.status_code, list(weak.json())) == (400, ["pin"])
    assert (short.status_code, list(short.json())) == (400, ["pin"])
    assert not ApprovalPin.objects.exists()


def test_a_wrong_pin_approves_nothing_and_five_lock_it_for_15_minutes(org, api, limits, supervisor1_pin):
    frontline1 = api(org.frontline1)
    complaint_id, approval_id = request_approval(frontline1, ("voucher", "60.00"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        answers = [approve(frontline1, approval_id, approver="supervisor1", pin="9999").json() for _ in range(5)]
        locked = approve(frontline1, approval_id, approver="supervisor1", pin=supervisor1_pin)

    assert [a["code"] for a in answers] == ["wrong_pin"] * 4 + ["pin_locked"]
    assert [a.get("attempts_left") for a in answers[:4]] == [4, 3, 2, 1]
    assert (locked.status_code, locked.json()["code"]) == (403, "pin_locked")
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"

    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = approve(frontline1, approval_id, approver="supervisor1", pin=supervisor1_pin)
    assert response.status_code == 200


def test_the_pin_does_not_let_anyone_approve_their_own_request(org, api, limits, supervisor1_pin):
    supervisor1 = api(org.supervisor1)
    _, approval_id = request_approval(supervisor1, ("voucher", "600.00"))
    response = approve(supervisor1, approval_id, approver="supervisor1", pin=supervisor1_pin)
    assert response.status_code == 403


def test_an_approver_without_a_pin_or_a_half_given_pin(org, api, limits):
    frontline1 = api(org.frontline1)
    _, approval_id = request_approval(frontline1, ("voucher", "60.00"))
    no_pin = approve(frontline1, approval_id, approver="supervisor1", pin="2580")
    half = approve(frontline1, approval_id, approver="supervisor1")
    assert (no_pin.status_code, no_pin.json()["code"]) == (403, "pin_not_set")
    assert (half.status_code, list(half.json())) == (400, ["pin"])


def test_an_in_person_rejection_records_the_approver(org, api, limits, supervisor1_pin):
    frontline1 = api(org.frontline1)
    complaint_id, approval_id = request_approval(frontline1, ("voucher", "60.00"))
    response = reject(frontline1, approval_id, approver="supervisor1", pin=supervisor1_pin, reason="Dessert instead")
    assert response.status_code == 200
    assert response.json()["decided_by"] == "supervisor1"
    assert Complaint.objects.get(pk=complaint_id).status == "apologized"


def test_approved_amounts_count_against_the_approvers_limits(org, api, limits):
    assert Decimal(api(org.supervisor1).get("/api/v1/me/limits/").json()["per_day"]["left"]) == Decimal(2000)
    _, approval_id = request_approval(api(org.frontline1), ("voucher", "70.00"))
    approve(api(org.supervisor1), approval_id)
    assert api(org.supervisor1).get("/api/v1/me/limits/").json()["per_day"]["left"] == "1930.00"


def test_wrong_pins_sent_with_idempotency_keys_still_count_toward_the_lock(org, api, limits, supervisor1_pin):
    """The key's transaction keeps a refused step from half-applying, never a wrong PIN from counting."""
    frontline1 = api(org.frontline1)
    _, approval_id = request_approval(frontline1, ("voucher", "60.00"))
    path = f"/api/v1/approvals/{approval_id}/approve/"
    answers = [
        frontline1.post(path, {"note": "OK", "approver": "supervisor1", "pin": "9999"}, **{"Idempotency-Key": f"k{i}"})
        for i in range(5)
    ]
    assert [a.json()["code"] for a in answers] == ["wrong_pin"] * 4 + ["pin_locked"]
    assert ApprovalPinTries.objects.get(approver=org.supervisor1, tablet_of=org.frontline1).locked_until is not None


def test_deciding_your_own_request_names_the_role_that_must_decide_it(org, api, limits):
    supervisor1 = api(org.supervisor1)
    complaint_id = supervisor1.apologized()
    asked = supervisor1.respond(complaint_id, ("voucher", "600.00")).json()  # above a supervisor's 500 per action
    assert asked["pending_approval"]["approver_role"] == "manager"

    response = approve(supervisor1, asked["pending_approval"]["id"])

    assert response.status_code == 403
    assert "a manager" in response.json()["detail"]
    assert "supervisor" not in response.json()["detail"]
