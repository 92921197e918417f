from django.contrib import admin

from core.admin import ReadOnlyAdmin
from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Everything that went out, or is waiting to: written by the services, sent by the worker."""

    list_display = [
        "created_at",
        "channel",
        "kind",
        "destination",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "provider",
        "error_code",
        "sent_at",
    ]
    list_filter = ["channel", "status", "kind", "provider"]
    search_fields = ["destination", "provider_message_id", "idempotency_key", "complaint__reference"]
    date_hierarchy = "created_at"
    list_select_related = ["complaint"]
