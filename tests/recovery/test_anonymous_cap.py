"""Complaints without a customer have their own cap per store and business day, which the customer cap cannot count."""

from datetime import timedelta
from decimal import Decimal

import time_machine

from recovery.compensation.policies import Limits, Line, Usage, excesses
from recovery.models import CompensationAction, EmpowermentPolicy
from staff.models import Role
from tests.helpers import T0, at

DAY = timedelta(days=1)


def limits(anonymous_per_day: str | None) -> Limits:
    return Limits(
        Role.FRONTLINE,
        Decimal(50),
        Decimal(1000),
        Decimal(150),
        frozenset({"voucher"}),
        allow_zero_amount=True,
        max_anonymous_per_day=Decimal(anonymous_per_day) if anonymous_per_day else None,
    )


def test_the_anonymous_cap_counts_what_the_store_gave_complaints_without_a_customer_today():
    lines = [Line("voucher", Decimal(30))]
    anonymous = Usage(granted_today=Decimal(0), customer_30_days=None, anonymous_today=Decimal(50))

    (excess,) = excesses(limits("60"), anonymous, lines)

    assert excess.as_dict() == {
        "limit": "anonymous_per_day",
        "max": "60",
        "requested": "30.00",
        "used_before": "50",
        "over": "20.00",
    }
    assert excesses(limits(None), anonymous, lines) == []  # no cap set: no limit
    with_customer = Usage(granted_today=Decimal(0), customer_30_days=Decimal(0), anonymous_today=None)
    assert excesses(limits("60"), with_customer, lines) == []


def apologized_at(client, moment, **overrides) -> str:
    with time_machine.travel(moment, tick=False):
        return client.apologized(**overrides)


def anonymous_cap(org, limits, amount: int) -> None:
    EmpowermentPolicy.objects.filter(role=Role.FRONTLINE).update(max_anonymous_per_day=Decimal(amount))


def test_a_stores_anonymous_complaints_share_one_cap_per_business_day(org, api, limits):
    anonymous_cap(org, limits, 60)
    frontline1, frontline2 = api(org.frontline1), api(org.frontline2)
    first, second, third = (apologized_at(client, T0, customer=None) for client in (frontline1, frontline2, frontline1))

    assert at(T0, frontline1.respond, first, ("voucher", "40.00"))["status"] == "responded"
    # Another employee, the same store and day: the cap is the store's, not the employee's.
    waiting = at(T0, frontline2.respond, second, ("voucher", "30.00"))
    assert waiting["status"] == "awaiting_approval"
    assert [e["limit"] for e in waiting["pending_approval"]["exceeded"]] == ["anonymous_per_day"]
    assert waiting["pending_approval"]["approver_role"] == "supervisor"
    # A complaint with a customer does not count against it, nor is counted by it.
    with_customer = apologized_at(frontline2, T0)
    assert at(T0, frontline2.respond, with_customer, ("voucher", "40.00"))["status"] == "responded"
    # The next business day starts from nothing.
    assert at(T0 + DAY, frontline1.respond, third, ("voucher", "40.00"))["status"] == "responded"


def test_another_stores_anonymous_grants_do_not_count(org, api, limits):
    anonymous_cap(org, limits, 60)
    s2 = apologized_at(api(org.frontline3), T0, customer=None)
    s1 = apologized_at(api(org.frontline1), T0, customer=None)

    assert at(T0, api(org.frontline3).respond, s2, ("voucher", "50.00"))["status"] == "responded"
    assert at(T0, api(org.frontline1).respond, s1, ("voucher", "50.00"))["status"] == "responded"
    assert CompensationAction.objects.filter(status="granted").count() == 2


def test_an_approver_is_held_to_their_own_anonymous_cap(org, api, limits):
    anonymous_cap(org, limits, 10)
    EmpowermentPolicy.objects.filter(role=Role.SUPERVISOR).update(max_anonymous_per_day=Decimal(40))
    frontline1 = api(org.frontline1)
    complaint_id = apologized_at(frontline1, T0, customer=None)
    approval = at(T0, frontline1.respond, complaint_id, ("voucher", "45.00"))["pending_approval"]

    assert approval["approver_role"] == "manager"  # the supervisors' cap does not cover it either
    assert approval["exceeded"][0]["limit"] == "anonymous_per_day"
