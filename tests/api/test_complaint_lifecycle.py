"""The whole flow by API, as frontline1: log → apologize → respond → follow up → close → reopen."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, ComplaintEvent
from core.reference import reference_data_renew
from tests.helpers import STEP_BODIES

LOGGED_AT = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def test_frontline_walks_a_complaint_through_the_whole_flow(org, api):
    frontline1 = api(org.frontline1)
    with time_machine.travel(LOGGED_AT, tick=False):
        created = frontline1.log(
            description="汤是凉的 — the soup was cold",
            desired_outcome="A hot soup",
            servqual_dimension="",
            customer={"name": "Ms. Wang", "phone": "138-0013-8000", "email": "Wang@Example.com"},
        )
    assert created.status_code == 201, created.json()
    body = created.json()
    complaint_id = body["id"]
    assert body["reference"] == "S1-20261122-0001"
    assert body["store"] == "S1"
    assert body["status"] == "new"
    assert body["assignee"] == "frontline1"
    assert body["category"] == "food_quality"
    assert body["customer"] | {"id": None} == {
        "id": None,
        "name": "Ms. Wang",
        "phone": "+8613800138000",
        "email": "wang@example.com",
    }
    assert body["allowed_steps"] == ["apologize", "close"]
    assert [e["kind"] for e in body["events"]] == ["logged"]

    steps = [
        ("apologize", "apologized", "apologized_at"),
        ("respond", "responded", "responded_at"),
        ("follow-up", "followed_up", "followed_up_at"),
        ("close", "closed", "closed_at"),
    ]
    for minute, (step, status, stamp) in enumerate(steps, start=1):
        at = LOGGED_AT.replace(minute=30 + minute)
        with time_machine.travel(at, tick=False):
            response = frontline1.step(complaint_id, step, STEP_BODIES[step])
        assert response.status_code == 200, (step, response.json())
        assert response.json()["status"] == status
        assert response.json()[stamp] == at.isoformat().replace("+00:00", "Z")

    detail = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()
    assert detail["resolution"] == "Replaced the soup."
    assert detail["satisfaction"] == 5
    assert detail["closure_code"] == "resolved"
    assert detail["servqual_dimension"] == "reliability"
    assert detail["blueprint_area"] == "back_stage"
    assert detail["allowed_steps"] == ["reopen"]
    events = detail["events"]
    assert [(e["kind"], e["status_before"], e["status_after"]) for e in events] == [
        ("logged", "", "new"),
        ("apologized", "new", "apologized"),
        ("responded", "apologized", "responded"),
        ("followed_up", "responded", "followed_up"),
        ("closed", "followed_up", "closed"),
    ]
    assert all(e["actor"] == "frontline1" for e in events)
    assert events[1]["data"] == {"note": "Sorry for the cold soup."}
    assert events[3]["data"]["satisfaction"] == 5

    reopened = frontline1.step(complaint_id, "reopen", {"reason": "The customer called back."})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "reopened"
    assert reopened.json()["closure_code"] == ""
    assert reopened.json()["allowed_steps"] == ["respond", "close"]
    assert reopened.json()["events"][-1]["data"] == {
        "reason": "The customer called back.",
        "previous_closure_code": "resolved",
    }
    # A reopened complaint re-enters at the response.
    again = frontline1.step(complaint_id, "respond", {"resolution": "Refunded the meal."})
    assert again.json()["status"] == "responded"


@pytest.mark.parametrize(
    ("who", "overrides"),
    [
        ("frontline1", {"customer": {"name": "Ms. Wang", "phone": "138 0013 8000"}}),
        ("frontline1", {"customer": None, "severity": "critical", "channel": "phone"}),
        ("supervisor1", {"assignee": "frontline2", "servqual_dimension": "empathy", "blueprint_area": "front_stage"}),
    ],
)
def test_the_answer_to_logging_is_the_complaint_as_read_afterwards(org, api, who, overrides):
    """The create answers from what it wrote, without reading it back: exactly what a read then shows."""
    client = api(getattr(org, who))
    with time_machine.travel(LOGGED_AT, tick=False):
        created = client.log(**overrides)
        assert created.status_code == 201, created.json()
        read = client.get(f"/api/v1/complaints/{created.json()['id']}/")
    assert created.json() == read.json()
    assert created.json()["deadlines"]
    assert [event["kind"] for event in created.json()["events"]] == ["logged"]


def test_close_takes_the_root_cause_set_earlier(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log(servqual_dimension="empathy", blueprint_area="front_stage").json()["id"]
    for step in ["apologize", "respond", "follow-up"]:
        frontline1.step(complaint_id, step, STEP_BODIES[step])
    closed = frontline1.step(complaint_id, "close", {"closure_code": "resolved_unsatisfied"})
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["servqual_dimension"], closed.json()["blueprint_area"]) == ("empathy", "front_stage")


def test_close_without_root_cause_names_the_missing_fields(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    for step in ["apologize", "respond", "follow-up"]:
        frontline1.step(complaint_id, step, STEP_BODIES[step])
    response = frontline1.step(complaint_id, "close", {"closure_code": "resolved"})
    assert response.status_code == 400
    assert set(response.json()) == {"servqual_dimension", "blueprint_area"}
    assert Complaint.objects.get(pk=complaint_id).status == "followed_up"


def test_a_duplicate_can_be_closed_straight_away(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    response = frontline1.step(
        complaint_id,
        "close",
        {"closure_code": "duplicate", "servqual_dimension": "reliability", "blueprint_area": "support"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"


def test_the_same_customer_is_found_again_by_phone_or_email(org, api):
    frontline1 = api(org.frontline1)
    first = frontline1.log(customer={"name": "Ms. Wang", "phone": "13800138000"}).json()
    by_phone = frontline1.log(customer={"phone": "+86 138 0013 8000", "email": "wang@example.com"}).json()
    by_email = frontline1.log(customer={"name": "Wang", "email": "WANG@example.com"}).json()
    ids = {Complaint.objects.get(pk=c["id"]).customer_id for c in (first, by_phone, by_email)}
    assert len(ids) == 1
    assert by_email["customer"] | {"id": None} == {
        "id": None,
        "name": "Ms. Wang",
        "phone": "+8613800138000",
        "email": "wang@example.com",
    }


def test_references_count_per_store_and_local_day(org, api):
    # 23:30 UTC on the 21st is already the 22nd in Shanghai.
    with time_machine.travel(datetime(2026, 11, 21, 23, 30, tzinfo=UTC), tick=False):
        a = api(org.frontline1).log().json()["reference"]
        b = api(org.frontline1).log().json()["reference"]
        c = api(org.frontline3).log().json()["reference"]
    with time_machine.travel(datetime(2026, 11, 22, 16, 5, tzinfo=UTC), tick=False):
        d = api(org.frontline1).log().json()["reference"]
    assert (a, b, c, d) == ("S1-20261122-0001", "S1-20261122-0002", "S2-20261122-0001", "S1-20261123-0001")


def test_supervisor_assigns_and_the_event_says_from_whom_to_whom(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    response = api(org.supervisor1).step(complaint_id, "assign", {"assignee": "frontline2"})
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"] == "frontline2"
    assert response.json()["events"][-1]["kind"] == "assigned"
    assert response.json()["events"][-1]["data"] == {"from": "frontline1", "to": "frontline2"}


def test_frontline_may_not_assign(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    response = api(org.frontline1).step(complaint_id, "assign", {"assignee": "frontline2"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Complaint.objects.get(pk=complaint_id).assignee == org.frontline1


def test_cannot_assign_to_someone_from_another_store(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    response = api(org.supervisor1).step(complaint_id, "assign", {"assignee": "frontline3"})
    assert response.status_code == 400
    assert "assignee" in response.json()
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id).count() == 1


# Transactional: a create outside any transaction, as a request makes it (a test's transaction would turn
# each of its writes into a savepoint and its release).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("customer_before", [False, True])
def test_logging_a_complaint_takes_a_fixed_number_of_statements(org, api, customer_before):
    """What a create costs the database, pinned: a new statement here is a cost to every tablet."""
    frontline1 = api(org.frontline1)
    reference_data_renew()  # the organisation made above as if committed before: its policies can be kept
    frontline1.log()  # categories, policies, tiers and guidelines are read once, then kept by the process
    if customer_before:
        frontline1.log(customer={"name": "Mr. Li", "phone": "139 0013 9000"})
    with CaptureQueriesContext(connection) as queries:
        response = frontline1.log(customer={"name": "Mr. Li", "phone": "139 0013 9000"})
    assert response.status_code == 201
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The token (with the user and their store); then one statement that writes the customer, the reference
    # counter, the complaint, its deadlines and its event, no transaction around it. For a known customer that
    # statement writes nothing, the customer is read, the statement runs again with them, and their flags are
    # read (a customer made now has only this complaint). Nothing is read back (a new complaint has no
    # compensation); the category, SLA policy and guideline are the process's (core.reference).
    expected = ["SELECT", "WITH", "SELECT", "WITH", "SELECT"] if customer_before else ["SELECT", "WITH"]
    assert statements == expected, [query["sql"][:80] for query in queries.captured_queries]
    assert response.json()["customer_flags"]["complaints_90_days"] == (2 if customer_before else 1)


@pytest.mark.django_db(transaction=True)
def test_the_create_statement_is_planned_a_few_times_per_connection_not_per_create(org, api):
    """Prepared on the connection at its first run: PostgreSQL plans the first five runs for their values,
    then keeps one plan for all (parsing and planning it cost about as much as running it)."""
    frontline1 = api(org.frontline1)
    for n in range(10):
        assert frontline1.log(customer={"name": "Guest", "phone": f"139 0013 90{n:02d}"}).status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT custom_plans, generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%INSERT INTO "complaints_complaint"%'],
        )
        assert cursor.fetchall() == [(5, 5)]


@pytest.mark.django_db(transaction=True)
def test_a_stores_reference_counter_is_held_only_while_the_complaint_is_written(org, api):
    """Every create of a store waits on its counter's row lock until the holder commits: the counter is taken
    in the one statement that writes the complaint, after the customer, and that statement commits by itself."""
    frontline1 = api(org.frontline1)
    frontline1.log()
    with CaptureQueriesContext(connection) as queries:
        assert frontline1.log(customer={"name": "Mr. Li", "phone": "139 0013 9000"}).status_code == 201
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [statement for statement in sql if statement.startswith(("BEGIN", "SAVEPOINT", "COMMIT"))], sql
    (held,) = [statement for statement in sql if "complaints_referencecounter" in statement]
    written = re.findall(r'(\w+) INTO "(\w+)"', held)
    assert written == [
        ("INSERT", "complaints_customer"),
        ("INSERT", "complaints_referencecounter"),
        ("INSERT", "complaints_complaint"),
        ("INSERT", "complaints_deadline"),
        ("INSERT", "complaints_complaintevent"),
        ("INSERT", "outbox_outboxmessage"),  # its text message, when the customer may be texted (none here)
    ], held
