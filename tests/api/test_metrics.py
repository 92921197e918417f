"""Recovery metrics: every figure against a hand-computed expectation on a small day of complaints, and scope."""

import csv
import io
import re

import pytest
import time_machine

from recovery.metrics import GROUPINGS
from staff.models import StoreCustomerCount
from tests.conftest import METRICS_DAY as DAY
from tests.helpers import HOUR, T0, at

URL = "/api/v1/metrics/recovery/"


def metrics(api, user, **params):
    return at(T0 + 3 * HOUR, api(user).get, URL, date_from=DAY, date_to=DAY, **params)


def test_every_figure_of_a_small_day_matches_the_hand_count(day_of_complaints, api):
    totals = metrics(api, day_of_complaints.supervisor1)["totals"]

    assert totals["volume"] == 3
    assert totals["complaints_per_1000_customers"] == 5.0  # 3 of 600 customers
    assert totals["time_to_apologize"] == {"median": 300.0, "p90": 780.0}  # 300, 300, 900
    assert totals["time_to_respond"] == {"median": 2100.0, "p90": 2820.0}  # 1200 (A), 3000 (B); C not yet
    assert totals["time_to_close"] == {"median": 6300.0, "p90": 7020.0}  # 7200 (A), 5400 (B)
    respond_bins = {row["up_to"]: row["count"] for row in totals["time_to_respond_distribution"]}
    assert (respond_bins[1800], respond_bins[3600], sum(respond_bins.values())) == (1, 1, 2)  # 20 and 50 min
    # apologize: A, C in time, B late; respond: A in time, B late, C overdue; follow-ups and the approval in time
    assert totals["sla_met"] == {"apologize": 0.6667, "respond": 0.3333, "follow_up": 1.0, "approval": 1.0}
    assert (totals["escalation_rate"], totals["highest_escalation_level"]) == (0.3333, 1)
    assert totals["first_contact_resolution"] == 0.5  # A only: B needed an approval (and escalated)
    assert totals["follow_up_completion"] == 1.0
    assert totals["satisfaction"] == {"mean": 3.5, "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert totals["repeat_customer_rate"] == 1.0  # the one customer complained twice
    assert totals["reopen_rate"] == 0.0


def test_compensation_and_approvals_are_summed_by_kind_store_and_role(day_of_complaints, api):
    totals = metrics(api, day_of_complaints.supervisor1)["totals"]

    compensation = totals["compensation"]
    assert (compensation["total"], compensation["count"], compensation["average"]) == ("100.00", 2, "50.00")
    assert compensation["far_above_guideline_rate"] == 0.0
    assert compensation["by_kind"] == [{"key": "voucher", "total": "100.00", "count": 2, "average": "50.00"}]
    assert compensation["by_store"] == [{"key": "S1", "total": "100.00", "count": 2, "average": "50.00"}]
    assert [(row["key"], row["total"]) for row in compensation["by_role"]] == [
        ("supervisor", "80.00"),
        ("frontline", "20.00"),
    ]
    assert totals["approvals"] == {
        "requested": 1,
        "approval_rate": 1.0,
        "rejection_rate": 0.0,
        "median_decision_seconds": 300.0,
    }


def test_the_pareto_marks_the_few_causes_that_make_80_percent(day_of_complaints, api):
    pareto = metrics(api, day_of_complaints.supervisor1)["totals"]["pareto"]

    assert pareto["category"] == [
        {"key": "food_quality", "count": 2, "cumulative_share": 0.6667, "vital": True},
        {"key": "wait_time", "count": 1, "cumulative_share": 1.0, "vital": True},
    ]
    assert [row["key"] for row in pareto["servqual_dimension"]] == ["reliability", "responsiveness"]
    assert [(row["key"], row["count"]) for row in pareto["blueprint_area"]] == [("back_stage", 1), ("front_stage", 1)]


def test_the_previous_period_and_groups(day_of_complaints, api):
    answer = metrics(api, day_of_complaints.supervisor1, group_by="category")

    assert answer["previous"]["volume"] == 0
    assert answer["previous"]["time_to_respond"] == {"median": None, "p90": None}
    groups = {group["key"]: group for group in answer["groups"]}
    assert (groups["food_quality"]["volume"], groups["wait_time"]["volume"]) == (2, 1)
    assert groups["food_quality"]["time_to_respond"] == {"median": 2100.0, "p90": 2820.0}
    assert groups["food_quality"]["sla_met_respond"] == 0.5
    assert groups["wait_time"]["sla_met_respond"] == 0.0  # overdue
    assert groups["food_quality"]["compensation_total"] == "100.00"
    assert groups["food_quality"]["satisfaction_mean"] == 3.5
    by_day = metrics(api, day_of_complaints.supervisor1, group_by="day")["groups"]
    assert [(group["key"], group["volume"]) for group in by_day] == [(DAY, 3)]


def test_filters_narrow_every_figure(day_of_complaints, api):
    totals = metrics(api, day_of_complaints.supervisor1, category="wait_time")["totals"]
    assert (totals["volume"], totals["compensation"]["count"], totals["satisfaction"]["mean"]) == (1, 0, None)


def test_metrics_are_for_approvers_within_their_scope(day_of_complaints, api):
    org = day_of_complaints
    assert api(org.frontline1).get(URL).status_code == 403
    assert metrics(api, org.supervisor2)["totals"]["volume"] == 0  # S2
    assert metrics(api, org.manager1)["totals"]["volume"] == 3  # region R1
    assert metrics(api, org.admin)["totals"]["volume"] == 3
    assert metrics(api, org.manager_other_region)["totals"]["volume"] == 0
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        assert api(org.supervisor1).get(URL, store="S2").status_code == 404
        assert api(org.manager_other_region).get(URL, region="R1").status_code == 404
        assert api(org.manager1).get(URL, store="S1,S2", date_from=DAY, date_to=DAY).json()["totals"]["volume"] == 3


@pytest.mark.parametrize(
    "params",
    [{"date_from": "2026-11-24", "date_to": "2026-11-23"}, {"date_from": "2025-01-01"}, {"group_by": "weather"}],
)
def test_a_bad_query_is_400_naming_the_field(org, api, params):
    response = api(org.admin).get(URL, **params)
    assert response.status_code == 400
    assert set(response.json()) <= {"date_from", "date_to", "group_by"}


# --- The metrics' table as a CSV file --------------------------------------------------------------------

EXPORT = "/api/v1/metrics/recovery/export.csv"


def test_the_metrics_table_downloads_as_csv_a_row_per_group_then_the_period_and_the_one_before(day_of_complaints, api):
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        response = api(day_of_complaints.supervisor1).get(EXPORT, date_from=DAY, date_to=DAY, group_by="category")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="recovery-metrics-by-category-20261123-20261123.csv"' in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    assert body.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows == [
        [
            "Category", "Complaints", "Closed", "Escalation rate", "Satisfaction (mean, 1-5)",
            "Time to respond, median (minutes)", "Time to respond, 90th percentile (minutes)", "Responses in time",
            "Compensation given",
        ],
        # A and B (food): both closed, B escalated, 2 and 5 stars, responded in 20 and 50 min, B late
        ["Food quality", "2", "2", "50.0%", "3.50", "35.0", "47.0", "50.0%", "100.00"],
        ["Waiting time", "1", "0", "0.0%", "", "", "", "0.0%", "0.00"],  # C: open, its response overdue
        ["Total", "3", "2", "33.3%", "3.50", "35.0", "47.0", "33.3%", "100.00"],
        ["Previous period", "0", "0", "", "", "", "", "", "0.00"],
    ]  # fmt: skip


