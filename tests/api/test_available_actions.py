"""A complaint's answer says what the caller may do with it now (``available_actions``), by the rules the
services apply: the pages and any client offer those actions alone."""

from tests.api.test_approvals import request_approval
from tests.helpers import walk


def actions(api, complaint_id: str) -> dict:
    response = api.get(f"/api/v1/complaints/{complaint_id}/")
    assert response.status_code == 200, response.json()
    return response.json()["available_actions"]


def test_a_request_is_decided_by_an_approver_not_by_its_requester_who_may_bring_one_to_the_tablet(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id, _ = request_approval(frontline1, ("voucher", "80.00"))

    mine = actions(frontline1, complaint_id)
    assert (mine["decide"], mine["decide_in_person"]) == (False, True)
    supervisor = actions(api(org.supervisor1), complaint_id)
    assert (supervisor["decide"], supervisor["decide_in_person"]) == (True, False)
    assert actions(api(org.manager1), complaint_id)["decide"] is True
    # What a colleague of the same role may not decide either.
    assert actions(api(org.frontline2), complaint_id)["decide"] is False


def test_a_closed_complaint_offers_no_hold_reassignment_or_take_over_only_reopening(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    walk(frontline1, complaint_id, ["respond", "follow-up", "close"])

    closed = actions(api(org.supervisor1), complaint_id)
    assert closed["steps"] == ["reopen"]
    assert (closed["hold"], closed["reassign"], closed["take_over"]) == (False, False, False)
    # And the service agrees: taking it over is refused as the answer said.
    taken = api(org.supervisor1).step(complaint_id, "assign", {"assignee": "supervisor1"})
    assert taken.status_code in (404, 409), taken.json()


def test_supervisors_may_take_over_or_reassign_an_open_complaint_frontline_staff_may_not(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    supervisor = actions(api(org.supervisor1), complaint_id)
    assert (supervisor["reassign"], supervisor["take_over"]) == (True, True)
    frontline = actions(api(org.frontline1), complaint_id)
    assert (frontline["reassign"], frontline["take_over"]) == (False, False)
    assert "apologize" in frontline["steps"]


def test_the_survey_link_is_offered_only_for_a_customer_who_agreed_and_gave_a_contact(org, api, limits):
    frontline1 = api(org.frontline1)
    agreed = frontline1.apologized(contact_consent=True)
    walk(frontline1, agreed, ["respond"])
    silent = frontline1.apologized(customer={"name": "Guest"})
    walk(frontline1, silent, ["respond"])
    assert actions(frontline1, agreed)["contact"] is True
    assert actions(frontline1, silent)["contact"] is False
    # Before the response nothing is to be followed up: no survey yet.
    assert actions(frontline1, frontline1.apologized(contact_consent=True))["contact"] is False
