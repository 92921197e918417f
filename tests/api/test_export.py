"""The complaints as a CSV file: Excel-ready bytes, no formula let through, the list's scope and filters,
masked phones, streamed in one query whatever the number of rows."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from complaints.models import Complaint, Customer
from core.reference import reference_data_renew
from staff.models import RoleAccess
from tests.factories import UserFactory
from tests.helpers import MINUTE, T0, log_at, walk
from tests.web.test_pages import signed_in

EXPORT = "/api/v1/complaints/export.csv"
# Each column's header for an English reader of stores in one zone, and the short name the tests read it by.
COLUMNS = {
    "Reference": "reference",
    "Store": "store",
    "Logged at (Asia/Shanghai)": "created_at",
    "Status": "status",
    "Category": "category",
    "Severity": "severity",
    "Channel": "channel",
    "Stage": "stage",
    "What failed": "servqual_dimension",
    "Where it failed": "blueprint_area",
    "What happened": "description",
    "Customer's name": "customer_name",
    "Customer's phone": "customer_phone",
    "Assigned to": "assignee",
    "Apologized at (Asia/Shanghai)": "apologized_at",
    "Responded at (Asia/Shanghai)": "responded_at",
    "Followed up at (Asia/Shanghai)": "followed_up_at",
    "Closed at (Asia/Shanghai)": "closed_at",
    "How it ended": "closure_code",
    "Satisfaction (1-5)": "satisfaction",
    "Escalation level": "escalation_level",
    "Compensation granted": "compensation_granted",
}
HEADER = list(COLUMNS)


def download(api_client, language: str = "en", **params) -> bytes:
    response = api_client.client.get(EXPORT, params, headers={"Accept-Language": language})
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def table(api_client, language: str = "en", **params) -> list[list[str]]:
    """The file's lines, read as a spreadsheet would (BOM dropped)."""
    return list(csv.reader(io.StringIO(download(api_client, language, **params).decode("utf-8-sig"), newline="")))


def export(api_client, **params) -> list[dict[str, str]]:
    """The rows of an English reader's file of stores in Shanghai's zone, as dicts by each column's short name."""
    header, *rows = table(api_client, **params)
    assert header == HEADER
    return [dict(zip(COLUMNS.values(), row, strict=True)) for row in rows]


def references(api_client, **params) -> list[str]:
    return [row["reference"] for row in export(api_client, **params)]


def reference_of(complaint_id: str) -> str:
    return Complaint.objects.get(pk=complaint_id).reference


def logged(api_client, **overrides) -> dict:
    response = api_client.log(**overrides)
    assert response.status_code == 201, response.json()
    return response.json()


# --- The file ------------------------------------------------------------------------------------------


def test_the_file_is_utf8_with_a_bom_crlf_lines_and_a_dated_attachment_name(org, api):
    logged(api(org.frontline1))
    with time_machine.travel(datetime(2026, 11, 23, 4, tzinfo=UTC), tick=False):
        response = api(org.supervisor1).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="complaints-20261123.csv"'
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbfReference,Store,Logged at (Asia/Shanghai),Status,Category,")
    lines = content.split(b"\r\n")
    assert lines[0].decode("utf-8-sig").split(",") == HEADER
    assert len(lines) == 3
    assert lines[-1] == b""
    assert b"\n" not in content.replace(b"\r\n", b"")


def closed_at_t0(api_client) -> dict:
    with time_machine.travel(T0, tick=False):
        complaint = logged(api_client, severity="high", channel="phone", stage="after_sale")
        walk(api_client, complaint["id"], ["apologize"])
        api_client.respond(complaint["id"], ("voucher", "30.00"), ("free_item", "0"))
        walk(api_client, complaint["id"], ["follow-up", "close"])
    return complaint


