"""Forgetting a customer: on their request, or when the retention period has passed since their last complaint.

What goes: the customer's name, phone and email; the words on their complaints (what they said and
wanted, the response, the follow-up, hold reasons), in the complaints and in their events' data (the
log's one sanctioned change, ``complaints.events.events_redact``); the notes on their compensation and
approvals; their name or number in staff notifications; the complaint's intake digest (a hash of the
phone). What stays: every complaint's classification, times, status, deadlines, satisfaction score and
compensation amounts, every event (kind, time, actor, statuses, figures), and the customer row itself
(blank, with its tier), so that the metrics give the same answers (repeat customers are still one
customer).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from complaints.events import events_redact
from complaints.models import Complaint, Customer
from recovery.models import ApprovalRequest, CompensationAction, Notification

# What a complaint's required description reads once the customer's words are removed.
REMOVED = "[removed]"


@transaction.atomic
def customer_anonymize(*, customer: Customer, now: datetime | None = None) -> bool:
    """Remove what identifies ``customer``; False when it was done already (retries are harmless)."""
    now = now or timezone.now()
    # Lock order (complaints/locks.py): their complaints, then the customer.
    complaint_ids = list(
        Complaint.objects.select_for_update(of=("self",))
        .filter(customer=customer)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.anonymized_at is not None:
        return False
    shown_as = [value for value in (customer.name, customer.phone, customer.email) if value]
    Complaint.objects.filter(pk__in=complaint_ids).update(
        description=REMOVED,
        desired_outcome="",
        resolution="",
        follow_up_outcome="",
        hold_reason="",
        intake_digest="",
    )
    events_redact(complaint_ids)
    CompensationAction.objects.filter(complaint_id__in=complaint_ids).exclude(note="").update(note="")
    ApprovalRequest.objects.filter(complaint_id__in=complaint_ids).update(resolution="", note="", decision_note="")
    if shown_as:
        notifications = list(Notification.objects.filter(complaint_id__in=complaint_ids).only("pk", "text"))
        for notification in notifications:
            for value in shown_as:
                notification.text = notification.text.replace(value, "***")
        Notification.objects.bulk_update(notifications, ["text"], batch_size=500)
    customer.name, customer.phone, customer.email = "", "", ""
    customer.anonymized_at = now
    customer.save(update_fields=["name", "phone", "email", "anonymized_at"])
    return True


def customers_past_retention(*, now: datetime) -> list[int]:
    """Customers not yet anonymized whose last complaint (or, with none, whose record) is older than
    ``CUSTOMER_RETENTION_DAYS``."""
    cutoff = now - timedelta(days=settings.CUSTOMER_RETENTION_DAYS)
    return list(
        Customer.objects.filter(anonymized_at__isnull=True)
        .annotate(last_complaint_at=Max("complaints__created_at"))
        .filter(Q(last_complaint_at__lt=cutoff) | Q(last_complaint_at__isnull=True, created_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def customers_anonymize_past_retention(*, now: datetime | None = None) -> int:
    """Anonymize every customer past the retention period, one transaction each; how many were."""
    now = now or timezone.now()
    done = 0
    for customer_id in customers_past_retention(now=now):
        done += customer_anonymize(customer=Customer(pk=customer_id), now=now)
    return done
