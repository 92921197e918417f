"""The complaint's answer is built as plain data (``complaint_detail_data``) and must stay exactly what
``ComplaintDetailSerializer``, the shape the API documents, gives for the same complaint: in every state of
the flow, with and without a customer, compensation, a guideline, a pending approval, a hold or a survey."""

import json
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from api.complaints.serializers import ComplaintDetailSerializer, complaint_detail_data
from complaints import selectors
from complaints.models import Category, Complaint
from complaints.services.public_intake import complaint_log_from_public_form
from recovery.models import CompensationGuideline
from tests.helpers import walk

CONTACT = {"name": "Ms. Wang", "phone": "138 0013 8000", "email": "wang@example.com"}


def as_sent(data) -> dict:
    """What the client receives: the data through the API's JSON renderer."""
    return json.loads(JSONRenderer().render(data))


def assert_answer_is_the_documented_shape(user, complaint_id) -> dict:
    complaint = selectors.complaint_get(user=user, complaint_id=complaint_id)
    expected = as_sent(ComplaintDetailSerializer(complaint, context={"request": SimpleNamespace(user=user)}).data)
    complaint = selectors.complaint_get(user=user, complaint_id=complaint_id)

    built = as_sent(complaint_detail_data(complaint, user=user))

    assert built == expected
    assert list(built) == list(expected)  # the same keys in the same order
    return built


def logged(api, org) -> str:
    return api(org.frontline1).log(customer=None).json()["id"]


def apologized_with_a_known_customer(api, org) -> str:
    frontline1 = api(org.frontline1)
    frontline1.log(customer=CONTACT)
    return frontline1.apologized(customer=CONTACT, contact_consent=True)


def granted_within_the_guideline_and_followed_up(api, org) -> str:
    CompensationGuideline.objects.create(
        category=Category.objects.get(code="food_quality"),
        severity="high",
        min_amount=Decimal(20),
        max_amount=Decimal(40),
        note="A free dessert",
    )
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert frontline1.respond(complaint_id, ("voucher", "30"), ("free_item", "0")).status_code == 200
    walk(frontline1, complaint_id, ["follow-up"])
    return complaint_id


def waiting_for_approval(api, org) -> str:
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert frontline1.respond(complaint_id, ("voucher", "80.5")).json()["status"] == "awaiting_approval"
    return complaint_id


def on_hold(api, org) -> str:
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    until = (timezone.now() + timedelta(days=2)).isoformat()
    assert frontline1.step(complaint_id, "hold", {"reason": "Bring the receipt.", "until": until}).status_code == 200
    return complaint_id


def surveyed(api, org) -> str:
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(customer=CONTACT, contact_consent=True)
    walk(frontline1, complaint_id, ["respond", "survey"])
    return complaint_id


def closed_and_reopened(api, org) -> str:
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    walk(frontline1, complaint_id, ["respond", "follow-up", "close", "reopen"])
    Complaint.objects.filter(pk=complaint_id).update(escalation_level=2)
    return complaint_id


def from_the_public_form(api, org) -> str:
    complaint = complaint_log_from_public_form(
        store=org.s1, description="Cold soup", still_in_store=True, contact="wang@example.com", contact_consent=True
    )
    return str(complaint.pk)


@pytest.mark.parametrize(
    ("make", "shows"),
    [
        (logged, lambda answer: answer["customer"] is None and answer["customer_flags"] is None),
        (apologized_with_a_known_customer, lambda answer: answer["customer_flags"]["complaints_90_days"] == 2),
        (
            granted_within_the_guideline_and_followed_up,
            lambda answer: len(answer["compensation"]) == 2 and answer["compensation_guideline"] is not None,
        ),
        (waiting_for_approval, lambda answer: answer["pending_approval"]["exceeded"][0]["over"] == "30.50"),
        (on_hold, lambda answer: answer["on_hold_until"] is not None and answer["deadlines"][0]["paused"]),
        (surveyed, lambda answer: answer["survey"]["url"] is not None),
        (closed_and_reopened, lambda answer: answer["reopened_at"] is not None and answer["escalation_level"] == 2),
        (from_the_public_form, lambda answer: answer["created_by"] is None and answer["events"][0]["actor"] is None),
    ],
)
def test_the_answer_is_the_documented_shape_in_every_state(org, api, limits, sla, make, shows):
    complaint_id = make(api, org)

    built = assert_answer_is_the_documented_shape(org.supervisor1, complaint_id)

    assert built["id"] == complaint_id
    assert shows(built)  # the state this case is about is in the answer


def test_times_follow_the_readers_time_zone_as_drf_writes_them(org, api, limits, sla):
    complaint_id = granted_within_the_guideline_and_followed_up(api, org)

    with timezone.override("Asia/Shanghai"):
        built = assert_answer_is_the_documented_shape(org.supervisor1, complaint_id)

    assert built["created_at"].endswith("+08:00")
    assert built["compensation"][0]["granted_at"].endswith("+08:00")


def test_the_creates_answer_is_what_reading_the_complaint_gives(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    frontline1.log(customer=CONTACT)  # a known customer: their flags are counted

    created = frontline1.log(customer=CONTACT, contact_consent=True)

    assert created.status_code == 201
    assert created.json() == frontline1.get(f"/api/v1/complaints/{created.json()['id']}/").json()
    assert created.json()["customer_flags"]["repeat_complainant"] is True
