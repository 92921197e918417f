"""Reads about a complaint's satisfaction survey."""

from django.db.models import OuterRef, Subquery

from complaints.models import Complaint
from outbox.email import email_key_of_row
from outbox.models import MessageStatus, OutboxMessage
from recovery.models import SurveyInvitation
from recovery.surveys.invitations import EMAIL_KIND


def survey_latest_of(complaint: Complaint) -> SurveyInvitation | None:
    """The last survey link sent for ``complaint``, if any, with ``emailed_at``: when its email went out (None
    while it waits in the outbox, or when it was not emailed)."""
    if "survey_invitations" in getattr(complaint, "_prefetched_objects_cache", {}):
        return next(iter(complaint.survey_invitations.all()), None)  # known already (just written: none)
    # The email's outbox row, by the key the invitation wrote it under (a unique index: one lookup).
    email = OutboxMessage.objects.filter(
        idempotency_key=email_key_of_row(EMAIL_KIND, OuterRef("pk")), status=MessageStatus.SENT
    )
    return (
        complaint.survey_invitations.select_related("sent_by")
        .annotate(emailed_at=Subquery(email.values("sent_at")[:1]))
        .order_by("-sent_at", "-id")
        .first()
    )