def test_a_chinese_reader_gets_the_metrics_table_in_chinese_with_the_days_zone_named(day_of_complaints, api):
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        response = api(day_of_complaints.supervisor1).client.get(
            EXPORT, {"date_from": DAY, "date_to": DAY}, headers={"Accept-Language": "zh-hans"}
        )
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    header, day, total, previous = list(csv.reader(io.StringIO(body, newline="")))
    assert header[:4] == ["日期（Asia/Shanghai）", "投诉数", "已关闭", "升级率"]
    assert not [text for text in header if re.search("[A-Za-z]{3,}", text.replace("Asia/Shanghai", ""))]
    assert (day[0], total[0], previous[0]) == (DAY, "合计", "上一周期")


@pytest.mark.parametrize("group_by", list(GROUPINGS))
def test_every_grouping_downloads_with_its_groups_named_for_people(day_of_complaints, api, group_by):
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        response = api(day_of_complaints.admin).get(EXPORT, date_from=DAY, date_to=DAY, group_by=group_by)
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    _header, *groups, _total, _previous = list(csv.reader(io.StringIO(body, newline="")))
    assert response.status_code == 200
    assert groups
    assert "_" not in "".join(row[0] for row in groups)  # no code (food_quality, in_person) left as it is


def test_the_metrics_table_is_by_day_unless_asked_and_keeps_the_scope_and_the_errors(day_of_complaints, api):
    org = day_of_complaints
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        by_day = api(org.manager1).get(EXPORT, date_from=DAY, date_to=DAY)
        other_store = api(org.supervisor1).get(EXPORT, store="S2")
        bad = api(org.admin).get(EXPORT, group_by="weather")
        frontline = api(org.frontline1).get(EXPORT)

    lines = b"".join(by_day.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines] == [
        ["Day (Asia/Shanghai)", "Complaints"],
        [DAY, "3"],
        ["Total", "3"],
        ["Previous period", "0"],
    ]
    assert (other_store.status_code, frontline.status_code) == (404, 403)
    assert (bad.status_code, bad["Content-Type"]) == (400, "application/json")
    assert "group_by" in bad.json()


# --- Customer counts, the complaint rate's base ----------------------------------------------------------


def test_a_supervisor_or_a_till_records_the_days_customer_count(org, api):
    url = "/api/v1/stores/S1/customer-counts/2026-11-23/"

    first = api(org.supervisor1).client.put(url, {"customers": 580}, format="json")
    corrected = api(org.admin).client.put(url, {"customers": 600}, format="json")

    assert (first.status_code, corrected.status_code) == (200, 200)
    assert corrected.json() == {"store": "S1", "day": "2026-11-23", "customers": 600}
    assert StoreCustomerCount.objects.get(store=org.s1).customers == 600


@pytest.mark.parametrize(
    ("who", "path", "body", "status"),
    [
        ("frontline1", "S1/customer-counts/2026-11-23/", {"customers": 5}, 403),
        ("supervisor2", "S1/customer-counts/2026-11-23/", {"customers": 5}, 404),
        ("supervisor1", "S1/customer-counts/2026-02-30/", {"customers": 5}, 404),
        ("supervisor1", "S1/customer-counts/2026-11-23/", {"customers": -1}, 400),
        ("supervisor1", "S1/customer-counts/2026-11-23/", {}, 400),
    ],
)
def test_customer_counts_are_checked(org, api, who, path, body, status):
    response = api(getattr(org, who)).client.put(f"/api/v1/stores/{path}", body, format="json")
    assert response.status_code == status
    assert not StoreCustomerCount.objects.exists()