def test_a_row_reads_in_words_with_times_on_the_stores_clock(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint = closed_at_t0(frontline1)
    [row] = export(api(org.supervisor1))
    assert row == {
        "reference": complaint["reference"],
        "store": "S1",
        "created_at": "2026-11-23 12:00:00",  # 04:00 UTC is noon in Shanghai
        "status": "Closed",
        "category": "Food quality",
        "severity": "High",
        "channel": "Phone",
        "stage": "After-sale",
        "servqual_dimension": "Reliability",
        "blueprint_area": "Back stage",
        "description": "The soup was cold.",
        "customer_name": "Ms. Wang",
        "customer_phone": "138****8000",
        "assignee": "frontline1",
        "apologized_at": "2026-11-23 12:00:00",
        "responded_at": "2026-11-23 12:00:00",
        "followed_up_at": "2026-11-23 12:00:00",
        "closed_at": "2026-11-23 12:00:00",
        "closure_code": "Resolved",
        "satisfaction": "5",
        "escalation_level": "0",
        "compensation_granted": "30.00",
    }


def test_a_chinese_reader_gets_chinese_headers_category_and_labels(org, api, limits):
    frontline1 = api(org.frontline1)
    closed_at_t0(frontline1)
    supervisor1 = api(org.supervisor1)

    header, row = table(supervisor1, "zh-hans")

    named = dict(zip(header, row, strict=True))
    assert header[:5] == ["编号", "门店", "登记时间（Asia/Shanghai）", "状态", "类别"]
    assert named["类别"] == "菜品质量"
    assert (named["状态"], named["严重程度"], named["渠道"], named["结果"]) == ("已关闭", "高", "电话", "已解决")
    assert named["关闭时间（Asia/Shanghai）"] == "2026-11-23 12:00:00"
    assert not [text for text in header if re.search("[A-Za-z]{3,}", text.replace("Asia/Shanghai", ""))]


def test_a_chosen_language_wins_over_the_browsers_in_the_file_too(org, api, limits):
    org.supervisor1.language = "zh-hans"
    org.supervisor1.save()
    logged(api(org.frontline1))

    header, _row = table(api(org.supervisor1), "en")

    assert header[0] == "编号"


def test_stores_in_several_zones_give_each_row_its_stores_time_and_a_zone_column(org, api):
    org.s3_other_region.timezone = "Europe/London"
    org.s3_other_region.save()
    elsewhere = UserFactory(username="frontline_s3", store=org.s3_other_region)
    with time_machine.travel(T0, tick=False):
        in_shanghai = logged(api(org.frontline1))["reference"]
        in_london = logged(api(elsewhere))["reference"]

    header, *rows = table(api(org.admin))
    one_store = table(api(org.admin), store="S3")

    assert header[:4] == ["Reference", "Store", "Time zone", "Logged at (the store's time)"]
    assert sorted(row[:4] for row in rows) == [
        [in_shanghai, "S1", "Asia/Shanghai", "2026-11-23 12:00:00"],
        [in_london, "S3", "Europe/London", "2026-11-23 04:00:00"],
    ]
    assert one_store[0][:3] == ["Reference", "Store", "Logged at (Europe/London)"]  # one store: one zone
    assert one_store[1][:3] == [in_london, "S3", "2026-11-23 04:00:00"]


def test_compensation_counts_only_what_was_granted(org, api, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    granted = frontline1.apologized(description="granted")
    assert frontline1.respond(granted, ("voucher", "20.00"), ("discount", "15.50")).json()["status"] == "responded"
    waiting = frontline1.apologized(description="waiting", customer={"phone": "13900139000"})
    assert frontline1.respond(waiting, ("voucher", "80.00")).json()["status"] == "awaiting_approval"
    logged(frontline1, description="nothing", customer=None)
    totals = {row["description"]: row["compensation_granted"] for row in export(supervisor1)}
    assert totals == {"granted": "35.50", "waiting": "0.00", "nothing": "0.00"}


def test_chinese_text_round_trips(org, api):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    logged(frontline1, description="汤是凉的，服务员说“马上换”，\n等了二十分钟。", customer={"name": "王女士"})
    [row] = export(supervisor1)
    assert row["description"] == "汤是凉的，服务员说“马上换”，\n等了二十分钟。"
    assert row["customer_name"] == "王女士"


def test_the_phone_is_masked_and_never_whole(org, api):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    logged(frontline1, customer={"name": "Wang", "phone": "+86 138 0013 8000"})
    logged(frontline1, customer={"name": "Smith", "phone": "+44 7400 123456"})
    logged(frontline1, customer={"name": "Nobody"})
    content = download(supervisor1).decode("utf-8-sig")
    assert "13800138000" not in content
    assert "7400123456" not in content
    phones = {row["customer_name"]: row["customer_phone"] for row in export(supervisor1)}
    # a foreign number keeps its country code, and so starts with "+": neutralised like any cell
    assert phones == {"Wang": "138****8000", "Smith": "'+44****3456", "Nobody": ""}


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", '=HYPERLINK("http://evil.example","x")', "\t=1+1", "\r=1+1"],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote(org, api, text):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint = logged(frontline1, customer={"name": "Ms. Wang"})
    # The intake trims leading whitespace; a tab or CR could still arrive by another way.
    Complaint.objects.filter(pk=complaint["id"]).update(description=text)
    Customer.objects.filter(complaints=complaint["id"]).update(name=text)
    [row] = export(supervisor1)
    assert row["description"] == "'" + text
    assert row["customer_name"] == "'" + text


def test_text_that_only_contains_formula_characters_is_left_alone(org, api):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    logged(frontline1, description="Charged 2 + 2 = 5 dishes; email me @ home -- thanks")
    [row] = export(supervisor1)
    assert row["description"] == "Charged 2 + 2 = 5 dishes; email me @ home -- thanks"


# --- Scope, filters, ordering --------------------------------------------------------------------------


def test_each_reader_gets_only_the_stores_they_work_on(org, api):
    s1 = logged(api(org.frontline1), description="in S1")["reference"]
    s2 = logged(api(org.frontline3), description="in S2")["reference"]
    elsewhere = UserFactory(username="frontline_s3", store=org.s3_other_region)
    s3 = logged(api(elsewhere), description="in S3")["reference"]

    assert references(api(org.supervisor1)) == [s1]
    assert references(api(org.supervisor2)) == [s2]
    assert references(api(org.manager1)) == [s1, s2]
    assert references(api(org.admin)) == [s1, s2, s3]
    # another store's rows never appear, even when asked for by name
    assert references(api(org.supervisor1), store="S2") == []


def test_the_lists_filters_apply(org, api, sla):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    with time_machine.travel(datetime(2026, 11, 1, 12, tzinfo=UTC), tick=False):
        early = logged(frontline1, severity="low", description="music too loud")["reference"]
    late_id = log_at(frontline1, T0, severity="critical", customer={"name": "Li", "phone": "13900139000"})
    with time_machine.travel(T0, tick=False):
        walk(frontline1, late_id, ["apologize"])
    on_time = reference_of(log_at(frontline1, T0 + 4 * MINUTE, severity="low", channel="phone"))
    late = reference_of(late_id)

    with time_machine.travel(T0 + 40 * MINUTE, tick=False):
        assert references(supervisor1, status="apologized") == [late]
        assert references(supervisor1, status="new,apologized") == [early, late, on_time]
        assert references(supervisor1, created_from="2026-11-10") == [late, on_time]
        assert references(supervisor1, created_to="2026-11-01") == [early]
        # critical in person: respond within 15 minutes; low: apologize within a day
        assert references(supervisor1, overdue="true") == [early, late]
        assert references(supervisor1, overdue="false") == [on_time]
        assert references(supervisor1, severity="critical") == [late]
        assert references(supervisor1, severity="low", channel="phone") == [on_time]
        assert references(supervisor1, customer_phone="+86 139-0013-9000") == [late]
        assert references(supervisor1, search="LOUD music") == [early]
        assert references(supervisor1, category="wait_time") == []


def test_oldest_first_by_default_and_the_lists_ordering_when_asked(org, api):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    made = [
        reference_of(log_at(frontline1, T0 + minutes * MINUTE, severity=severity))
        for minutes, severity in [(0, "medium"), (1, "critical"), (2, "low"), (3, "high")]
    ]
    assert references(supervisor1) == made
    assert references(supervisor1, ordering="-created_at") == made[::-1]
    assert [row["severity"] for row in export(supervisor1, ordering="-severity")] == [
        "Critical",
        "High",
        "Medium",
        "Low",
    ]
    assert sorted(references(supervisor1, ordering="due")) == sorted(made)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"overdue": "maybe"}, "overdue"),
        ({"escalation_level": "9"}, "escalation_level"),
        ({"ordering": "password"}, "ordering"),
    ],
)
def test_a_bad_filter_is_a_400_in_json_not_a_file(org, api, params, field):
    response = api(org.supervisor1).client.get(EXPORT, params, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert not response.streaming
    body = response.json()
    assert list(body) == [field]
    assert isinstance(body[field], list)
    assert body[field]


def test_the_filters_tell_the_same_as_the_lists(org, api):
    supervisor1 = api(org.supervisor1)
    for params in [{"status": "lost"}, {"overdue": "maybe"}, {"created_to": "2026-02-30"}]:
        assert supervisor1.get(EXPORT, **params).json() == supervisor1.get("/api/v1/complaints/", **params).json()


def roles_allowed_in_the_admin(admin: Client, roles: set[str]) -> None:
    """Django admin → Role access: tick "may export complaints" for ``roles`` alone, and save the list."""
    form = {"_save": "Save", "form-TOTAL_FORMS": "4", "form-INITIAL_FORMS": "4"}
    for index, access in enumerate(RoleAccess.objects.order_by("role")):
        form[f"form-{index}-id"] = str(access.pk)
        if access.role in roles:
            form[f"form-{index}-export_complaints"] = "on"
    response = admin.post("/admin/staff/roleaccess/", form)
    assert response.status_code == 302, response.content.decode()


def test_frontline_staff_may_not_export_until_an_admin_allows_their_role(org, api):
    frontline1, supervisor1, admin = api(org.frontline1), api(org.supervisor1), signed_in(org.admin)
    logged(frontline1)

    refused = frontline1.client.get(EXPORT, HTTP_ACCEPT="text/csv")

    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "detail": "Your role may not export complaints; an admin decides which roles may (Django admin → Role access).",
    }
    assert "Frontline" in admin.get("/admin/staff/roleaccess/").content.decode()
    roles_allowed_in_the_admin(admin, {"frontline", "supervisor", "manager", "admin"})
    assert references(frontline1) == [Complaint.objects.get().reference]
    # Taken from supervisors: refused at their next request (every process reads the setting again).
    roles_allowed_in_the_admin(admin, {"frontline", "manager", "admin"})
    assert supervisor1.client.get(EXPORT, HTTP_ACCEPT="text/csv").status_code == 403


