"""Every step out of order is refused with 409, names the allowed steps, and changes nothing."""

import pytest

from complaints.models import Complaint, ComplaintEvent
from complaints.states import STEPS
from tests.helpers import STEP_BODIES, walk

# How to bring a fresh complaint to each status through the API.
PATH_TO_STATUS = {
    "new": [],
    "apologized": ["apologize"],
    "responded": ["apologize", "respond"],
    "followed_up": ["apologize", "respond", "follow-up"],
    "closed": ["apologize", "respond", "follow-up", "close"],
    "reopened": ["apologize", "respond", "follow-up", "close", "reopen"],
}
ALLOWED = {
    "new": ["apologize", "close"],
    "apologized": ["respond", "close"],
    "responded": ["compensation", "follow-up", "survey", "close"],
    # The follow-up may find it not put right: back to the response (the customer's survey does so).
    "followed_up": ["compensation", "close", "reopen"],
    "closed": ["reopen"],
    "reopened": ["respond", "close"],
}
# Steps taken at /complaints/{id}/<step>/ (approvals are decided at /approvals/{id}/<decision>/).
COMPLAINT_STEPS = [step for step in STEPS if step not in ("approve", "reject")]
REFUSED = [(status, step) for status in PATH_TO_STATUS for step in COMPLAINT_STEPS if step not in ALLOWED[status]]


def test_the_table_of_allowed_steps_matches_the_design():
    from complaints.states import allowed_steps

    assert {status: allowed_steps(status) for status in ALLOWED} == ALLOWED
    # While compensation waits for a decision, only the decision moves the complaint.
    assert allowed_steps("awaiting_approval") == ["approve", "reject"]


@pytest.mark.parametrize(("status", "step"), REFUSED)
def test_step_out_of_order_is_409_and_changes_nothing(org, api, status, step):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, PATH_TO_STATUS[status])
    before = Complaint.objects.values().get(pk=complaint_id)
    events_before = ComplaintEvent.objects.filter(complaint_id=complaint_id).count()

    response = frontline1.step(complaint_id, step, STEP_BODIES[step])

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["status"] == status
    assert body["allowed"] == ALLOWED[status]
    assert Complaint.objects.values().get(pk=complaint_id) == before
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id).count() == events_before


@pytest.mark.parametrize("status", ["new", "apologized", "responded", "reopened"])
@pytest.mark.parametrize("closure_code", ["resolved", "resolved_unsatisfied", "unresolved"])
def test_closing_as_resolved_before_the_follow_up_is_409(org, api, status, closure_code):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, PATH_TO_STATUS[status])
    before = Complaint.objects.values().get(pk=complaint_id)

    response = frontline1.step(complaint_id, "close", {**STEP_BODIES["close"], "closure_code": closure_code})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["status"] == status
    assert "follow-up" in response.json()["detail"]
    assert Complaint.objects.values().get(pk=complaint_id) == before


def test_assigning_a_closed_complaint_is_409(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, PATH_TO_STATUS["closed"])
    response = api(org.supervisor1).step(complaint_id, "assign", {"assignee": "frontline2"})
    assert response.status_code == 409
    assert response.json() | {"detail": ""} == {
        "code": "invalid_transition",
        "status": "closed",
        "allowed": ["reopen"],
        "detail": "",
    }
