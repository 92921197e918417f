"""Reading the outbox."""

from outbox.models import OutboxMessage


def messages_of_complaint(complaint_id, *, leaving_out: tuple[str, ...] = ()) -> list[OutboxMessage]:
    """Every message a complaint caused, oldest first, but those of the kinds ``leaving_out``: its delivery record
    (status, tries, the provider's answer)."""
    return list(
        OutboxMessage.objects.filter(complaint_id=complaint_id)
        .exclude(kind__in=leaving_out)
        .order_by("created_at", "pk")
    )
