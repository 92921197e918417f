"""Reads about compensation: the limits that apply, what is used of them, a complaint's grants and guideline."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.models import (
    Complaint,
    Customer,
)
from complaints.tiers import customer_tier_id
from core.reference import ReferenceTable
from recovery.compensation.policies import ZERO, Excess, Limits, Line, Usage, assess, grant_refusals
from recovery.models import (
    CompensationAction,
    CompensationGuideline,
    CompensationStatus,
    EmpowermentPolicy,
)
from staff.models import Role, Store, User
from staff.selectors import staff_for_store

CUSTOMER_WINDOW = timedelta(days=30)
MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)


def limits_by_role(store: Store) -> dict[str, Limits]:
    """Every role's limits in ``store``: its store override where there is one, else the default."""
    return _limits_from(EmpowermentPolicy.objects.filter(Q(store=store) | Q(store__isnull=True)), store_id=store.pk)


def _limits_from(policies, *, store_id: int) -> dict[str, Limits]:
    chosen: dict[str, EmpowermentPolicy] = {}
    for policy in policies:
        if policy.store_id == store_id or (policy.store_id is None and policy.role not in chosen):
            chosen[policy.role] = policy
    return {role: Limits.of(chosen.get(role), role=role) for role in Role.values}


class PolicyBook:
    """All policies, loaded once, for reads that cover many stores (the approval queue)."""

    def __init__(self) -> None:
        self._policies = list(EmpowermentPolicy.objects.all())
        self._by_store: dict[int, dict[str, Limits]] = {}

    def limits(self, *, role: str, store_id: int) -> Limits:
        if store_id not in self._by_store:
            relevant = [p for p in self._policies if p.store_id in (None, store_id)]
            self._by_store[store_id] = _limits_from(relevant, store_id=store_id)
        return self._by_store[store_id][role]


def usage(*, user: User, store: Store, customer: Customer | None, now: datetime) -> Usage:
    """What ``user`` granted this business day (store's time zone), and ``customer`` got in 30 days; without
    a customer, what the store's complaints without one got this business day (the anonymous cap)."""
    day = timezone.localdate(now, store.zone)
    today = Q(granted_by=user, business_day=day)
    if customer is not None:
        other = Q(customer=customer, granted_at__gt=now - CUSTOMER_WINDOW)
    else:
        other = Q(store=store, customer__isnull=True, business_day=day)
    totals = CompensationAction.objects.filter(today | other, status=CompensationStatus.GRANTED).aggregate(
        today=Coalesce(Sum("amount", filter=today), ZERO, output_field=MONEY_OUTPUT),
        other=Coalesce(Sum("amount", filter=other), ZERO, output_field=MONEY_OUTPUT),
    )
    return Usage(
        granted_today=totals["today"],
        customer_30_days=totals["other"] if customer is not None else None,
        anonymous_today=totals["other"] if customer is None else None,
    )


def approver_roles_present(store: Store) -> set[str]:
    """The approving roles someone active holds for ``store`` (its supervisors, its region's managers)."""
    return set(
        staff_for_store(store)
        .filter(role__in=[Role.SUPERVISOR, Role.MANAGER])
        .values_list("role", flat=True)
        .order_by()
        .distinct()
    )


# Every complaint's answer shows its guideline; admins change them rarely (core.reference).
GUIDELINES = ReferenceTable(
    lambda: {(g.category_id, g.severity, g.tier_id): g for g in CompensationGuideline.objects.all()}
)


def guideline_for(complaint: Complaint) -> CompensationGuideline | None:
    """The guideline of the complaint's category and severity: its customer's tier's row, else the any-tier row."""
    guidelines = GUIDELINES.get()
    key = (complaint.category_id, complaint.severity)
    tier_id = customer_tier_id(complaint.customer)
    return (tier_id is not None and guidelines.get((*key, tier_id))) or guidelines.get((*key, None))


def compensation_of(complaint: Complaint) -> QuerySet[CompensationAction] | list[CompensationAction]:
    if "compensation_actions" in getattr(complaint, "_prefetched_objects_cache", {}):
        return complaint.compensation_actions.all()  # known already (a complaint just written: none)
    return complaint.compensation_actions.select_related("requested_by", "granted_by").order_by("id")


def customer_granted_since(customer: Customer | None, *, since: datetime) -> Decimal:
    """What ``customer`` was granted (by anyone, anywhere) since ``since``."""
    if customer is None:
        return ZERO
    granted = CompensationAction.objects.filter(
        customer=customer, status=CompensationStatus.GRANTED, granted_at__gte=since
    ).aggregate(total=Sum("amount"))["total"]
    return granted or ZERO


# --- The caller's own limits --------------------------------------------------------------------


@dataclass(frozen=True)
class LimitsReport:
    user: User
    store: Store
    business_day: date
    limits: Limits
    usage: Usage
    customer: Customer | None


def limits_report(*, user: User, store: Store, customer: Customer | None = None, now: datetime | None = None):
    now = now or timezone.now()
    return LimitsReport(
        user=user,
        store=store,
        business_day=timezone.localdate(now, store.zone),
        limits=limits_by_role(store)[user.role],
        usage=usage(user=user, store=store, customer=customer, now=now),
        customer=customer,
    )


@dataclass(frozen=True)
class GrantPreview:
    """What granting some lines now would do, before anyone asks: refused, within limits, or sent to whom."""

    refused: list[str]
    exceeded: list[Excess]
    approver_role: str | None  # who would have to approve, when something is exceeded


def grant_preview(*, user: User, complaint: Complaint, lines: list[Line], now: datetime | None = None) -> GrantPreview:
    """The service's own checks (recovery.compensation.grants), read-only: for a page to warn while typing."""
    store = complaint.store
    by_role = limits_by_role(store)
    limits = by_role[user.role]
    refused = grant_refusals(limits, lines, currency=store.currency, largest_allowed=store.max_compensation_amount)
    if refused or not lines:
        return GrantPreview(refused=refused, exceeded=[], approver_role=None)
    now = now or timezone.now()
    used = usage(user=user, store=store, customer=complaint.customer, now=now)
    found = assess(
        role=user.role,
        limits_by_role=by_role,
        usage=used,
        lines=lines,
        roles_present=lambda: approver_roles_present(store),
    )
    return GrantPreview(refused=[], exceeded=found.exceeded, approver_role=found.approver_role)
