"""In-process helpers of ``bench/grants.py``: fill the bench database, count queries, explain the queue.

Run as a subprocess with the benchmark's environment (its database, ``config.settings``). Each
command prints one JSON object on stdout.

    python bench/grant_setup.py grants --staff 8 --complaints 3000
    python bench/grant_setup.py pending --count 10000
    python bench/grant_setup.py profile
"""

import argparse
import hashlib
import json
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generous_frontline_policy() -> None:
    """Every grant in the grant benchmark must be granted at once: the path measured is the grant."""
    from recovery.models import CompensationKind, EmpowermentPolicy

    EmpowermentPolicy.objects.update_or_create(
        role="frontline",
        store=None,
        defaults={
            "max_per_action": Decimal(1_000_000),
            "max_per_day": Decimal(100_000_000),
            "max_per_customer": Decimal(100_000_000),
            "allowed_kinds": list(CompensationKind.values),
        },
    )


def complaint_rows(count: int, *, status: str, prefix: str, actors, customers, store) -> list:
    from django.utils import timezone

    from complaints.models import Category, Complaint

    category = Category.objects.get(code="food_quality")
    now = timezone.now()
    return [
        Complaint(
            id=uuid.uuid4(),
            reference=f"{store.code}-{prefix}-{n:06d}",
            store=store,
            customer=customers[n % len(customers)] if customers else None,
            channel="in_person",
            category=category,
            severity="high",
            stage="in_sale",
            description=f"Bench complaint {n}",
            status=status,
            assignee=actors[n % len(actors)],
            created_by=actors[n % len(actors)],
            intake_digest=hashlib.sha256(f"{prefix}{n}".encode()).hexdigest(),
            created_at=now,
            apologized_at=now,
            responded_at=now if status == "responded" else None,
            resolution="Bench" if status == "responded" else "",
        )
        for n in range(count)
    ]


def grants(args: argparse.Namespace) -> dict:
    """Staff with tokens, and complaints in ``responded`` (ready for more compensation), three ways."""
    from rest_framework.authtoken.models import Token

    from complaints.models import Complaint, Customer
    from staff.models import Store, User

    generous_frontline_policy()
    store = Store.objects.get(code="S1")
    staff = []
    for n in range(args.staff):
        user, _ = User.objects.get_or_create(username=f"bench{n}", defaults={"role": "frontline", "store": store})
        staff.append(user)
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in staff]
    customers = Customer.objects.bulk_create(
        Customer(name=f"Bench {n}", phone=f"+8613{n:09d}") for n in range(args.complaints)
    )
    one_customer = customers[:1]
    plans = {}
    for variant, actors, who in [
        ("own_staff_own_customer", staff, customers),
        ("one_staff", staff[:1], customers),
        ("one_customer", staff, one_customer),
    ]:
        rows = complaint_rows(
            args.complaints, status="responded", prefix=variant[:8].upper(), actors=actors, customers=who, store=store
        )
        Complaint.objects.bulk_create(rows, batch_size=2000)
        plans[variant] = [str(row.id) for row in rows]
    return {"tokens": tokens, "complaints": plans}


