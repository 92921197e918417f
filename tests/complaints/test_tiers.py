"""Customer tiers: which SLA policy and guideline a tier gets, and a tier change moving open complaints' due times."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from complaints.models import Category, Complaint, Customer, CustomerTier, CustomerTierChange, Deadline, SlaPolicy
from complaints.sla import policy_for
from recovery.models import CompensationGuideline
from tests.helpers import MINUTE, T0, at, log_at

HOUR = 3600


def tier(code: str) -> CustomerTier:
    return CustomerTier.objects.get(code=code)


def policy(severity: str, channel: str | None, tier_code: str | None, apologize_minutes: int) -> SlaPolicy:
    return SlaPolicy.objects.create(
        severity=severity,
        channel=channel,
        tier=tier(tier_code) if tier_code else None,
        apologize_within=apologize_minutes * 60,
        respond_within=8 * HOUR,
        follow_up_after=24 * HOUR,
        approval_within=600,
        escalate_every=HOUR,
    )


def test_tiers_a_b_c_exist_with_names_and_c_the_default(tiers):
    tiers = {t.code: (t.name_en, t.name_zh, t.is_default) for t in CustomerTier.objects.all()}
    assert tiers == {"A": ("VIP", "贵宾", False), "B": ("Member", "会员", False), "C": ("Guest", "普通顾客", True)}


@pytest.mark.parametrize(
    ("rows", "expected_minutes"),
    [
        # (channel, tier) rows present → the one that wins: tier and channel, tier, channel, any
        ([(None, None), ("phone", None), (None, "A"), ("phone", "A")], 1),
        ([(None, None), ("phone", None), (None, "A")], 2),
        ([(None, None), ("phone", None)], 3),
        ([(None, None)], 4),
        # Another tier's rows never apply.
        ([(None, None), ("phone", "B"), (None, "B")], 4),
    ],
)
def test_a_tiers_row_wins_over_a_channels_row_and_both_over_the_any_row(tiers, rows, expected_minutes):
    minutes = {
        ("phone", "A"): 1,
        (None, "A"): 2,
        ("phone", None): 3,
        (None, None): 4,
        ("phone", "B"): 5,
        (None, "B"): 6,
    }
    for channel, tier_code in rows:
        policy("high", channel, tier_code, minutes[(channel, tier_code)])
    vip = Customer.objects.create(phone="+8613800138000", tier=tier("A"))

    assert policy_for(severity="high", channel="phone", customer=vip).apologize_within == expected_minutes * 60


def test_customers_without_a_tier_and_complaints_without_a_customer_get_the_default_tiers_policy(tiers):
    policy("high", None, None, 30)
    policy("high", None, "C", 20)
    policy("high", None, "A", 5)
    guest = Customer.objects.create(phone="+8613800138000")

    assert policy_for(severity="high", channel="phone", customer=guest).apologize_within == 20 * 60
    assert policy_for(severity="high", channel="phone", customer=None).apologize_within == 20 * 60
    CustomerTier.objects.filter(code="C").update(is_default=False)
    assert policy_for(severity="high", channel="phone", customer=guest).apologize_within == 30 * 60


def test_a_new_complaint_of_a_vip_is_due_sooner(org, api):
    policy("high", None, None, 60)
    policy("high", None, "A", 10)
    Customer.objects.create(phone="+8613900139000", tier=tier("A"))

    vip = log_at(api(org.frontline1), T0, channel="phone", customer={"phone": "139 0013 9000"})
    guest = log_at(api(org.frontline1), T0, channel="phone", customer={"phone": "138 0013 8000"})

    apology_due = dict(Deadline.objects.filter(step="apologize").values_list("complaint_id", "due_at"))
    assert apology_due[Complaint.objects.get(pk=vip).pk] == T0 + 10 * MINUTE
    assert apology_due[Complaint.objects.get(pk=guest).pk] == T0 + 60 * MINUTE


def test_a_tier_change_moves_the_due_times_of_the_customers_open_complaints_only(org, api):
    policy("high", None, None, 60)
    policy("high", None, "A", 10)
    frontline1 = api(org.frontline1)
    open_id = log_at(frontline1, T0, channel="phone")
    closed_id = log_at(frontline1, T0, channel="phone")
    Complaint.objects.filter(pk=closed_id).update(status="closed")
    customer_id = frontline1.get(f"/api/v1/complaints/{open_id}/").json()["customer"]["id"]

    body = at(
        T0 + 5 * MINUTE,
        api(org.supervisor1).post,
        f"/api/v1/customers/{customer_id}/tier/",
        {"tier": "A", "reason": "Loyalty card holder"},
    )

    assert body["tier"]["code"] == "A"
    assert [(c["tier_before"], c["tier_after"], c["actor"], c["reason"]) for c in body["tier_changes"]] == [
        (None, "A", "supervisor1", "Loyalty card holder")
    ]
    due = dict(Deadline.objects.filter(step="apologize").values_list("complaint_id", "due_at"))
    assert due[Complaint.objects.get(pk=open_id).pk] == T0 + 10 * MINUTE  # from when the step started
    assert due[Complaint.objects.get(pk=closed_id).pk] == T0 + 60 * MINUTE
    assert Complaint.objects.get(pk=open_id).next_due_at == T0 + 10 * MINUTE


def test_setting_the_same_tier_again_records_nothing(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    customer_id = Complaint.objects.get(pk=complaint_id).customer_id
    supervisor1 = api(org.supervisor1)
    for _ in range(2):
        assert (
            supervisor1.post(f"/api/v1/customers/{customer_id}/tier/", {"tier": "B", "reason": "x"}).status_code == 200
        )
    assert CustomerTierChange.objects.count() == 1


def test_a_tiers_guideline_wins_over_the_any_tier_guideline(org, api):
    food = Category.objects.get(code="food_quality")
    any_tier = {"category": food, "severity": "high", "min_amount": Decimal(10), "max_amount": Decimal(20)}
    CompensationGuideline.objects.create(**any_tier)
    CompensationGuideline.objects.create(**any_tier | {"tier": tier("A"), "max_amount": Decimal(80)})
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    assert (
        frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["compensation_guideline"]["max_amount"] == "20.00"
    )

    customer_id = Complaint.objects.get(pk=complaint_id).customer_id
    api(org.supervisor1).post(f"/api/v1/customers/{customer_id}/tier/", {"tier": "A", "reason": "VIP"})

    assert (
        frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["compensation_guideline"]["max_amount"] == "80.00"
    )


def test_import_sets_tiers_by_phone_or_email_creates_unknown_customers_and_skips_bad_rows(org, api, tmp_path, capsys):
    policy("high", None, None, 60)
    policy("high", None, "B", 30)
    complaint_id = log_at(api(org.frontline1), T0, channel="phone", customer={"phone": "138 0013 8000"})
    csv_file = tmp_path / "tiers.csv"
    csv_file.write_text(
        "phone,email,tier\n138 0013 8000,,member\n,new@example.com,A\n12345,,A\n139 0013 9000,,Z\n",
        encoding="utf-8",
    )

    with time_machine.travel(T0 + MINUTE, tick=False):
        call_command("import_customer_tiers", str(csv_file), reason="CRM export")

    out, err = capsys.readouterr()
    assert "2 customers changed tier" in out
    assert "2 rows skipped" in out
    assert "line 4" in err
    assert "line 5: unknown tier 'Z'" in err
    assert Customer.objects.get(phone="+8613800138000").tier.code == "B"
    assert Customer.objects.get(email="new@example.com").tier.code == "A"
    assert CustomerTierChange.objects.filter(source="import", reason="CRM export").count() == 2
    assert Complaint.objects.get(pk=complaint_id).next_due_at == T0 + timedelta(minutes=30)
