"""Compensation on the spot: granted within every limit of the employee's role, else sent for approval."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from complaints.models import Complaint, ComplaintEvent
from recovery.models import ApprovalRequest, CompensationAction, CompensationGuideline, EmpowermentPolicy

# 2026-11-20 23:30 in Shanghai (UTC+8): half an hour before the store's business day ends.
LATE_EVENING = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def phone(n: int) -> dict:
    """A distinct customer, so that only the limit under test comes into play."""
    return {"name": f"Customer {n}", "phone": f"+86 138 0000 {n:04d}"}


def kinds_of(events: list[dict]) -> list[str]:
    return [event["kind"] for event in events]


def test_grant_within_every_limit_is_granted_at_once(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()

    response = frontline1.respond(complaint_id, ("voucher", "30.00"), ("free_item", "12.50"))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "responded"
    assert [(c["kind"], c["amount"], c["status"], c["granted_by"]) for c in body["compensation"]] == [
        ("voucher", "30.00", "granted", "frontline1"),
        ("free_item", "12.50", "granted", "frontline1"),
    ]
    assert {c["currency"] for c in body["compensation"]} == {"CNY"}
    assert body["pending_approval"] is None
    assert kinds_of(body["events"])[-2:] == ["compensation_granted", "responded"]
    granted_event = body["events"][-2]
    assert granted_event["data"]["total"] == "42.50"
    assert granted_event["actor"] == "frontline1"


def test_responding_without_compensation_still_works(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    response = frontline1.step(complaint_id, "respond", {"resolution": "Explained the delay."})
    assert response.status_code == 200
    assert response.json()["status"] == "responded"
    assert response.json()["compensation"] == []


def test_over_the_per_action_limit_waits_for_the_supervisor_and_says_by_how_much(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()

    response = frontline1.respond(complaint_id, ("voucher", "60.00"))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "awaiting_approval"
    assert body["allowed_steps"] == ["approve", "reject"]
    assert body["compensation"][0]["status"] == "pending_approval"
    assert body["responded_at"] is None
    pending = body["pending_approval"]
    assert pending["approver_role"] == "supervisor"
    assert pending["exceeded"] == [{"limit": "per_action", "max": "50.00", "requested": "60.00", "over": "10.00"}]
    assert kinds_of(body["events"])[-1] == "approval_requested"
    assert body["events"][-1]["status_after"] == "awaiting_approval"
    assert not CompensationAction.objects.filter(status="granted").exists()


def test_daily_limit_follows_the_business_day_in_the_stores_time_zone(org, api, limits):
    frontline1 = api(org.frontline1)
    with time_machine.travel(LATE_EVENING, tick=False):
        first, second, third = (frontline1.apologized(customer=phone(n)) for n in range(3))
        assert frontline1.respond(first, ("voucher", "40.00")).json()["status"] == "responded"
        assert frontline1.respond(second, ("voucher", "40.00")).json()["status"] == "responded"
        # 23:50 in Shanghai: the same business day, so 40 + 40 + 30 = 110 is over 100.
        with time_machine.travel(LATE_EVENING + timedelta(minutes=20), tick=False):
            over = frontline1.respond(third, ("voucher", "30.00")).json()
    assert over["status"] == "awaiting_approval"
    assert over["pending_approval"]["exceeded"] == [
        {"limit": "per_day", "max": "100.00", "requested": "30.00", "used_before": "80.00", "over": "10.00"}
    ]

    # 00:10 in Shanghai (still the 20th in UTC): a new business day, a fresh 100.
    with time_machine.travel(LATE_EVENING + timedelta(minutes=40), tick=False):
        fourth = frontline1.apologized(customer=phone(4))
        granted = frontline1.respond(fourth, ("voucher", "30.00")).json()
        limits_now = frontline1.get("/api/v1/me/limits/").json()
    assert granted["status"] == "responded"
    assert limits_now["business_day"] == "2026-11-21"
    assert limits_now["per_day"] == {"max": "100.00", "used": "30.00", "left": "70.00"}


def test_per_customer_limit_counts_all_staff_over_a_rolling_30_days(org, api, limits):
    frontline1, frontline2 = api(org.frontline1), api(org.frontline2)
    customer = phone(7)
    with time_machine.travel(LATE_EVENING, tick=False):
        assert frontline1.respond(frontline1.apologized(customer=customer), ("voucher", "50.00")).status_code == 200
        assert frontline2.respond(frontline2.apologized(customer=customer), ("voucher", "50.00")).status_code == 200
        assert frontline2.respond(frontline2.apologized(customer=customer), ("gift", "40.00")).status_code == 200

    # Ten days on, each employee has a fresh day, but the customer has had 140 of 150.
    with time_machine.travel(LATE_EVENING + timedelta(days=10), tick=False):
        over = frontline1.respond(frontline1.apologized(customer=customer), ("voucher", "20.00")).json()
    assert over["status"] == "awaiting_approval"
    assert over["pending_approval"]["exceeded"] == [
        {"limit": "per_customer", "max": "150.00", "requested": "20.00", "used_before": "140.00", "over": "10.00"}
    ]

    # Thirty days after the first grants they no longer count.
    with time_machine.travel(LATE_EVENING + timedelta(days=30, minutes=1), tick=False):
        again = frontline2.respond(frontline2.apologized(customer=customer), ("voucher", "20.00")).json()
    assert again["status"] == "responded"


def test_a_complaint_without_a_customer_has_no_customer_limit(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(customer=None)
    assert frontline1.respond(complaint_id, ("voucher", "50.00")).json()["status"] == "responded"


def test_several_limits_exceeded_are_all_reported(org, api, limits):
    frontline1 = api(org.frontline1)
    body = frontline1.respond(frontline1.apologized(), ("voucher", "160.00")).json()
    assert {e["limit"]: e["over"] for e in body["pending_approval"]["exceeded"]} == {
        "per_action": "110.00",
        "per_day": "60.00",
        "per_customer": "10.00",
    }


def test_above_the_supervisors_limits_goes_to_the_manager(org, api, limits):
    frontline1 = api(org.frontline1)
    body = frontline1.respond(frontline1.apologized(), ("voucher", "600.00")).json()
    assert body["pending_approval"]["approver_role"] == "manager"


def test_above_the_managers_limits_goes_to_an_admin(org, api, limits):
    supervisor1 = api(org.supervisor1)
    body = supervisor1.respond(supervisor1.apologized(), ("refund", "6000.00")).json()
    assert body["pending_approval"]["approver_role"] == "admin"


def test_a_store_without_a_supervisor_sends_requests_to_the_regions_manager(org, api, limits):
    org.supervisor2.is_active = False
    org.supervisor2.save()
    frontline3 = api(org.frontline3)
    body = frontline3.respond(frontline3.apologized(), ("voucher", "60.00")).json()
    assert body["pending_approval"]["approver_role"] == "manager"


def test_a_store_override_replaces_the_roles_default_limits(org, api, limits):
    EmpowermentPolicy.objects.create(
        role="frontline",
        store=org.s2,
        max_per_action=Decimal(80),
        max_per_day=Decimal(200),
        max_per_customer=Decimal(200),
        allowed_kinds=["voucher"],
    )
    frontline3, frontline1 = api(org.frontline3), api(org.frontline1)
    assert frontline3.respond(frontline3.apologized(), ("voucher", "70.00")).json()["status"] == "responded"
    assert frontline1.respond(frontline1.apologized(), ("voucher", "70.00")).json()["status"] == "awaiting_approval"
    refused = frontline3.respond(frontline3.apologized(customer=phone(1)), ("gift", "5.00"))
    assert refused.status_code == 400


def test_admins_are_never_limited(org, api, limits):
    admin = api(org.admin)
    body = admin.respond(admin.apologized(store="S1"), ("refund", "99999.00")).json()
    assert body["status"] == "responded"


def test_a_role_without_a_policy_grants_nothing_on_its_own(org, api):
    frontline1 = api(org.frontline1)
    response = frontline1.respond(frontline1.apologized(), ("voucher", "5.00"))
    assert response.status_code == 400
    assert "may not grant a voucher" in response.json()["compensation"][0]


# --- Bad input: 400 with a clear message, nothing changed ---------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"kind": "voucher", "amount": "-5"}, "amount", "greater than or equal to 0"),
        ({"kind": "voucher", "amount": "ten"}, "amount", "valid number"),
        ({"kind": "voucher", "amount": "1.005"}, "amount", "decimal places"),
        ({"kind": "voucher", "amount": "NaN"}, "amount", "valid number"),
        ({"kind": "voucher", "amount": True}, "amount", "valid number"),
        ({"kind": "voucher"}, "amount", "required"),
        ({"kind": "cash_bribe", "amount": "5"}, "kind", "not a valid choice"),
        # Python reads these as numbers; a person typing an amount did not mean them.
        ({"kind": "voucher", "amount": "1e9"}, "amount", 'plain digits with at most 2 decimals, e.g. "49.50"'),
        ({"kind": "voucher", "amount": "1e-2"}, "amount", "plain digits"),
        ({"kind": "voucher", "amount": "１２"}, "amount", "plain digits"),
        ({"kind": "voucher", "amount": " 12 "}, "amount", "plain digits"),
        ({"kind": "voucher", "amount": "+12"}, "amount", "plain digits"),
    ],
)
def test_bad_compensation_lines_are_400_with_the_field_and_change_nothing(org, api, limits, line, field, message):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    response = frontline1.step(complaint_id, "respond", {"resolution": "Sorry", "compensation": [line]})
    assert response.status_code == 400
    assert message in response.json()["compensation"]["0"][field][0]  # errors by line index
    assert Complaint.objects.get(pk=complaint_id).status == "apologized"
    assert not CompensationAction.objects.exists()


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        ("refund", "10.00", "Line 1: your role may not grant a refund"),
        ("voucher", "0", "Line 1: a voucher needs an amount above 0"),
    ],
)
def test_what_the_role_may_not_grant_is_400_not_an_approval(org, api, limits, kind, amount, message):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    response = frontline1.respond(complaint_id, (kind, amount))
    assert response.status_code == 400
    assert response.json()["compensation"][0].startswith(message)
    assert Complaint.objects.get(pk=complaint_id).status == "apologized"
    assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize("amount", ["1000000000", 1e9, "100000.01"])
def test_an_amount_above_the_stores_largest_action_is_400_not_an_approval(org, api, limits, amount):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    response = frontline1.step(
        complaint_id, "respond", {"resolution": "Sorry", "compensation": [{"kind": "voucher", "amount": amount}]}
    )
    assert response.status_code == 400
    assert (
        "above the largest compensation action allowed in this store (100000.00 CNY)"
        in (response.json()["compensation"][0])
    )
    assert not ApprovalRequest.objects.exists()


def test_the_largest_action_is_the_stores_setting_and_amounts_follow_its_currency(org, api, limits):
    org.s1.max_compensation_amount, org.s1.currency = Decimal(500), "JPY"
    org.s1.save()
    frontline1 = api(org.frontline1)
    over = frontline1.respond(frontline1.apologized(), ("voucher", "501"))
    cents = frontline1.respond(frontline1.apologized(), ("voucher", "10.50"))
    assert over.status_code == cents.status_code == 400
    assert "(500.00 JPY)" in over.json()["compensation"][0]
    assert cents.json()["compensation"] == ["Line 1: JPY amounts have at most 0 decimals."]
    assert frontline1.respond(frontline1.apologized(), ("voucher", "10")).json()["status"] == "responded"


def test_a_free_item_of_no_set_value_only_where_the_policy_allows_it(org, api, limits):
    frontline1 = api(org.frontline1)
    assert frontline1.respond(frontline1.apologized(), ("free_item", "0")).json()["status"] == "responded"

    limits["frontline"].allow_zero_amount = False
    limits["frontline"].save()
    response = frontline1.respond(frontline1.apologized(), ("free_item", "0"))
    assert response.status_code == 400
    assert "no set value" in response.json()["compensation"][0]


def test_money_stays_exact_decimal(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    body = {"resolution": "ok", "compensation": [{"kind": "voucher", "amount": 0.1}, {"kind": "gift", "amount": 0.2}]}
    response = frontline1.step(complaint_id, "respond", body)
    assert response.status_code == 200
    assert frontline1.get("/api/v1/me/limits/").json()["per_day"]["used"] == "0.30"
    assert sum(CompensationAction.objects.values_list("amount", flat=True)) == Decimal("0.30")


# --- Later compensation --------------------------------------------------------------------------


def test_more_compensation_after_the_response_keeps_the_complaint_responded(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.respond(complaint_id, ("voucher", "20.00"))
    body = {"compensation": [{"kind": "gift", "amount": "15.00", "note": "Flowers"}], "note": "Still upset"}

    response = frontline1.step(complaint_id, "compensation", body)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "responded"
    assert [c["kind"] for c in response.json()["compensation"]] == ["voucher", "gift"]
    assert kinds_of(response.json()["events"])[-1] == "compensation_granted"
    # The step's note is kept with the grant, as it is with a request for approval (issue 26, item 11).
    assert response.json()["events"][-1]["data"]["note"] == "Still upset"


def test_later_compensation_above_limits_waits_then_returns_to_where_it_was(org, api, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    complaint_id = frontline1.apologized()
    frontline1.respond(complaint_id, ("voucher", "20.00"))
    frontline1.step(complaint_id, "follow-up", {"outcome": "Still unhappy", "satisfaction": 2})

    asked = frontline1.step(complaint_id, "compensation", {"compensation": [{"kind": "voucher", "amount": "90"}]})
    assert asked.json()["status"] == "awaiting_approval"
    approval_id = asked.json()["pending_approval"]["id"]

    rejected = supervisor1.post(f"/api/v1/approvals/{approval_id}/reject/", {"reason": "Twenty is enough."})
    assert rejected.status_code == 200
    assert Complaint.objects.get(pk=complaint_id).status == "followed_up"


def test_compensation_before_the_response_is_409(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    response = frontline1.step(complaint_id, "compensation", {"compensation": [{"kind": "voucher", "amount": "5"}]})
    assert response.status_code == 409
    assert response.json()["allowed"] == ["respond", "close"]


def test_steps_wait_while_approval_is_pending(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.respond(complaint_id, ("voucher", "60.00"))
    events_before = ComplaintEvent.objects.filter(complaint_id=complaint_id).count()
    for step, body in [
        ("respond", {"resolution": "again"}),
        ("compensation", {"compensation": [{"kind": "voucher", "amount": "5"}]}),
        ("follow-up", {"outcome": "fine"}),
        ("close", {"closure_code": "withdrawn", "servqual_dimension": "empathy", "blueprint_area": "front_stage"}),
    ]:
        response = frontline1.step(complaint_id, step, body)
        assert response.status_code == 409, step
        assert response.json()["allowed"] == ["approve", "reject"]
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id).count() == events_before


# --- Guidelines -----------------------------------------------------------------------------------


def test_the_complaint_suggests_the_guideline_and_flags_grants_far_above_it(org, api, limits):
    guideline = CompensationGuideline.objects.create(
        category_id=Complaint._meta.get_field("category").related_model.objects.get(code="food_quality").pk,
        severity="high",
        min_amount=Decimal(20),
        max_amount=Decimal(40),
        note="A free dessert",
    )
    supervisor1 = api(org.supervisor1)
    complaint_id = supervisor1.apologized(severity="high")
    detail = supervisor1.get(f"/api/v1/complaints/{complaint_id}/").json()
    assert detail["compensation_guideline"] == {
        "min_amount": "20.00",
        "max_amount": "40.00",
        "currency": "CNY",
        "note": guideline.note,
    }

    body = supervisor1.respond(complaint_id, ("voucher", "40.00"), ("voucher", "80.00"), ("voucher", "80.01")).json()

    assert body["status"] == "responded"  # flagged for review, not blocked
    assert [c["above_guideline"] for c in body["compensation"]] == [False, True, True]
    assert [c["far_above_guideline"] for c in body["compensation"]] == [False, False, True]
    assert (
        supervisor1.get(f"/api/v1/complaints/{api(org.supervisor1).apologized(severity='low')}/").json()[
            "compensation_guideline"
        ]
        is None
    )


# --- The caller's limits -----------------------------------------------------------------------


def test_my_limits_show_what_is_left_today(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.respond(complaint_id, ("voucher", "35.00"))
    frontline1.respond(frontline1.apologized(customer=phone(2)), ("gift", "25.00"))

    mine = frontline1.get("/api/v1/me/limits/").json()
    for_customer = frontline1.get("/api/v1/me/limits/", complaint=complaint_id).json()

    assert mine | {"business_day": None} == {
        "role": "frontline",
        "store": "S1",
        "currency": "CNY",
        "business_day": None,
        "allowed_kinds": ["discount", "free_item", "gift", "replacement", "voucher"],
        "allow_zero_amount": True,
        "zero_amount_kinds": ["free_item", "gift"],
        "per_action": {"max": "50.00"},
        "per_day": {"max": "100.00", "used": "60.00", "left": "40.00"},
        "per_customer_30_days": {"max": "150.00", "used": None, "left": None},
    }
    assert for_customer["per_customer_30_days"] == {"max": "150.00", "used": "35.00", "left": "115.00"}
    # Another employee's day is their own.
    assert api(org.frontline2).get("/api/v1/me/limits/").json()["per_day"]["used"] == "0.00"


@pytest.mark.parametrize("allow_zero_amount", [True, False])
def test_me_limits_and_granting_agree_on_which_kinds_may_be_zero(org, api, limits, allow_zero_amount):
    limits["frontline"].allow_zero_amount = allow_zero_amount
    limits["frontline"].save()
    frontline1 = api(org.frontline1)
    mine = frontline1.get("/api/v1/me/limits/").json()
    granted_at_zero = [
        kind
        for kind in mine["allowed_kinds"]
        if frontline1.respond(frontline1.apologized(), (kind, "0")).json().get("status") == "responded"
    ]
    assert mine["zero_amount_kinds"] == granted_at_zero == (["free_item", "gift"] if allow_zero_amount else [])
    assert mine["allow_zero_amount"] is bool(granted_at_zero)


def test_limits_of_managers_and_admins_are_per_store(org, api, limits):
    manager1 = api(org.manager1)
    assert manager1.get("/api/v1/me/limits/").status_code == 400
    assert manager1.get("/api/v1/me/limits/", store="S2").json()["per_action"] == {"max": "5000.00"}
    assert manager1.get("/api/v1/me/limits/", store="S3").json() == {"store": ["Unknown store 'S3'."]}
    assert api(org.admin).get("/api/v1/me/limits/", store="S3").json()["per_day"] == {
        "max": None,
        "used": "0.00",
        "left": None,
    }


def test_limits_for_another_stores_complaint_are_404(org, api, limits):
    complaint_id = api(org.frontline3).apologized()
    assert api(org.frontline1).get("/api/v1/me/limits/", complaint=complaint_id).status_code == 404


@pytest.mark.parametrize("params", [{"complaint": "abc"}, {"complaint": "\x00"}, {"store": "S\x001"}])
def test_bad_limits_queries_are_400(org, api, params):
    response = api(org.manager1).get("/api/v1/me/limits/", **params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)