def test_every_role_but_frontline_may_export_when_no_admin_has_said_otherwise(org, api):
    RoleAccess.objects.all().delete()  # a role without a row (as in a database emptied by a test)
    logged(api(org.frontline1))

    answers = {
        user.role: api(user).client.get(EXPORT, HTTP_ACCEPT="text/csv").status_code
        for user in (org.frontline1, org.supervisor1, org.manager1, org.admin)
    }

    assert answers == {"frontline": 403, "supervisor": 200, "manager": 200, "admin": 200}


def test_signed_out_is_a_401_in_json(client, org):
    response = client.get(EXPORT, HTTP_ACCEPT="text/csv")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("accept", ["text/csv", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8", None])
def test_any_reasonable_accept_gets_the_file(org, api, accept):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    logged(frontline1)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = supervisor1.client.get(EXPORT, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_asking_for_json_only_is_told_in_json_that_the_answer_is_a_file(org, api):
    response = api(org.supervisor1).client.get(EXPORT, HTTP_ACCEPT="application/json")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_export_csv_is_its_own_route_not_a_complaint_id(db):
    assert resolve(EXPORT).url_name == "complaint-export"
    assert resolve("/api/v1/complaints/0123456789abcdef0123456789abcdef/").url_name == "complaint-detail"


# --- Streamed, in one query ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_streamed_in_one_query_whatever_the_number_of_rows(org, api, limits, count):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    for i in range(count):
        complaint = frontline1.apologized(description=f"complaint {i}", customer={"phone": f"1380013{i:04d}"})
        frontline1.respond(complaint, ("voucher", "10.00"))
    reference_data_renew()  # the organisation made above as if committed before: which roles may export can be kept
    download(supervisor1)  # and is, once read
    with CaptureQueriesContext(connection) as queries:
        response = supervisor1.client.get(EXPORT)
        assert response.streaming
        content = b"".join(response.streaming_content)
    assert content.count(b"\r\n") == count + 1
    # the token (with its user), the rows (with their compensation)
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]
