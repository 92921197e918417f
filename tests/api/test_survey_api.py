"""Consent at intake and sending the follow-up survey over the API: who may, when, and what it records."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, ComplaintEvent
from recovery.models import SurveyInvitation

CONTACT = {"name": "Ms. Wang", "phone": "138 0013 8000", "email": "wang@example.com"}


def responded(api, **overrides) -> str:
    """A complaint logged with the customer's contact and consent, apologized and responded."""
    complaint_id = api.apologized(customer=CONTACT, contact_consent=True, **overrides)
    assert api.step(complaint_id, "respond", {"resolution": "A fresh bowl."}).status_code == 200
    return complaint_id


def test_consent_without_a_phone_or_email_is_refused_and_logs_nothing(org, api):
    response = api(org.frontline1).log(customer={"name": "Ms. Wang"}, contact_consent=True)

    assert response.status_code == 400
    assert "phone number or an email address" in response.json()["contact_consent"][0]
    assert not Complaint.objects.exists()


def test_consent_is_refused_in_the_callers_language(org, api):
    frontline1 = api(org.frontline1)
    body = {
        "category": "food_quality",
        "description": "汤是凉的",
        "customer": None,
        "contact_consent": True,
    }

    response = frontline1.client.post("/api/v1/complaints/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert "电话" in response.json()["contact_consent"][0]


def test_consent_is_recorded_with_a_phone_and_shown_on_the_complaint(org, api):
    frontline1 = api(org.frontline1)
    created = frontline1.log(customer={"phone": "138 0013 8000"}, contact_consent=True)

    assert created.status_code == 201
    assert created.json()["contact_consent"] is True
    assert frontline1.get(f"/api/v1/complaints/{created.json()['id']}/").json()["contact_consent"] is True
    assert frontline1.log().json()["contact_consent"] is False  # not asked: no consent


def test_a_retry_with_another_consent_is_another_complaint_under_the_same_id(org, api):
    frontline1 = api(org.frontline1)
    first = frontline1.log(id="7d4f8f0e-4b8a-4a53-9a59-2f4a3c1f9a11", contact_consent=True)
    assert first.status_code == 201

    again = frontline1.log(id="7d4f8f0e-4b8a-4a53-9a59-2f4a3c1f9a11", contact_consent=False)

    assert again.status_code == 409
    assert again.json()["code"] == "id_conflict"


def test_sending_the_survey_gives_a_link_to_show_and_records_who_sent_it(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = responded(frontline1)

    response = frontline1.step(complaint_id, "survey")

    assert response.status_code == 200, response.json()
    survey = response.json()["survey"]
    assert survey["answerable"] is True
    assert survey["emailed"] is True
    assert survey["sent_by"] == "frontline1"
    assert "/survey/" in survey["url"]
    assert response.json()["status"] == "responded"  # the customer's answer is the follow-up
    [event] = ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="survey_sent")
    assert event.actor == org.frontline1
    assert event.data["emailed"] is True
    assert "wang@example.com" not in str(event.data)  # contact data stays out of the permanent log


def test_the_detail_shows_the_survey_once_sent_and_none_before(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = responded(frontline1)
    assert frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["survey"] is None

    frontline1.step(complaint_id, "survey")

    assert frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["survey"]["answerable"] is True


def test_the_survey_before_the_response_is_409_naming_the_allowed_steps(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(customer=CONTACT, contact_consent=True)

    response = frontline1.step(complaint_id, "survey")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["allowed"] == ["respond", "close"]
    assert not SurveyInvitation.objects.exists()


def test_the_survey_without_the_customers_consent_is_refused(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(customer=CONTACT)  # contact given, consent not
    frontline1.step(complaint_id, "respond", {"resolution": "A fresh bowl."})

    response = frontline1.step(complaint_id, "survey")

    assert response.status_code == 409
    assert response.json()["code"] == "no_contact_consent"
    assert not ComplaintEvent.objects.filter(kind="survey_sent").exists()


def test_staff_of_another_store_cannot_send_the_survey(org, api):
    complaint_id = responded(api(org.frontline1))

    response = api(org.frontline3).step(complaint_id, "survey")

    assert response.status_code == 404
    assert not SurveyInvitation.objects.exists()


def test_a_supervisor_of_the_store_may_send_it_like_the_follow_up(org, api):
    complaint_id = responded(api(org.frontline1))

    response = api(org.supervisor1).step(complaint_id, "survey")

    assert response.status_code == 200
    assert response.json()["survey"]["sent_by"] == "supervisor1"


def test_the_detail_costs_as_many_queries_with_a_survey_as_without(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = responded(frontline1)
    path = f"/api/v1/complaints/{complaint_id}/"

    with CaptureQueriesContext(connection) as before:
        frontline1.get(path)
    frontline1.step(complaint_id, "survey")
    with CaptureQueriesContext(connection) as after:
        assert frontline1.get(path).json()["survey"] is not None

    assert len(after.captured_queries) == len(before.captured_queries)
