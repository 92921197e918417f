"""The complaint list: filters, search, ordering, pagination, and a constant number of queries."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import SEVERITY_RANK, Complaint
from core.rest import pagination
from tests.helpers import walk


def log_many(api_client, count: int, **overrides) -> list[dict]:
    return [api_client.log(description=f"complaint {i}", **overrides).json() for i in range(count)]


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_runs_a_constant_number_of_queries_whatever_the_page_size(org, api, page_size):
    frontline1 = api(org.frontline1)
    log_many(frontline1, page_size)
    with CaptureQueriesContext(connection) as queries:
        response = frontline1.get("/api/v1/complaints/", page_size=page_size)
    assert len(response.json()["results"]) == page_size
    # the token (with its user), the count, the page's keys, its rows: 5 or 50
    assert len(queries) == 4, [q["sql"] for q in queries.captured_queries]


def test_list_filters_by_status_severity_channel_and_assignee(org, api):
    frontline1 = api(org.frontline1)
    new = frontline1.log(severity="low", channel="phone").json()
    apologized = frontline1.log(severity="critical").json()
    walk(frontline1, apologized["id"], ["apologize"])
    responded = frontline1.log().json()
    walk(frontline1, responded["id"], ["apologize", "respond"])
    api(org.supervisor1).step(responded["id"], "assign", {"assignee": "frontline2"})

    def ids(**params) -> set[str]:
        return {c["id"] for c in frontline1.get("/api/v1/complaints/", **params).json()["results"]}

    assert ids(status=["new", "apologized"]) == {new["id"], apologized["id"]}
    assert ids(status="new,apologized") == {new["id"], apologized["id"]}
    assert ids(status="responded") == {responded["id"]}
    assert ids(severity="critical") == {apologized["id"]}
    assert ids(channel="phone") == {new["id"]}
    assert ids(assignee="frontline2") == {responded["id"]}
    assert ids(category="food_quality") == {new["id"], apologized["id"], responded["id"]}
    assert ids(category="wait_time") == set()
    assert ids(store="S1") == {new["id"], apologized["id"], responded["id"]}


def test_list_filters_by_customer_phone_in_any_format(org, api):
    frontline1 = api(org.frontline1)
    wang = frontline1.log(customer={"name": "Wang", "phone": "13800138000"}).json()
    frontline1.log(customer={"name": "Li", "phone": "13900139000"})
    listed = frontline1.get("/api/v1/complaints/", customer_phone="+86 138-0013-8000").json()["results"]
    assert [c["id"] for c in listed] == [wang["id"]]


def test_list_filters_by_creation_dates(org, api):
    frontline1 = api(org.frontline1)
    with time_machine.travel(datetime(2026, 11, 1, 12, tzinfo=UTC), tick=False):
        early = frontline1.log().json()
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        late = frontline1.log().json()

    def ids(**params) -> list[str]:
        return [c["id"] for c in frontline1.get("/api/v1/complaints/", **params).json()["results"]]

    assert ids(created_from="2026-11-10") == [late["id"]]
    assert ids(created_to="2026-11-01") == [early["id"]]
    assert ids(created_from="2026-11-01T00:00:00+08:00", created_to="2026-11-20T12:00:00Z") == [early["id"]]


def test_search_matches_reference_description_and_customer_name(org, api):
    frontline1 = api(org.frontline1)
    soup = frontline1.log(description="The soup was cold", customer={"name": "Ms. Wang"}).json()
    noise = frontline1.log(description="Music far too loud", customer={"name": "Mr. Li"}).json()

    def ids(query: str) -> set[str]:
        return {c["id"] for c in frontline1.get("/api/v1/complaints/", search=query).json()["results"]}

    assert ids("COLD soup") == {soup["id"]}
    assert ids("wang") == {soup["id"]}
    assert ids(noise["reference"]) == {noise["id"]}
    assert ids("cold loud") == set()


def test_search_finds_a_customers_complaints_by_their_phone_in_any_format(org, api):
    frontline1 = api(org.frontline1)
    wang = frontline1.log(description="Cold soup", customer={"name": "Ms. Wang", "phone": "138 0013 8000"}).json()
    frontline1.log(description="Loud music", customer={"name": "Mr. Li", "phone": "139 0013 9000"})

    def ids(query: str) -> set[str]:
        return {c["id"] for c in frontline1.get("/api/v1/complaints/", search=query).json()["results"]}

    assert ids("13800138000") == {wang["id"]}
    assert ids("+86 138-0013-8000") == {wang["id"]}
    assert ids("13700137000") == set()


def test_search_takes_percent_signs_and_underscores_as_themselves(org, api):
    frontline1 = api(org.frontline1)
    percent = frontline1.log(description="Charged 100% extra", customer=None).json()
    frontline1.log(description="Charged 1000 extra", customer=None)
    underscore = frontline1.log(description="Code A_B on the receipt", customer=None).json()
    frontline1.log(description="Code AXB on the receipt", customer=None)

    def ids(query: str) -> set[str]:
        return {c["id"] for c in frontline1.get("/api/v1/complaints/", search=query).json()["results"]}

    assert ids("100%") == {percent["id"]}
    assert ids("a_b") == {underscore["id"]}


def test_ordering_by_severity_follows_gravity_not_the_alphabet(org, api):
    frontline1 = api(org.frontline1)
    for severity in ["medium", "critical", "low", "high"]:
        frontline1.log(severity=severity)
    listed = frontline1.get("/api/v1/complaints/", ordering="-severity").json()["results"]
    assert [c["severity"] for c in listed] == ["critical", "high", "medium", "low"]


@pytest.mark.parametrize("ordering", ["severity", "-severity", "status", "-escalation_level", "due", "-due"])
def test_paging_through_ties_lists_every_complaint_once_in_order(org, api, ordering):
    """Many complaints share a severity or a status: the primary key orders them, page after page."""
    frontline1 = api(org.frontline1)
    for number in range(9):
        frontline1.log(severity=["low", "high", "critical"][number % 3])
    pages = [
        frontline1.get("/api/v1/complaints/", ordering=ordering, page_size=4, page=page).json()["results"]
        for page in (1, 2, 3)
    ]
    listed = [row for page in pages for row in page]
    assert len({row["id"] for row in listed}) == len(listed) == 9
    key = {"severity": lambda row: SEVERITY_RANK[row["severity"]], "due": lambda row: row["next_due_at"]}.get(
        ordering.lstrip("-"), lambda row: row[ordering.lstrip("-")]
    )
    keys = [key(row) for row in listed]
    assert keys == sorted(keys, reverse=ordering.startswith("-"))


@pytest.mark.parametrize("ordering", ["escalation_level", "-escalation_level"])
def test_paging_by_escalation_level_lists_the_escalated_and_the_rest_once_in_order(org, api, ordering):
    """The escalated (open) and the rest are read apart, each through its own index: the pages still follow
    one order, across the page where one part ends and the other begins."""
    frontline1 = api(org.frontline1)
    ids = [frontline1.log().json()["id"] for _ in range(8)]
    for complaint_id, level in zip(ids[1::2], [2, 1, 3, 1], strict=True):
        Complaint.objects.filter(pk=complaint_id).update(escalation_level=level)
    walk(frontline1, ids[0], ["apologize", "respond", "follow-up", "close"])  # closed: level 0

    pages = [
        frontline1.get("/api/v1/complaints/", ordering=ordering, page_size=3, page=page).json()["results"]
        for page in (1, 2, 3)
    ]

    listed = [(row["escalation_level"], row["id"]) for page in pages for row in page]
    assert len(set(listed)) == len(listed) == 8
    assert listed == sorted(listed, reverse=ordering.startswith("-"))
    assert [level for level, _ in listed][:4] == ([3, 2, 1, 1] if ordering.startswith("-") else [0, 0, 0, 0])


def test_newest_first_by_default_and_paginated(org, api):
    frontline1 = api(org.frontline1)
    logged = log_many(frontline1, 7)
    first_page = frontline1.get("/api/v1/complaints/", page_size=5).json()
    assert first_page["count"] == 7
    assert [c["id"] for c in first_page["results"]] == [c["id"] for c in reversed(logged)][:5]
    second_page = frontline1.get("/api/v1/complaints/", page_size=5, page=2).json()
    assert len(second_page["results"]) == 2
    assert second_page["next"] is None
    assert first_page["count_capped"] is False


def test_a_long_list_is_counted_up_to_the_cap_and_says_so(org, api, monkeypatch):
    """Counting a million rows costs more than showing a page: the count stops at the cap."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    frontline1 = api(org.frontline1)
    logged = log_many(frontline1, 7)
    first_page = frontline1.get("/api/v1/complaints/", page_size=3).json()
    assert (first_page["count"], first_page["count_capped"]) == (4, True)
    assert [c["id"] for c in first_page["results"]] == [c["id"] for c in reversed(logged)][:3]
    second_page = frontline1.get("/api/v1/complaints/", page_size=3, page=2).json()
    assert [c["id"] for c in second_page["results"]] == [c["id"] for c in reversed(logged)][3:4]
    assert second_page["next"] is None, "the pages end at the cap: narrow the filter to see further"
    frontline1.log(description="The soup was cold.")
    narrowed = frontline1.get("/api/v1/complaints/", search="soup").json()
    assert (narrowed["count"], narrowed["count_capped"]) == (1, False)


def test_list_rows_carry_no_timeline(org, api):
    frontline1 = api(org.frontline1)
    frontline1.log()
    row = frontline1.get("/api/v1/complaints/").json()["results"][0]
    assert "events" not in row
    assert row["store"] == "S1"
    assert row["customer"]["phone"] == "138****8000"  # masked in lists; whole on the complaint


def test_categories_are_listed_with_both_languages(org, api):
    response = api(org.frontline1).get("/api/v1/categories/")
    assert response.status_code == 200
    assert {"code": "food_quality", "name_en": "Food quality", "name_zh": "菜品质量"} in response.json()
