"""Reads about compensation: the limits that apply, what is used of them, and the approval queue."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from complaints.models import Complaint, Customer, Deadline, DeadlineStep
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationGuideline,
    CompensationStatus,
    EmpowermentPolicy,
    Notification,
    SurveyInvitation,
)
from recovery.policies import (
    ZERO,
    Excess,
    Limits,
    Line,
    Usage,
    assess,
    grant_refusals,
)
from staff.models import Role, Store, User
from staff.selectors import staff_for_store, store_scope_q, stores_visible_to

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
    """What ``user`` granted this business day (store's time zone), and ``customer`` got in 30 days."""
    day = timezone.localdate(now, store.zone)
    today = Q(granted_by=user, business_day=day)
    for_customer = Q(customer=customer, granted_at__gt=now - CUSTOMER_WINDOW) if customer else Q(pk__in=[])
    totals = CompensationAction.objects.filter(today | for_customer, status=CompensationStatus.GRANTED).aggregate(
        today=Coalesce(Sum("amount", filter=today), ZERO, output_field=MONEY_OUTPUT),
        customer=Coalesce(Sum("amount", filter=for_customer), ZERO, output_field=MONEY_OUTPUT),
    )
    return Usage(granted_today=totals["today"], customer_30_days=totals["customer"] if customer else None)


def approver_roles_present(store: Store) -> set[str]:
    """The approving roles someone active holds for ``store`` (its supervisors, its region's managers)."""
    return set(
        staff_for_store(store)
        .filter(role__in=[Role.SUPERVISOR, Role.MANAGER])
        .values_list("role", flat=True)
        .order_by()
        .distinct()
    )


def guideline_for(complaint: Complaint) -> CompensationGuideline | None:
    return CompensationGuideline.objects.filter(category_id=complaint.category_id, severity=complaint.severity).first()


def compensation_of(complaint: Complaint) -> QuerySet[CompensationAction] | list[CompensationAction]:
    if "compensation_actions" in getattr(complaint, "_prefetched_objects_cache", {}):
        return complaint.compensation_actions.all()  # known already (a complaint just written: none)
    return complaint.compensation_actions.select_related("requested_by", "granted_by").order_by("id")


def survey_latest_of(complaint: Complaint) -> SurveyInvitation | None:
    """The last survey link sent for ``complaint``, if any."""
    if "survey_invitations" in getattr(complaint, "_prefetched_objects_cache", {}):
        return next(iter(complaint.survey_invitations.all()), None)  # known already (just written: none)
    return complaint.survey_invitations.select_related("sent_by").order_by("-sent_at", "-id").first()


def customer_granted_since(customer: Customer | None, *, since: datetime) -> Decimal:
    """What ``customer`` was granted (by anyone, anywhere) since ``since``."""
    if customer is None:
        return ZERO
    granted = CompensationAction.objects.filter(
        customer=customer, status=CompensationStatus.GRANTED, granted_at__gte=since
    ).aggregate(total=Sum("amount"))["total"]
    return granted or ZERO


def pending_approval_of(complaint: Complaint) -> ApprovalRequest | None:
    return complaint.approval_requests.filter(status="pending").select_related("requested_by").first()


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
    """The service's own checks (recovery.services.grants), read-only: for a page to warn while typing."""
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


# --- Approvals ----------------------------------------------------------------------------------


def approvals_visible_to(user: User) -> QuerySet[ApprovalRequest]:
    """Approvers see their stores' requests; frontline staff see the requests they made."""
    queryset = ApprovalRequest.objects.filter(store_scope_q(user))
    if not user.has_role_at_least(Role.SUPERVISOR):
        queryset = queryset.filter(requested_by=user)
    return queryset


def approval_queue(user: User, *, now: datetime | None = None) -> QuerySet[ApprovalRequest]:
    """Requests with what an approver needs to decide at a glance, oldest first, in constant queries.

    Each row carries the customer's last 30 days (complaints, compensation granted) and what the
    requester has granted today, computed in the database rather than per row.
    """
    now = now or timezone.now()
    since = now - CUSTOMER_WINDOW
    zones = stores_visible_to(user).order_by().values_list("timezone", flat=True).distinct()
    business_today = Case(
        *[When(store__timezone=zone, then=Value(timezone.localdate(now, ZoneInfo(zone)))) for zone in zones],
        output_field=DateField(),
    )
    granted = CompensationAction.objects.filter(status=CompensationStatus.GRANTED)
    requester_today = (
        granted.filter(granted_by=OuterRef("requested_by"), business_day=OuterRef("business_today"))
        .values("granted_by")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    customer_granted = (
        granted.filter(customer=OuterRef("complaint__customer"), granted_at__gt=since)
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    customer_complaints = (
        Complaint.objects.filter(customer=OuterRef("complaint__customer"), created_at__gt=since)
        .values("customer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        approvals_visible_to(user)
        .select_related(
            "complaint__store", "complaint__category", "complaint__customer", "store", "requested_by", "decided_by"
        )
        .prefetch_related(
            Prefetch("actions", queryset=CompensationAction.objects.select_related("requested_by", "granted_by"))
        )
        .annotate(
            business_today=business_today,
            requester_granted_today=Coalesce(Subquery(requester_today), ZERO, output_field=MONEY_OUTPUT),
            customer_granted_30_days=Coalesce(Subquery(customer_granted), ZERO, output_field=MONEY_OUTPUT),
            customer_complaints_30_days=Coalesce(Subquery(customer_complaints), 0),
            due_at=Subquery(
                Deadline.objects.filter(
                    complaint=OuterRef("complaint"), step=DeadlineStep.APPROVAL, closed_at__isnull=True
                ).values("due_at")[:1]
            ),
        )
        .order_by("created_at", "id")
    )


def approval_get(*, user: User, approval_id: uuid.UUID | str) -> ApprovalRequest:
    try:
        return approvals_visible_to(user).select_related("complaint__store", "requested_by").get(pk=approval_id)
    except (ApprovalRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def approval_get_detailed(*, user: User, approval_id: uuid.UUID | str) -> ApprovalRequest:
    try:
        return approval_queue(user).get(pk=approval_id)
    except (ApprovalRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# --- Notifications --------------------------------------------------------------------------------


def notifications_of(user: User) -> QuerySet[Notification]:
    """The caller's own inbox, newest first."""
    return Notification.objects.filter(recipient=user).select_related("complaint").order_by("-created_at", "-id")
