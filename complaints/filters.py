"""The complaint list's filters, search and ordering (django-filter)."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from complaints.customers import normalize_phone
from complaints.models import Channel, Complaint, ComplaintStatus, Severity, Stage


class DateOrDateTimeField(forms.Field):
    """A date (``2026-11-22``, the whole UTC day) or an ISO date-time; ``until`` makes a date inclusive."""

    def __init__(self, *args, until: bool = False, **kwargs) -> None:
        self.until = until
        super().__init__(*args, **kwargs)

    def to_python(self, value: str | None) -> datetime | None:
        if not value:
            return None
        # Dates first: parse_datetime would also read "2026-11-22", as midnight.
        try:
            day = parse_date(value)
            moment = None if day else parse_datetime(value)
        except ValueError:
            day = moment = None
        try:
            if day is not None:
                return datetime.combine(day + timedelta(days=1) if self.until else day, time.min, tzinfo=UTC)
            if moment is not None:
                # In UTC: databases refuse odd offsets (+16:00) that Python accepts.
                return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        except OverflowError:
            raise forms.ValidationError("Date out of range.") from None
        raise forms.ValidationError("Enter a date (2026-11-22) or a date-time (2026-11-22T09:00:00+08:00).")


class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0); anything else is an error, not silently "no filter"."""

    widget = forms.TextInput  # the default select would turn an unknown value into "no filter"

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.")

    def validate(self, value) -> None:
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class CommaSeparatedMultipleChoiceField(forms.MultipleChoiceField):
    """Several values, repeated (``?status=new&status=apologized``) or comma-separated (``?status=new,apologized``)."""

    def to_python(self, value):
        return [part.strip() for item in super().to_python(value) for part in item.split(",") if part.strip()]


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaSeparatedMultipleChoiceField

    def __init__(self, *args, **kwargs) -> None:
        # django-filter adds DISTINCT for multi-valued relations; on a plain column it only makes
        # the database compute every row's annotations and sort them all before paginating.
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


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
    ordering = django_filters.OrderingFilter(
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