def pending(args: argparse.Namespace) -> dict:
    """``count`` complaints awaiting approval, each with a pending request, over S1 and S2; some history."""
    from django.db import connection
    from django.utils import timezone

    from complaints.models import Complaint, Customer
    from recovery.models import ApprovalRequest, CompensationAction
    from staff.models import Store, User

    now = timezone.now()
    stores = list(Store.objects.filter(code__in=["S1", "S2"]).order_by("code"))
    customers = Customer.objects.bulk_create(
        Customer(name=f"Queue {n}", phone=f"+8615{n:09d}") for n in range(args.count // 5)
    )
    created = 0
    for index, store in enumerate(stores):
        frontline = list(User.objects.filter(role="frontline", store=store))
        share = args.count // len(stores) + (args.count % len(stores) if index == 0 else 0)
        rows = complaint_rows(
            share, status="awaiting_approval", prefix="Q", actors=frontline, customers=customers, store=store
        )
        Complaint.objects.bulk_create(rows, batch_size=2000)
        approvals = ApprovalRequest.objects.bulk_create(
            [
                ApprovalRequest(
                    complaint=row,
                    store=store,
                    requested_by=row.created_by,
                    complaint_logged_at=row.created_at,
                    approver_role="supervisor",
                    exceeded=[{"limit": "per_action", "max": "50.00", "requested": "60.00", "over": "10.00"}],
                    resolution="Bench",
                    complaint_status_before="apologized",
                    created_at=now - timedelta(seconds=share - n),
                )
                for n, row in enumerate(rows)
            ],
            batch_size=2000,
        )
        CompensationAction.objects.bulk_create(
            [
                CompensationAction(
                    complaint=row,
                    store=store,
                    customer=row.customer,
                    kind="voucher",
                    amount=Decimal("60.00"),
                    currency="CNY",
                    status="pending_approval",
                    requested_by=row.created_by,
                    approval=approval,
                    created_at=now,
                )
                for row, approval in zip(rows, approvals, strict=True)
            ],
            batch_size=2000,
        )
        # History: a granted voucher for every fifth request's customer, yesterday, by its requester.
        CompensationAction.objects.bulk_create(
            [
                CompensationAction(
                    complaint=row,
                    store=store,
                    customer=row.customer,
                    kind="voucher",
                    amount=Decimal("20.00"),
                    currency="CNY",
                    status="granted",
                    requested_by=row.created_by,
                    granted_by=row.created_by,
                    granted_at=now - timedelta(days=1),
                    business_day=timezone.localdate(now - timedelta(days=1), store.zone),
                    created_at=now - timedelta(days=1),
                )
                for row in rows[::5]
            ],
            batch_size=2000,
        )
        created += share
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"pending": created}


def profile(args: argparse.Namespace) -> dict:
    """Queries per request of the queue and of a grant, and the queue's page query plan."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Complaint
    from recovery.approvals.selectors import approval_queue
    from staff.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for username in ("supervisor1", "manager1"):
        client.force_login(User.objects.get(username=username))
        for size in (25, 200):
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/api/v1/approvals/", {"status": "pending", "page_size": size})
            assert response.status_code == 200, response.content[:300]
            result[f"queue_{username}_{size}"] = {
                "queries": len(captured.captured_queries),
                "rows": len(response.json()["results"]),
                "total": response.json()["count"],
            }
        queryset = approval_queue(User.objects.get(username=username)).filter(status="pending")[:25]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            result[f"explain_{username}"] = {
                "execution_ms": round(plan[0]["Execution Time"], 2),
                "planning_ms": round(plan[0]["Planning Time"], 2),
                "wall_ms": round((time.perf_counter() - started) * 1000, 2),
                "top_node": plan[0]["Plan"]["Node Type"],
            }
    complaint = Complaint.objects.filter(status="responded", reference__contains="OWN_STAF").first()
    if complaint is not None:
        client.force_login(complaint.assignee)
        body = {"compensation": [{"kind": "voucher", "amount": "1.00"}]}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"/api/v1/complaints/{complaint.pk}/compensation/", body, "application/json")
        assert response.status_code == 200, response.content[:300]
        result["grant"] = {"queries": len(captured.captured_queries)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grants_parser = sub.add_parser("grants")
    grants_parser.add_argument("--staff", type=int, default=8)
    grants_parser.add_argument("--complaints", type=int, default=3000)
    pending_parser = sub.add_parser("pending")
    pending_parser.add_argument("--count", type=int, default=10_000)
    sub.add_parser("profile")
    args = parser.parse_args()
    setup_django()
    print(json.dumps({"grants": grants, "pending": pending, "profile": profile}[args.command](args)))


if __name__ == "__main__":
    main()
