"""The approval queue's filters (django-filter)."""

import django_filters

from core.filters import MultipleChoiceFilter, StrictBooleanFilter
from recovery.models import ApprovalRequest, ApprovalStatus, Notification
from staff.models import Role


class ApprovalFilter(django_filters.FilterSet):
    status = MultipleChoiceFilter(choices=ApprovalStatus.choices, help_text="One or more: pending,approved")
    store = django_filters.CharFilter(field_name="store__code", help_text="Store code, e.g. S1")
    approver_role = MultipleChoiceFilter(choices=Role.choices, help_text="The role a request waits on")
    complaint = django_filters.UUIDFilter(field_name="complaint_id")
    requested_by = django_filters.CharFilter(field_name="requested_by__username", help_text="Username")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "store", "approver_role", "complaint", "requested_by"]


class NotificationFilter(django_filters.FilterSet):
    read = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", exclude=True)
    complaint = django_filters.UUIDFilter(field_name="complaint_id")

    class Meta:
        model = Notification
        fields = ["read", "complaint"]
