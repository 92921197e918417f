from django.contrib import admin

from complaints.models import Category, Complaint, ComplaintEvent, CustomerTier, Deadline, SlaPolicy
from core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_en", "name_zh"]
    fields = ["code", "name_en", "name_zh", "apology_script_en", "apology_script_zh", "is_active", "sort_order"]


@admin.register(CustomerTier)
class CustomerTierAdmin(admin.ModelAdmin):
    """The tiers' names (A/B/C are fixed) and which one customers without a tier of their own get."""

    list_display = ["code", "name_en", "name_zh", "is_default"]
    list_editable = ["name_en", "name_zh", "is_default"]


# Customers are administered in recovery/admin.py: anonymizing one there clears their compensation notes too.


class ComplaintEventInline(admin.TabularInline):
    """The audit trail: shown, never edited or deleted."""

    model = ComplaintEvent
    fields = ["at", "kind", "actor", "status_before", "status_after", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """Read-only: complaints change only through the flow's steps, which keep the event log."""

    list_display = ["reference", "store", "category", "severity", "status", "assignee", "created_at"]
    list_filter = ["status", "store", "severity", "channel", "category"]
    list_select_related = ["store", "category", "assignee"]
    search_fields = ["reference", "description", "customer__name", "customer__phone"]
    date_hierarchy = "created_at"
    inlines = [ComplaintEventInline]


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "kind", "actor", "at"]
    list_filter = ["kind"]
    list_select_related = ["complaint", "actor"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Windows are in seconds (e.g. 300 = 5 minutes); new due times use them at once."""

    list_display = [
        "severity",
        "channel",
        "tier",
        "apologize_within",
        "respond_within",
        "follow_up_after",
        "approval_within",
        "escalate_every",
    ]
    list_filter = ["severity", "channel", "tier"]
    list_select_related = ["tier"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    """Read-only: due times change only through the flow and the sweep."""

    list_display = ["complaint", "step", "cycle", "due_at", "level", "paused_at", "next_check_at", "closed_at"]
    list_filter = ["step", "level"]
    list_select_related = ["complaint"]
