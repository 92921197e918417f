"""Who sees what: store staff their store, managers their region, admins everything.

Another store's complaint is 404 on every endpoint, as if it did not exist.
"""

import uuid

import pytest

from complaints.models import Complaint, ComplaintEvent
from tests.helpers import STEP_BODIES

STEP_ENDPOINTS = ["apologize", "respond", "follow-up", "close", "reopen", "assign"]


@pytest.fixture
def s2_complaint(org, api) -> str:
    return api(org.frontline3).log(description="Airport complaint").json()["id"]


def test_another_stores_complaint_is_404_on_every_endpoint(org, api, s2_complaint):
    frontline1 = api(org.frontline1)
    assert frontline1.get(f"/api/v1/complaints/{s2_complaint}/").status_code == 404
    for step in STEP_ENDPOINTS:
        body = STEP_BODIES.get(step, {"assignee": "frontline1"})
        response = frontline1.step(s2_complaint, step, body)
        if step == "assign":  # refused by role first, whichever complaint: 403 says nothing of this one
            assert response.status_code == 403, step
            continue
        assert response.status_code == 404, step
        assert response.json()["code"] == "not_found"
    assert frontline1.get("/api/v1/complaints/").json()["count"] == 0
    assert frontline1.get("/api/v1/complaints/", store="S2").json()["count"] == 0
    complaint = Complaint.objects.get(pk=s2_complaint)
    assert complaint.status == "new"
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == 1


def test_an_unknown_id_is_also_404(org, api):
    assert api(org.frontline1).get(f"/api/v1/complaints/{uuid.uuid4()}/").status_code == 404


def test_supervisor_of_another_store_gets_404(org, api, s2_complaint):
    assert api(org.supervisor1).get(f"/api/v1/complaints/{s2_complaint}/").status_code == 404
    assert api(org.supervisor1).step(s2_complaint, "assign", {"assignee": "frontline1"}).status_code == 404


def test_manager_sees_and_acts_on_both_stores_of_the_region(org, api, s2_complaint):
    s1_complaint = api(org.frontline1).log().json()["id"]
    manager1 = api(org.manager1)
    listed = {c["id"] for c in manager1.get("/api/v1/complaints/").json()["results"]}
    assert listed == {s1_complaint, s2_complaint}
    assert manager1.step(s2_complaint, "apologize", STEP_BODIES["apologize"]).status_code == 200
    assert manager1.step(s1_complaint, "assign", {"assignee": "frontline2"}).status_code == 200


def test_manager_of_another_region_sees_neither(org, api, s2_complaint):
    manager2 = api(org.manager_other_region)
    assert manager2.get("/api/v1/complaints/").json()["count"] == 0
    assert manager2.get(f"/api/v1/complaints/{s2_complaint}/").status_code == 404


def test_admin_sees_every_store(org, api, s2_complaint):
    s3_complaint = api(org.admin).log(store="S3").json()["id"]
    listed = {c["id"] for c in api(org.admin).get("/api/v1/complaints/").json()["results"]}
    assert listed == {s2_complaint, s3_complaint}


def test_frontline_cannot_log_for_another_store(org, api):
    response = api(org.frontline1).log(store="S2")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Complaint.objects.count() == 0


def test_manager_logs_for_a_store_of_the_region_and_must_name_it(org, api):
    manager1 = api(org.manager1)
    missing = manager1.log()
    assert missing.status_code == 400
    assert "store" in missing.json()
    assert manager1.log(store="S2").status_code == 201
    assert manager1.log(store="S3").status_code == 403


def test_anonymous_requests_are_401(org, client):
    response = client.get("/api/v1/complaints/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_inactive_user_token_no_longer_works(org, api):
    frontline1 = api(org.frontline1)
    org.frontline1.is_active = False
    org.frontline1.save()
    assert frontline1.get("/api/v1/complaints/").status_code == 401
