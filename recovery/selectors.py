"""Reads about compensation: the limits that apply, what is used of them, and the approval queue."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
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

from complaints import selectors as complaint_selectors
from complaints import states
from complaints.customers import REPEAT_WINDOW
from complaints.models import (
    Complaint,
    ComplaintStatus,
    Customer,
    CustomerTier,
    CustomerTierChange,
    Deadline,
    DeadlineStep,
)
from complaints.tiers import customer_tier_id
from core.reference import ReferenceTable
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
    decision_refusal,
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
    """The request ``complaint`` waits on: only while it is awaiting approval (then nothing is asked)."""
    if complaint.status != ComplaintStatus.AWAITING_APPROVAL:
        return None
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
            **customer_flags_annotations("complaint__customer", now=now),
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


# --- Customers: their history and flags -----------------------------------------------------------

# A customer complaining this often in REPEAT_WINDOW is a repeat complainant.
REPEAT_COMPLAINTS = 2
# The unusual-compensation flag looks at this far back.
COMPENSATION_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class CustomerFlags:
    """What an approver or an employee should know about a customer before giving more.

    Counted over all stores: the pattern matters, wherever it happened (only the numbers cross stores).
    """

    complaints_90_days: int
    complaints_365_days: int
    above_guideline_365_days: int  # of those complaints, how many got a grant above their guideline

    @property
    def repeat_complainant(self) -> bool:
        return self.complaints_90_days >= REPEAT_COMPLAINTS

    @property
    def above_guideline_share(self) -> float:
        return self.above_guideline_365_days / self.complaints_365_days if self.complaints_365_days else 0.0

    @property
    def unusual_compensation(self) -> bool:
        return (
            self.above_guideline_365_days > 0
            and self.above_guideline_share > settings.CUSTOMER_UNUSUAL_COMPENSATION_SHARE
        )

    @property
    def any(self) -> bool:
        return self.repeat_complainant or self.unusual_compensation

    @classmethod
    def of(cls, row) -> "CustomerFlags":
        """From a row annotated with ``customer_flags_annotations`` (a model instance or a ``values()`` dict)."""
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        return cls(
            complaints_90_days=get("flag_complaints_90_days"),
            complaints_365_days=get("flag_complaints_365_days"),
            above_guideline_365_days=get("flag_above_guideline_365_days"),
        )


def customer_flags_annotations(customer: str, *, now: datetime) -> dict[str, Coalesce]:
    """The counts behind ``CustomerFlags`` as subqueries on the customer at path ``customer`` of the rows
    annotated: set-based, so a list of any length costs no query per row."""
    theirs = Complaint.objects.filter(customer=OuterRef(customer)).order_by().values("customer")
    year = theirs.filter(created_at__gt=now - COMPENSATION_WINDOW)
    above = CompensationAction.objects.filter(
        complaint=OuterRef("pk"), status=CompensationStatus.GRANTED, above_guideline=True
    )

    def counted(complaints: QuerySet) -> Coalesce:
        return Coalesce(Subquery(complaints.annotate(n=Count("pk")).values("n")), 0)

    return {
        "flag_complaints_90_days": counted(theirs.filter(created_at__gt=now - REPEAT_WINDOW)),
        "flag_complaints_365_days": counted(year),
        "flag_above_guideline_365_days": counted(year.filter(Exists(above))),
    }


def customer_flags(customer: Customer | None, *, now: datetime | None = None) -> CustomerFlags | None:
    """One customer's flags (one query; none for a customer the intake has just made, whose complaint
    being logged is all there is of them); None without a customer."""
    if customer is None:
        return None
    if getattr(customer, "created_just_now", False):
        return CustomerFlags(complaints_90_days=1, complaints_365_days=1, above_guideline_365_days=0)
    row = (
        Customer.objects.filter(pk=customer.pk)
        .annotate(**customer_flags_annotations("pk", now=now or timezone.now()))
        .values(*FLAG_FIELDS)
        .get()
    )
    return CustomerFlags.of(row)


FLAG_FIELDS = ("flag_complaints_90_days", "flag_complaints_365_days", "flag_above_guideline_365_days")


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's page: their complaints in the reader's stores, what they were given, their flags and tiers."""

    customer: Customer
    tier: CustomerTier | None  # their own, else the default tier
    complaints: list[Complaint]
    granted_30_days: Decimal
    granted_365_days: Decimal
    flags: CustomerFlags
    tier_changes: list[CustomerTierChange]

    @property
    def satisfaction_average(self) -> float | None:
        given = [c.satisfaction for c in self.complaints if c.satisfaction is not None]
        return round(sum(given) / len(given), 1) if given else None


