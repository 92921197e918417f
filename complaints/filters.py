"""The complaint list's filters, search and ordering (django-filter)."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from complaints.customers import normalize_phone
from complaints.models import Channel, Complaint, ComplaintStatus, Severity, Stage
from core.filters import DateOrDateTimeFilter, MultipleChoiceFilter, NullsLastOrderingFilter, StrictBooleanFilter


class ComplaintFilter(django_filters.FilterSet):
    status = MultipleChoiceFilter(choices=ComplaintStatus.choices, help_text="One or more: new,apologized")
    store = django_filters.CharFilter(field_name="store__code", help_text="Store code, e.g. S1")
    category = django_filters.CharFilter(field_name="category__code", help_text="Category code")
    severity = MultipleChoiceFilter(choices=Severity.choices, help_text="One or more")
    channel = MultipleChoiceFilter(choices=Channel.choices, help_text="One or more")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    assignee = django_filters.CharFilter(field_name="assignee__username", help_text="Username")
    customer_phone = django_filters.CharFilter(
        method="filter_customer_phone", max_length=40, help_text="Any format; normalized"
    )
    created_from = DateOrDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="Date or date-time")
    created_to = DateOrDateTimeFilter(
        field_name="created_at", lookup_expr="lt", until=True, help_text="Date (inclusive) or date-time (exclusive)"
    )
    overdue = StrictBooleanFilter(help_text="true: a due time has passed with the step undone")
    escalation_level = django_filters.NumberFilter(
        min_value=0, max_value=3, help_text="0 none, 1 supervisors, 2 managers, 3 admins"
    )
    escalation_level_min = django_filters.NumberFilter(
        field_name="escalation_level", lookup_expr="gte", min_value=0, max_value=3, help_text="At least this level"
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Words found in the reference, description or customer name"
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("reference", "reference"),
            ("severity_rank", "severity"),
            ("status", "status"),
            ("next_due_at", "due"),
            ("escalation_level", "escalation_level"),
        ),
        help_text="created_at, severity, reference, status, updated_at, due, escalation_level; '-' for descending",
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def filter_customer_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            phone = normalize_phone(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(customer__phone=phone)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Every word must match somewhere: "cold soup" finds "the soup was cold".
        for word in value.split()[:10]:
            queryset = queryset.filter(
                Q(reference__icontains=word) | Q(description__icontains=word) | Q(customer__name__icontains=word)
            )
        return queryset
