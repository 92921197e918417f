"""Reading the outbox."""

from outbox.models import OutboxMessage


def messages_of_complaint(complaint_id) -> list[OutboxMessage]:
    """Every message a complaint caused, oldest first: its delivery record (status, tries, the provider's answer)."""
    return list(OutboxMessage.objects.filter(complaint_id=complaint_id).order_by("created_at", "pk"))
