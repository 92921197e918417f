"""Reads about a customer across stores: their history, and the flags an approver should see."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints import selectors as complaint_selectors
from complaints.customers import REPEAT_WINDOW
from complaints.models import (
    Complaint,
    Customer,
    CustomerTier,
    CustomerTierChange,
)
from recovery.compensation.policies import ZERO
from recovery.compensation.selectors import CUSTOMER_WINDOW, MONEY_OUTPUT
from recovery.models import (
    CompensationAction,
    CompensationStatus,
)
from staff.models import User

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
