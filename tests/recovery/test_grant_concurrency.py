"""Caps hold when tablets grant at the same instant: real concurrent transactions on PostgreSQL.

Each thread is its own client with its own database connection, released together by a barrier,
so the grants really overlap; without the row locks in recovery.compensation.grants these tests fail.
"""

from collections import Counter
from decimal import Decimal

import pytest

from recovery.models import CompensationAction, EmpowermentPolicy
from staff.models import Role
from tests.helpers import Api, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def policy(role: str, *, per_action: int, per_day: int, per_customer: int) -> None:
    EmpowermentPolicy.objects.update_or_create(
        role=role,
        store=None,
        defaults={
            "max_per_action": Decimal(per_action),
            "max_per_day": Decimal(per_day),
            "max_per_customer": Decimal(per_customer),
            "allowed_kinds": ["voucher"],
        },
    )


def granted_total() -> Decimal:
    return sum(CompensationAction.objects.filter(status="granted").values_list("amount", flat=True), Decimal(0))


def test_twenty_simultaneous_grants_never_exceed_the_daily_cap(org):
    policy(Role.FRONTLINE, per_action=100, per_day=100, per_customer=10_000)
    policy(Role.SUPERVISOR, per_action=500, per_day=2000, per_customer=10_000)
    setup = Api(org.frontline1)
    complaint_ids = [setup.apologized(customer={"phone": f"+86 138 0000 {n:04d}"}) for n in range(20)]
    clients = [Api(org.frontline1) for _ in range(20)]

    responses = run_at_once(20, lambda i: clients[i].respond(complaint_ids[i], ("voucher", "60.00")))

    assert Counter(r.status_code for r in responses) == {200: 20}
    assert Counter(r.json()["status"] for r in responses) == {"responded": 1, "awaiting_approval": 19}
    assert granted_total() == Decimal(60)
    waiting = [r.json()["pending_approval"] for r in responses if r.json()["status"] == "awaiting_approval"]
    assert {excess["limit"] for approval in waiting for excess in approval["exceeded"]} == {"per_day"}


def test_two_employees_granting_to_one_customer_at_once_never_exceed_the_customer_cap(org):
    policy(Role.FRONTLINE, per_action=100, per_day=10_000, per_customer=100)
    policy(Role.SUPERVISOR, per_action=500, per_day=2000, per_customer=1000)
    customer = {"name": "Ms. Wang", "phone": "+86 138 0013 8000"}
    staff = [org.frontline1, org.frontline2] * 5
    complaint_ids = [Api(user).apologized(customer=customer) for user in staff]
    clients = [Api(user) for user in staff]

    responses = run_at_once(10, lambda i: clients[i].respond(complaint_ids[i], ("voucher", "60.00")))

    assert Counter(r.json()["status"] for r in responses) == {"responded": 1, "awaiting_approval": 9}
    assert granted_total() == Decimal(60)


def test_one_approver_approving_many_at_once_stays_within_their_own_daily_cap(org):
    policy(Role.FRONTLINE, per_action=50, per_day=10_000, per_customer=10_000)
    policy(Role.SUPERVISOR, per_action=500, per_day=100, per_customer=10_000)
    policy(Role.MANAGER, per_action=5000, per_day=20_000, per_customer=10_000)
    frontline1 = Api(org.frontline1)
    approval_ids = []
    for n in range(6):
        complaint_id = frontline1.apologized(customer={"phone": f"+86 138 0000 {n:04d}"})
        approval_ids.append(frontline1.respond(complaint_id, ("voucher", "60.00")).json()["pending_approval"]["id"])
    clients = [Api(org.supervisor1) for _ in range(6)]

    responses = run_at_once(6, lambda i: clients[i].post(f"/api/v1/approvals/{approval_ids[i]}/approve/", {}))

    assert Counter(r.status_code for r in responses) == {200: 1, 202: 5}
    assert granted_total() == Decimal(60)


def test_two_approvers_deciding_one_request_at_once_decide_it_once(org):
    policy(Role.FRONTLINE, per_action=50, per_day=100, per_customer=150)
    policy(Role.SUPERVISOR, per_action=500, per_day=2000, per_customer=1000)
    # Every one of them may approve it: whoever wins decides (a manager without limits would send it up).
    policy(Role.MANAGER, per_action=5000, per_day=20000, per_customer=5000)
    frontline1 = Api(org.frontline1)
    complaint_id = frontline1.apologized()
    approval_id = frontline1.respond(complaint_id, ("voucher", "60.00")).json()["pending_approval"]["id"]
    clients = [Api(user) for user in (org.supervisor1, org.manager1, org.admin)] * 2

    def decide(i: int):
        decision = "approve" if i % 2 else "reject"
        return clients[i].post(f"/api/v1/approvals/{approval_id}/{decision}/", {"reason": "no"})

    responses = run_at_once(6, decide)

    assert Counter(r.status_code for r in responses) == {200: 1, 409: 5}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"approval_already_decided"}
    assert granted_total() in (Decimal(0), Decimal(60))


def test_simultaneous_grants_to_complaints_without_a_customer_never_exceed_the_stores_anonymous_cap(org):
    policy(Role.FRONTLINE, per_action=100, per_day=10_000, per_customer=10_000)
    policy(Role.SUPERVISOR, per_action=500, per_day=10_000, per_customer=10_000)
    EmpowermentPolicy.objects.filter(role=Role.FRONTLINE).update(max_anonymous_per_day=Decimal(100))
    # Two employees of one store, each grant on its own complaint: only the store's row is shared
    # (each employee's own row would let one grant of each through).
    staff = [org.frontline1, org.frontline2] * 6
    complaint_ids = [Api(user).apologized(customer=None) for user in staff]
    clients = [Api(user) for user in staff]

    responses = run_at_once(12, lambda i: clients[i].respond(complaint_ids[i], ("voucher", "60.00")))

    assert Counter(r.status_code for r in responses) == {200: 12}
    assert Counter(r.json()["status"] for r in responses) == {"responded": 1, "awaiting_approval": 11}
    assert granted_total() == Decimal(60)
