from django.contrib import admin

from core.admin import ReadOnlyAdmin
from outbox.models import MessageTemplate, OutboxMessage, SmsOptOut


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


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """What each text message says, per language: checked against the providers' rules when saved."""

    list_display = ["kind", "language", "text"]
    list_filter = ["kind", "language"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(ReadOnlyAdmin):
    """Numbers that replied the opt-out word. Deleting one (the customer asked again to be texted) lets texts
    go to it again, for complaints whose consent is given anew."""

    list_display = ["phone", "word", "provider", "created_at"]
    search_fields = ["phone"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
