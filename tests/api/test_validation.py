"""Bad input: 400 with a message per field, and nothing is saved."""

import pytest

from complaints.models import Complaint, ComplaintEvent
from tests.helpers import walk


@pytest.mark.parametrize(
    ("overrides", "field", "message_part"),
    [
        ({"description": ""}, "description", "blank"),
        ({"severity": "catastrophic"}, "severity", "not a valid choice"),
        ({"channel": "pigeon"}, "channel", "not a valid choice"),
        ({"stage": "someday"}, "stage", "not a valid choice"),
        ({"servqual_dimension": "luck"}, "servqual_dimension", "not a valid choice"),
        ({"store": "S9"}, "store", "Unknown store 'S9'"),
        ({"category": "weather"}, "category", "Unknown category 'weather'"),
        ({"id": "not-a-uuid"}, "id", "valid UUID"),
        ({"assignee": "nobody"}, "assignee", "Unknown user 'nobody'"),
    ],
)
def test_create_with_bad_field_is_400_naming_the_field(org, api, overrides, field, message_part):
    response = api(org.frontline1).log(**overrides)
    assert response.status_code == 400
    assert message_part in " ".join(response.json()[field])
    assert Complaint.objects.count() == 0


def test_missing_description_is_required(org, api):
    body = {"channel": "in_person", "category": "food_quality", "severity": "low", "stage": "in_sale"}
    response = api(org.frontline1).post("/api/v1/complaints/", body)
    assert response.status_code == 400
    assert response.json() == {"description": ["This field is required."]}


def test_several_bad_fields_are_reported_together(org, api):
    response = api(org.frontline1).post("/api/v1/complaints/", {"severity": "x", "category": "nope"})
    assert response.status_code == 400
    assert {"severity", "category", "description"} <= set(response.json())


def test_bad_customer_phone_and_email_are_reported_inside_customer(org, api):
    response = api(org.frontline1).log(customer={"phone": "12", "email": "not-an-email"})
    assert response.status_code == 400
    assert set(response.json()["customer"]) == {"phone", "email"}


def test_malformed_json_is_400_with_a_parse_error(org, api):
    response = api(org.frontline1).client.post(
        "/api/v1/complaints/", data='{"description": "cold soup",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON" in response.json()["detail"]
    assert Complaint.objects.count() == 0


def test_json_that_is_not_an_object_is_400(org, api):
    response = api(org.frontline1).client.post("/api/v1/complaints/", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


@pytest.mark.parametrize("satisfaction", [0, 6, "five"])
def test_follow_up_satisfaction_out_of_range_is_400(org, api, satisfaction):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, ["apologize", "respond"])
    response = frontline1.step(complaint_id, "follow-up", {"outcome": "ok", "satisfaction": satisfaction})
    assert response.status_code == 400
    assert "satisfaction" in response.json()
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


def test_follow_up_with_nothing_recorded_is_400(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, ["apologize", "respond"])
    response = frontline1.step(complaint_id, "follow-up", {"note": ""})
    assert response.status_code == 400
    assert "outcome" in response.json()
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id).count() == 3


@pytest.mark.parametrize(
    ("step", "path", "body", "field"),
    [
        ("respond", ["apologize"], {"note": "no resolution"}, "resolution"),
        ("close", ["apologize", "respond", "follow-up"], {"closure_code": "fixed"}, "closure_code"),
        ("reopen", ["apologize", "respond", "follow-up", "close"], {}, "reason"),
    ],
)
def test_step_without_its_required_field_is_400(org, api, step, path, body, field):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, path)
    response = frontline1.step(complaint_id, step, body)
    assert response.status_code == 400
    assert field in response.json()


def test_list_with_a_bad_filter_is_400(org, api):
    response = api(org.frontline1).get("/api/v1/complaints/", status="lost", created_from="yesterday")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "created_from"}


@pytest.mark.parametrize("phone", ["12345", "+86 12345", "1380013800", "0000 0000 000"])
def test_a_phone_that_is_nobodys_number_is_refused_with_the_expected_form(org, api, phone):
    response = api(org.frontline1).log(customer={"name": "Ms. Wang", "phone": phone})
    assert response.status_code == 400
    assert response.json()["customer"]["phone"] == [
        "Enter a valid phone number, e.g. 131 2345 6789 or +86 131 2345 6789."
    ]
    assert not Complaint.objects.exists()