def customer_history(*, user: User, customer_id: int | str, now: datetime | None = None) -> CustomerHistory:
    """A customer as ``user`` may see them (404 when none of their complaints is in ``user``'s stores): the
    complaints of ``user``'s stores only; compensation and flags over all stores (what the caps count)."""
    now = now or timezone.now()
    customer = complaint_selectors.customer_get(user=user, customer_id=customer_id)
    granted = (
        CompensationAction.objects.filter(customer=OuterRef("pk"), status=CompensationStatus.GRANTED)
        .order_by()
        .values("customer")
    )

    def granted_since(since: datetime) -> Coalesce:
        total = granted.filter(granted_at__gt=since).annotate(total=Sum("amount")).values("total")
        return Coalesce(Subquery(total), ZERO, output_field=MONEY_OUTPUT)

    summary = (
        Customer.objects.filter(pk=customer.pk)
        .annotate(
            granted_30_days=granted_since(now - CUSTOMER_WINDOW),
            granted_365_days=granted_since(now - COMPENSATION_WINDOW),
            **customer_flags_annotations("pk", now=now),
        )
        .values("granted_30_days", "granted_365_days", *FLAG_FIELDS)
        .get()
    )
    complaints = list(
        complaint_selectors.complaints_visible_to(user, now=now)
        .filter(customer=customer)
        .annotate(
            granted=Coalesce(
                Sum("compensation_actions__amount", filter=Q(compensation_actions__status=CompensationStatus.GRANTED)),
                ZERO,
                output_field=MONEY_OUTPUT,
            )
        )
        .order_by("-created_at")
    )
    return CustomerHistory(
        customer=customer,
        tier=customer.tier or complaint_selectors.customer_tier_default(),
        complaints=complaints,
        granted_30_days=summary["granted_30_days"],
        granted_365_days=summary["granted_365_days"],
        flags=CustomerFlags.of(summary),
        tier_changes=list(
            CustomerTierChange.objects.filter(customer=customer).select_related("tier_before", "tier_after", "actor")
        ),
    )


# --- What a user may do with a complaint ------------------------------------------------------------------


@dataclass(frozen=True)
class AvailableActions:
    """What ``user`` may do with a complaint now, as the interfaces offer it: each says yes or no, the rules
    being those the services apply when it is done (a refusal there still has the last word).

    ``steps``: the flow's steps allowed from the complaint's status, in the flow's order; ``hold`` and
    ``resume``: put it on hold, take it off; ``reassign``: give it to someone else of its store (supervisors
    and above), ``take_over``: take it themselves; ``decide``: approve or reject its pending request;
    ``decide_in_person``: have an approver decide its pending request on this tablet (its requester);
    ``contact``: send the customer the survey link (they agreed to be contacted, at a phone or email).
    """

    steps: tuple[str, ...]
    hold: bool
    resume: bool
    reassign: bool
    take_over: bool
    decide: bool
    decide_in_person: bool
    contact: bool


def available_actions(*, user: User, complaint: Complaint, pending: ApprovalRequest | None = None) -> AvailableActions:
    """What ``user`` may do with ``complaint`` now (``pending``: its pending approval request, when the caller
    has it already)."""
    pending = pending or pending_approval_of(complaint)
    open_ = complaint.status != ComplaintStatus.CLOSED
    supervising = user.has_role_at_least(Role.SUPERVISOR)
    return AvailableActions(
        steps=tuple(states.allowed_steps(complaint.status)),
        hold=open_,
        resume=complaint.on_hold_until is not None,
        reassign=open_ and supervising,
        take_over=open_ and supervising and complaint.assignee_id != user.pk,
        decide=pending is not None
        and decision_refusal(
            decider_id=user.pk,
            decider_role=user.role,
            requested_by_id=pending.requested_by_id,
            approver_role=pending.approver_role,
        )
        is None,
        decide_in_person=pending is not None and pending.requested_by_id == user.pk,
        contact=complaint_selectors.customer_contactable(complaint) and states.can_take("survey", complaint.status),
    )
