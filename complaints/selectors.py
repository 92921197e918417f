"""Reads of complaints, always within the reader's scope (their store, their region, or all)."""

import uuid
from datetime import datetime

from django.db.models import Case, Exists, OuterRef, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Customer,
    CustomerTier,
    Deadline,
    SlaPolicy,
    overdue_q,
    severity_rank,
)
from core.reference import ReferenceTable
from staff.models import User
from staff.selectors import store_scope_q


def complaints_visible_to(user: User, *, now: datetime | None = None) -> QuerySet[Complaint]:
    """Every complaint ``user`` may see, with what a list row shows joined in (no N+1)."""
    # The application's clock, not the database's: the two must agree (and tests move the first).
    now = now or timezone.now()
    return (
        Complaint.objects.filter(store_scope_q(user))
        .select_related("store", "category", "customer", "assignee", "created_by")
        .annotate(
            severity_rank=severity_rank(),
            overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False)),
        )
    )


def complaint_get(*, user: User, complaint_id: uuid.UUID | str, with_events: bool = True) -> Complaint:
    """One complaint with its timeline; 404 when it is out of ``user``'s scope, as if absent."""
    queryset = complaints_visible_to(user)
    if with_events:
        queryset = queryset.prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("deadlines", queryset=Deadline.objects.filter(closed_at__isnull=True), to_attr="open_deadlines"),
        )
    try:
        return queryset.get(pk=complaint_id)
    except (Complaint.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def complaint_as_written(
    complaint: Complaint, *, events: list[ComplaintEvent], open_deadlines: list[Deadline], now: datetime
) -> Complaint:
    """``complaint`` shaped as ``complaint_get`` gives it, from what was just written to it (by the service
    that wrote it, in memory): its timeline and open deadlines attached, nothing read back."""
    # Written just now, it has no compensation nor survey yet (the relations are recovery's; their names are
    # enough here).
    complaint._prefetched_objects_cache = {"events": events, "compensation_actions": [], "survey_invitations": []}
    complaint.open_deadlines = open_deadlines
    # As complaints_visible_to annotates it (overdue_q, in Python).
    complaint.overdue = complaint.next_due_at is not None and complaint.next_due_at <= now
    return complaint


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


# Every complaint logged names one; admins change them rarely (core.reference).
CATEGORIES_ACTIVE = ReferenceTable(lambda: {category.code: category for category in categories_active()})


def category_active(code: str) -> Category | None:
    """The active category with this code, if any."""
    return CATEGORIES_ACTIVE.get().get(code)


def sla_policies() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("tier")


# --- Customers ------------------------------------------------------------------------------------


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """The customers with a complaint in one of ``user``'s stores. Staff of other stores do not see a
    customer at all, not even that they exist: a customer is known to a store through its complaints."""
    in_scope = Complaint.objects.filter(store_scope_q(user), customer=OuterRef("pk"))
    return Customer.objects.filter(Exists(in_scope))


def customer_get(*, user: User, customer_id: int | str) -> Customer:
    """One customer with their tier; 404 when none of their complaints is in ``user``'s stores, as if absent."""
    try:
        return customers_visible_to(user).select_related("tier").get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def customer_tier_default() -> CustomerTier | None:
    return CustomerTier.objects.filter(is_default=True).first()


def customer_tiers() -> QuerySet[CustomerTier]:
    return CustomerTier.objects.all()


def complaint_photos(complaint: Complaint) -> list[ComplaintPhoto]:
    """The photos the customer sent with ``complaint`` (already read within the reader's scope)."""
    return list(complaint.photos.all())


def customer_contactable(complaint: Complaint) -> bool:
    """Whether the complaint's customer may be contacted about it: they agreed, and gave a phone or an email."""
    customer = complaint.customer
    return complaint.contact_consent and customer is not None and bool(customer.phone or customer.email)
