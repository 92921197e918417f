"""A complaint from a store's public QR form, and who hears of it at once."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint, DeadlineStep
from complaints.services.public_intake import complaint_log_from_public_form
from recovery.models import NotificationKind
from recovery.notices import notifications, texts
from recovery.notices.chat import in_store_chat_enqueue


def public_complaint_log(*, still_in_store: bool, now: datetime | None = None, **intake) -> Complaint:
    """Log the customer's complaint (``complaint_log_from_public_form``); a customer still in the store can
    be helped now, so its assignee is told at once (inbox and email), not at the apology's due time."""
    with transaction.atomic():
        now = now or timezone.now()
        complaint = complaint_log_from_public_form(still_in_store=still_in_store, now=now, **intake)
        if still_in_store and complaint.assignee.is_active:
            # The apology's reminder (level 0) to the same person is this notice: told once, now.
            deadline = complaint.deadlines.get(step=DeadlineStep.APOLOGIZE, closed_at__isnull=True)
            notifications.notifications_create(
                complaint=complaint,
                deadline=deadline,
                level=0,
                kind=NotificationKind.REMINDER,
                text=texts.customer_waiting_text(complaint),
                recipients=[complaint.assignee],
                now=now,
            )
        if still_in_store:
            in_store_chat_enqueue(complaint, now=now)  # the store's work chat groups, in the same transaction
    return complaint
