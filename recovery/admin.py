"""Admin for what admins configure (limits, guidelines) and read-only views of what happened."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Customer, CustomerTierChange
from core.admin import ReadOnlyAdmin
from recovery.customers.privacy import customer_anonymize
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationGuideline,
    CompensationKind,
    EmpowermentPolicy,
    Notification,
)


class EmpowermentPolicyForm(forms.ModelForm):
    # Ticked kinds rather than a JSON list; the field's words are the model's.
    allowed_kinds = forms.MultipleChoiceField(
        choices=CompensationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=EmpowermentPolicy._meta.get_field("allowed_kinds").verbose_name,
        help_text=EmpowermentPolicy._meta.get_field("allowed_kinds").help_text,
    )

    class Meta:
        model = EmpowermentPolicy
        fields = [
            "role",
            "store",
            "max_per_action",
            "max_per_day",
            "max_per_customer",
            "max_anonymous_per_day",
            "allowed_kinds",
            "allow_zero_amount",
        ]


@admin.register(EmpowermentPolicy)
class EmpowermentPolicyAdmin(admin.ModelAdmin):
    form = EmpowermentPolicyForm
    list_display = [
        "role",
        "store",
        "max_per_action",
        "max_per_day",
        "max_per_customer",
        "max_anonymous_per_day",
        "allow_zero_amount",
    ]
    list_filter = ["role", "store"]
    list_select_related = ["store"]


@admin.register(CompensationGuideline)
class CompensationGuidelineAdmin(admin.ModelAdmin):
    list_display = ["category", "severity", "tier", "min_amount", "max_amount", "note"]
    list_filter = ["severity", "category", "tier"]
    list_select_related = ["category", "tier"]


@admin.register(CompensationAction)
class CompensationActionAdmin(ReadOnlyAdmin):
    list_display = [
        "complaint",
        "kind",
        "amount",
        "currency",
        "status",
        "granted_by",
        "far_above_guideline",
        "created_at",
    ]
    # "Outside guideline" is the review list: granted far above what the guideline suggests.
    list_filter = ["far_above_guideline", "status", "kind", "store"]
    list_select_related = ["complaint", "granted_by"]
    date_hierarchy = "created_at"


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "store", "requested_by", "approver_role", "status", "decided_by", "created_at"]
    list_filter = ["status", "approver_role", "store", "in_person"]
    list_select_related = ["complaint", "store", "requested_by", "decided_by"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "complaint", "level", "created_at", "read_at"]
    list_filter = ["kind", "step"]
    list_select_related = ["recipient", "complaint"]
    date_hierarchy = "created_at"


class CustomerTierChangeInline(admin.TabularInline):
    """The tier history: shown, never edited."""

    model = CustomerTierChange
    fk_name = "customer"
    fields = ["at", "tier_before", "tier_after", "source", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers; the tier is set on the customer page (with a reason) or imported, not here."""

    list_display = ["__str__", "phone", "email", "tier", "created_at", "anonymized_at"]
    list_filter = ["tier", ("anonymized_at", admin.EmptyFieldListFilter)]
    list_select_related = ["tier"]
    search_fields = ["name", "phone", "email"]
    fields = ["name", "phone", "email", "language", "tier", "created_at", "anonymized_at"]
    readonly_fields = ["tier", "created_at", "anonymized_at"]
    inlines = [CustomerTierChangeInline]
    actions = ["anonymize"]

    @admin.action(description=_("Anonymize the selected customers (on their request)"))
    def anonymize(self, request, queryset) -> None:
        done = sum(customer_anonymize(customer=customer) for customer in queryset.order_by("pk"))
        self.message_user(
            request,
            gettext("%(done)s customers anonymized; %(already)s were already.")
            % {"done": done, "already": queryset.count() - done},
            messages.SUCCESS,
        )
