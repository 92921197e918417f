"""Reads about approval requests: the one a complaint waits on, and the approvers' queue."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DateField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from complaints.models import (
    Complaint,
    ComplaintStatus,
    Deadline,
    DeadlineStep,
)
from recovery.compensation.policies import ZERO
from recovery.compensation.selectors import CUSTOMER_WINDOW, MONEY_OUTPUT
from recovery.customers.selectors import customer_flags_annotations
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationStatus,
)
from staff.models import Role, User
from staff.selectors import store_scope_q, stores_visible_to


def pending_approval_of(complaint: Complaint) -> ApprovalRequest | None:
    """The request ``complaint`` waits on: only while it is awaiting approval (then nothing is asked)."""
    if complaint.status != ComplaintStatus.AWAITING_APPROVAL:
        return None
    return complaint.approval_requests.filter(status="pending").select_related("requested_by").first()


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
