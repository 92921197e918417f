"""Admin for what admins configure (limits, guidelines) and read-only views of what happened."""

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationGuideline,
    CompensationKind,
    EmpowermentPolicy,
    Notification,
)


class EmpowermentPolicyForm(forms.ModelForm):
    allowed_kinds = forms.MultipleChoiceField(
        choices=CompensationKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = EmpowermentPolicy
        fields = [
            "role",
            "store",
            "max_per_action",
            "max_per_day",
            "max_per_customer",
            "allowed_kinds",
            "allow_zero_amount",
        ]


@admin.register(EmpowermentPolicy)
class EmpowermentPolicyAdmin(admin.ModelAdmin):
    form = EmpowermentPolicyForm
    list_display = ["role", "store", "max_per_action", "max_per_day", "max_per_customer", "allow_zero_amount"]
    list_filter = ["role", "store"]
    list_select_related = ["store"]


@admin.register(CompensationGuideline)
class CompensationGuidelineAdmin(admin.ModelAdmin):
    list_display = ["category", "severity", "min_amount", "max_amount", "note"]
    list_filter = ["severity", "category"]
    list_select_related = ["category"]


@admin.register(CompensationAction)
class CompensationActionAdmin(ReadOnlyAdmin):
    list_display = [
        "complaint",
        "kind",
        "amount",
        "currency",
        "status",
        "granted_by",
        "outside_guideline",
        "created_at",
    ]
    # "Outside guideline" is the review list: granted far above what the guideline suggests.
    list_filter = ["outside_guideline", "status", "kind", "store"]
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
    list_display = ["recipient", "kind", "complaint", "level", "created_at", "read_at", "email_state"]
    list_filter = ["kind", "email_state", "step"]
    list_select_related = ["recipient", "complaint"]
    date_hierarchy = "created_at"
