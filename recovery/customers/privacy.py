"""Forgetting a customer: on their request, or when the retention period has passed since their last complaint.

What goes is every field ``recovery.customers.personal_data`` classifies as erased: the customer's name, phone and
email; the words on their complaints (what they said and wanted, the response, the follow-up, hold reasons), in the
complaints and in their events' data (the log's one sanctioned change, ``complaints.events.events_redact``); the
notes on their compensation and approvals and the reasons for their tier; their survey answers' comments and the
address the link went to; their photos (rows and files); their name, number and words in staff notifications and the
admin's history; the API's kept answers about their complaints; the complaint's intake digest (a hash of the
phone). What stays: every complaint's classification, times, status, deadlines, satisfaction score and
compensation amounts, every event (kind, time, actor, statuses, figures), and the customer row itself
(blank, with its tier), so that the metrics give the same answers (repeat customers are still one
customer).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from complaints.events import events_redact
from complaints.models import Complaint, ComplaintPhoto, Customer, CustomerTierChange
from core.idempotency import idempotency_records_forget
from outbox.models import OutboxMessage
from recovery.customers.personal_data import written_over
from recovery.models import ApprovalRequest, CompensationAction, Notification, SurveyInvitation

# Rows of a complaint that hold what the customer or staff typed about them.
TYPED_ABOUT_A_COMPLAINT = (ApprovalRequest, CompensationAction, SurveyInvitation, OutboxMessage)


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
    # Their words as staff notifications quote them, longest first (a name inside a comment goes with the comment).
    words = {value for value in (customer.name, customer.phone, customer.email) if value}
    words |= set(
        SurveyInvitation.objects.filter(complaint_id__in=complaint_ids)
        .exclude(comment="")
        .values_list("comment", flat=True)
    )
    words |= set(
        ApprovalRequest.objects.filter(complaint_id__in=complaint_ids)
        .exclude(decision_note="")
        .values_list("decision_note", flat=True)
    )
    # Marked forgotten first: the log lets its words go for a forgotten customer only.
    for field, blank in written_over(Customer).items():
        setattr(customer, field, blank)
    customer.anonymized_at = now
    customer.save(update_fields=[*written_over(Customer), "anonymized_at"])
    _written_over(Complaint.objects.filter(pk__in=complaint_ids))
    events_redact(customer.pk)
    for model in TYPED_ABOUT_A_COMPLAINT:
        _written_over(model.objects.filter(complaint_id__in=complaint_ids))
    _written_over(CustomerTierChange.objects.filter(customer=customer))
    _photos_delete(complaint_ids)
    idempotency_records_forget(mentioning=[str(pk) for pk in complaint_ids])
    if words:
        _notifications_unquote(complaint_ids, sorted(words, key=len, reverse=True))
    customer_type = ContentType.objects.get_for_model(Customer)
    LogEntry.objects.filter(content_type=customer_type, object_id=str(customer.pk)).update(object_repr=str(customer))
    return True


def _written_over(rows: models.QuerySet) -> int:
    """Write the blanks of the model's erased fields over ``rows`` (those not blank already)."""
    blanks = written_over(rows.model)
    return rows.exclude(**blanks).update(**blanks)


def _photos_delete(complaint_ids: list) -> None:
    """Delete the photos of these complaints, their files once the rows are gone for good (at commit)."""
    photos = list(ComplaintPhoto.objects.filter(complaint_id__in=complaint_ids))
    if not photos:
        return
    ComplaintPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    for photo in photos:
        transaction.on_commit(lambda file=photo.image: file.storage.delete(file.name))


def _notifications_unquote(complaint_ids: list, words: list[str]) -> None:
    notifications = list(Notification.objects.filter(complaint_id__in=complaint_ids).only("pk", "text"))
    for notification in notifications:
        for word in words:
            notification.text = notification.text.replace(word, "***")
    Notification.objects.bulk_update(notifications, ["text"], batch_size=500)


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
