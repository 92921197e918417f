"""A customer's page over the API: history, compensation, satisfaction and flags, seen only by their stores' staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Category, Complaint
from recovery.models import CompensationGuideline
from tests.helpers import HOUR, T0, at, log_at

DAY = timedelta(days=1)
WANG = {"name": "Ms. Wang", "phone": "138 0013 8000", "email": "wang@example.com"}


def customer_url(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/"


def customer_of(complaint_id: str) -> int:
    return Complaint.objects.get(pk=complaint_id).customer_id


def test_the_customer_page_shows_their_complaints_compensation_and_satisfaction(org, api, limits):
    frontline1 = api(org.frontline1)
    old = log_at(frontline1, T0 - 100 * DAY, customer=WANG)
    at(T0 - 100 * DAY, frontline1.step, old, "apologize", {"note": ""})
    at(T0 - 100 * DAY, frontline1.respond, old, ("voucher", "40.00"))
    at(T0 - 99 * DAY, frontline1.step, old, "follow-up", {"outcome": "Fine", "satisfaction": 4})
    recent = log_at(frontline1, T0 - 2 * DAY, customer=WANG)
    at(T0 - 2 * DAY, frontline1.step, recent, "apologize", {"note": ""})
    at(T0 - 2 * DAY, frontline1.respond, recent, ("voucher", "25.00"))
    other_store = log_at(api(org.frontline3), T0 - DAY, customer=WANG)

    body = at(T0, api(org.supervisor1).get, customer_url(customer_of(recent)))

    assert body["customer"] == {
        "id": customer_of(recent),
        "name": "Ms. Wang",
        "phone": "+8613800138000",
        "email": "wang@example.com",
    }
    assert body["tier"] == {"code": "C", "name": "Guest", "is_default": True}
    # Only S1's complaints are listed; the money and the counts are the customer's, in every store.
    assert [c["id"] for c in body["complaints"]] == [recent, old]
    assert other_store not in [c["id"] for c in body["complaints"]]
    assert [c["granted"] for c in body["complaints"]] == ["25.00", "40.00"]
    assert (body["granted_30_days"], body["granted_365_days"]) == ("25.00", "65.00")
    assert body["satisfaction_average"] == 4.0
    assert body["flags"]["complaints_90_days"] == 2  # S1's recent one and S2's


def test_staff_of_a_store_without_their_complaints_do_not_see_the_customer_at_all(org, api):
    complaint_id = api(org.frontline1).log(customer=WANG).json()["id"]
    customer_id = customer_of(complaint_id)

    assert api(org.frontline1).get(customer_url(customer_id)).status_code == 200
    assert api(org.manager1).get(customer_url(customer_id)).status_code == 200  # S1's region
    assert api(org.admin).get(customer_url(customer_id)).status_code == 200
    for outsider in (org.frontline3, org.supervisor2, org.manager_other_region):
        response = api(outsider).get(customer_url(customer_id))
        assert response.status_code == 404, outsider
        assert "Wang" not in response.content.decode()
    assert api(org.frontline1).get(customer_url(999_999)).status_code == 404


def test_only_supervisors_and_above_set_a_tier_and_always_with_a_reason(org, api):
    customer_id = customer_of(api(org.frontline1).log(customer=WANG).json()["id"])
    url = customer_url(customer_id) + "tier/"

    assert api(org.frontline1).post(url, {"tier": "A", "reason": "VIP"}).status_code == 403
    missing = api(org.supervisor1).post(url, {"tier": "A", "reason": ""})
    assert missing.status_code == 400
    assert "reason" in missing.json()
    unknown = api(org.supervisor1).post(url, {"tier": "Z", "reason": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["tier"] == ["Unknown tier 'Z'."]
    assert api(org.supervisor2).post(url, {"tier": "A", "reason": "x"}).status_code == 404
    back = api(org.supervisor1).post(url, {"tier": None, "reason": "Card expired"})
    assert back.status_code == 200  # already the default tier: nothing changes
    assert back.json()["tier_changes"] == []


@pytest.mark.parametrize(("days_apart", "repeat"), [(89, True), (91, False)])
def test_two_complaints_within_90_days_make_a_repeat_complainant(org, api, days_apart, repeat):
    frontline1 = api(org.frontline1)
    log_at(frontline1, T0 - days_apart * DAY, customer=WANG)
    complaint_id = log_at(frontline1, T0, customer=WANG)

    flags = at(T0 + HOUR, frontline1.get, f"/api/v1/complaints/{complaint_id}/")["customer_flags"]

    assert flags["repeat_complainant"] is repeat
    assert flags["complaints_90_days"] == (2 if repeat else 1)


def test_a_complaint_without_a_customer_has_no_flags(org, api):
    complaint_id = api(org.frontline1).log(customer=None).json()["id"]
    assert api(org.frontline1).get(f"/api/v1/complaints/{complaint_id}/").json()["customer_flags"] is None


@pytest.fixture
def guideline(org):
    """Food quality at high severity: ¥10-20."""
    category = Category.objects.get(code="food_quality")
    return CompensationGuideline.objects.create(
        category=category, severity="high", min_amount=Decimal(10), max_amount=Decimal(20)
    )


def complaints_granted(api, user, amounts: list[str]) -> list[str]:
    """One complaint of Ms. Wang per amount, responded with a voucher of that amount, a day apart."""
    ids = []
    for n, amount in enumerate(amounts):
        complaint_id = log_at(api(user), T0 - (n + 1) * DAY, customer=WANG)
        at(T0 - (n + 1) * DAY, api(user).step, complaint_id, "apologize", {"note": ""})
        at(T0 - (n + 1) * DAY, api(user).respond, complaint_id, ("voucher", amount))
        ids.append(complaint_id)
    return ids


@pytest.mark.parametrize(
    ("amounts", "share", "unusual"),
    [
        (["30.00", "15.00"], 0.5, False),  # 1 of 2 above: exactly the share, not more
        (["30.00", "25.00", "15.00"], 0.5, True),  # 2 of 3 above
        (["30.00", "15.00"], 0.4, True),  # 1 of 2 with the setting lowered
        (["20.00", "20.00"], 0.0, False),  # at the guideline's top is within it
    ],
)
def test_unusual_compensation_is_more_than_the_configured_share_of_complaints_granted_above_the_guideline(
    org, api, limits, guideline, settings, amounts, share, unusual
):
    settings.CUSTOMER_UNUSUAL_COMPENSATION_SHARE = share
    ids = complaints_granted(api, org.frontline1, amounts)

    flags = at(T0, api(org.frontline1).get, f"/api/v1/complaints/{ids[0]}/")["customer_flags"]

    assert flags["unusual_compensation"] is unusual
    assert flags["complaints_365_days"] == len(amounts)


def test_the_approval_queue_shows_the_customers_flags_in_a_constant_number_of_queries(org, api, limits, guideline):
    complaints_granted(api, org.frontline1, ["30.00", "30.00"])
    supervisor1 = api(org.supervisor1)

    def queue() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as captured:
            results = at(T0, supervisor1.get, "/api/v1/approvals/", status="pending")["results"]
        return len(captured.captured_queries), results

    waiting = log_at(api(org.frontline1), T0, customer=WANG)
    at(T0, api(org.frontline1).step, waiting, "apologize", {"note": ""})
    at(T0, api(org.frontline1).respond, waiting, ("voucher", "60.00"))  # over the frontline's limit per action
    few, results = queue()
    assert results[0]["customer_flags"] == {
        "repeat_complainant": True,
        "unusual_compensation": True,
        "complaints_90_days": 3,
        "complaints_365_days": 3,
        "above_guideline_365_days": 2,
    }
    assert results[0]["complaint"]["customer"]["phone"] == "138****8000"
    for n in range(4):
        other = log_at(api(org.frontline2), T0, customer={"phone": f"+86 137 0000 {n:04d}"})
        at(T0, api(org.frontline2).step, other, "apologize", {"note": ""})
        at(T0, api(org.frontline2).respond, other, ("voucher", "60.00"))
    many, results = queue()
    assert len(results) == 5
    assert few == many


def test_the_customer_page_costs_the_same_queries_for_one_or_many_complaints(org, api, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    first = log_at(frontline1, T0 - DAY, customer=WANG)
    customer_id = customer_of(first)
    supervisor1.post(customer_url(customer_id) + "tier/", {"tier": "B", "reason": "Member"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert supervisor1.get(customer_url(customer_id)).status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for n in range(4):
        complaint_id = log_at(frontline1, T0 - n * HOUR, customer=WANG)
        at(T0 - n * HOUR, frontline1.step, complaint_id, "apologize", {"note": ""})
        at(T0 - n * HOUR, frontline1.respond, complaint_id, ("voucher", "5.00"))
    supervisor1.post(customer_url(customer_id) + "tier/", {"tier": "A", "reason": "VIP now"})
    # token (with the user), the customer in scope (with their tier), the money and flags, the complaints
    # (with store, category…, each one's compensation summed), the tier history
    assert one == queries() == 5


def test_lists_mask_contact_data_and_the_complaint_shows_it_whole(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log(customer=WANG).json()["id"]

    row = frontline1.get("/api/v1/complaints/").json()["results"][0]
    detail = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()

    assert (row["customer"]["phone"], row["customer"]["email"]) == ("138****8000", "w***@example.com")
    assert (detail["customer"]["phone"], detail["customer"]["email"]) == ("+8613800138000", "wang@example.com")
