"""The pure limit rules: what a role may grant and who must approve the rest (no database)."""

from decimal import Decimal as D

import pytest

from recovery.compensation.policies import (
    Limits,
    Line,
    Usage,
    approver_role_for,
    excesses,
    far_above_guideline,
    left_for_customer,
    left_today,
    refusals,
)

KINDS = frozenset({"voucher", "gift", "free_item"})
FRONTLINE = Limits("frontline", D(50), D(100), D(150), KINDS, allow_zero_amount=True)
SUPERVISOR = Limits("supervisor", D(500), D(2000), D(1000), KINDS | {"refund"}, allow_zero_amount=True)
MANAGER = Limits("manager", D(5000), D(20000), D(5000), KINDS | {"refund"}, allow_zero_amount=True)
BY_ROLE = {"frontline": FRONTLINE, "supervisor": SUPERVISOR, "manager": MANAGER, "admin": Limits.unlimited("admin")}
FRESH = Usage(granted_today=D(0), customer_30_days=D(0))


def test_exactly_at_every_limit_is_within_them():
    usage = Usage(granted_today=D(50), customer_30_days=D(100))
    assert excesses(FRONTLINE, usage, [Line("voucher", D(50))]) == []


def test_a_cent_over_is_an_excess_of_a_cent():
    usage = Usage(granted_today=D(50), customer_30_days=D(0))
    [excess] = excesses(FRONTLINE, usage, [Line("voucher", D("20")), Line("gift", D("30.01"))])
    assert excess.as_dict() == {
        "limit": "per_day",
        "max": "100",
        "requested": "50.01",
        "used_before": "50",
        "over": "0.01",
    }


def test_the_per_action_limit_applies_to_each_line_not_their_sum():
    assert excesses(FRONTLINE, FRESH, [Line("voucher", D(40)), Line("gift", D(40))]) == []


def test_no_customer_means_no_customer_limit():
    usage = Usage(granted_today=D(0), customer_30_days=None)
    assert excesses(FRONTLINE, usage, [Line("voucher", D(50)), Line("gift", D(50))]) == []
    assert left_for_customer(FRONTLINE, usage) is None


def test_an_unconfigured_role_may_grant_nothing_and_admins_everything():
    nothing = Limits.of(None, role="frontline")
    assert refusals(nothing, [Line("voucher", D(1))]) == ["Line 1: your role may not grant a voucher (allowed: none)."]
    admin = Limits.of(None, role="admin")
    assert refusals(admin, [Line("refund", D(10**9))]) == []
    assert excesses(admin, Usage(D(10**9), D(10**9)), [Line("refund", D(10**9))]) == []


@pytest.mark.parametrize(
    ("lines", "customer_30_days", "roles_present", "expected"),
    [
        ([Line("voucher", D(60))], D(0), {"supervisor", "manager"}, "supervisor"),
        ([Line("voucher", D(600))], D(0), {"supervisor", "manager"}, "manager"),
        ([Line("voucher", D(60))], D(990), {"supervisor", "manager"}, "manager"),  # customer at 1050 > 1000
        ([Line("voucher", D(6000))], D(0), {"supervisor", "manager"}, "admin"),
        ([Line("voucher", D(60))], D(0), {"manager"}, "manager"),  # no supervisor in the store
        ([Line("voucher", D(60))], D(0), set(), "admin"),
    ],
)
def test_the_lowest_role_that_covers_it_approves(lines, customer_30_days, roles_present, expected):
    role = approver_role_for(
        above="frontline",
        limits_by_role=BY_ROLE,
        customer_30_days=customer_30_days,
        lines=lines,
        roles_present=roles_present,
    )
    assert role == expected


def test_a_request_never_goes_to_the_requesters_own_role_or_below():
    role = approver_role_for(
        above="supervisor",
        limits_by_role=BY_ROLE,
        customer_30_days=D(0),
        lines=[Line("voucher", D(1))],
        roles_present={"supervisor", "manager"},
    )
    assert role == "manager"


def test_what_is_left_never_goes_below_zero():
    assert left_today(FRONTLINE, Usage(D(130), D(0))) == D(0)
    assert left_today(FRONTLINE, Usage(D(30), D(0))) == D(70)
    assert left_today(Limits.unlimited("admin"), FRESH) is None


def test_a_grant_is_flagged_only_beyond_twice_the_guidelines_top():
    assert not far_above_guideline(D(80), D(40))
    assert far_above_guideline(D("80.01"), D(40))
    assert not far_above_guideline(D(10**6), None)
