"""The complaint list's filters, search and ordering (django-filter)."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from complaints.customers import normalize_phone
from complaints.limits import SEARCH_MAX_CHARS
from complaints.models import (
    OPEN_STATUSES,
    Channel,
    Complaint,
    ComplaintStatus,
    Customer,
    Severity,
    Stage,
    overdue_q,
)
from complaints.sql import complaint_search_text, customer_search_text
from core.filters import DateOrDateTimeFilter, MultipleChoiceFilter, NullsLastOrderingFilter, StrictBooleanFilter
from staff.models import Store


def _escalated(queryset: QuerySet, level) -> QuerySet:
    """Only open complaints are escalated (closing one closes its deadlines, whose levels are its level):
    said by status as well, the status indexes find them, the level having no index (see complaints.sql)."""
    return queryset.filter(status__in=OPEN_STATUSES) if level >= 1 else queryset


# By escalation level: level 0 (most complaints) in the primary key's order, then the escalated ones, all open,
# found by their status and sorted, few as they are.
ESCALATION_PARTS = (Q(escalation_level=0), Q(escalation_level__gt=0, status__in=OPEN_STATUSES))


class ComplaintFilter(django_filters.FilterSet):
    status = MultipleChoiceFilter(choices=ComplaintStatus.choices, help_text="One or more: new,apologized")
    store = django_filters.CharFilter(method="filter_store", help_text="Store code, e.g. S1")
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
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="true: a due time has passed with the step undone")
    escalation_level = django_filters.NumberFilter(
        method="filter_escalation_level",
        min_value=0,
        max_value=3,
        help_text="0 none, 1 supervisors, 2 managers, 3 admins",
    )
    escalation_level_min = django_filters.NumberFilter(
        method="filter_escalation_level_min", min_value=0, max_value=3, help_text="At least this level"
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_CHARS,
        help_text="Words found in the reference, description or customer name; or the customer's phone, in any format",
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
        nullable=("next_due_at",),
        in_parts={"escalation_level": ESCALATION_PARTS},
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def filter_store(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # By the store's id, found first (an InitPlan), rather than a join: the indexes that lead with the
        # store then also give the order (by due time, by creation) without sorting the store's complaints.
        return queryset.filter(store_id=Subquery(Store.objects.filter(code=value).values("pk")[:1]))

    def filter_escalation_level(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return _escalated(queryset.filter(escalation_level=value), value)

    def filter_escalation_level_min(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return _escalated(queryset.filter(escalation_level__gte=value), value)

    def filter_customer_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            phone = normalize_phone(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(customer__phone=phone)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        late = overdue_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Every word must match somewhere: "cold soup" finds "the soup was cold".
        found = Q()
        for word in value.split()[:10]:
            found &= Q(_found_by_trigrams(word))
        # A phone number as the customer says it ("138 0013 8000") also finds their complaints: one search box
        # at the counter, whatever the employee was given.
        try:
            phone = normalize_phone(value)
        except ValidationError:
            phone = ""
        if phone:
            found |= Q(customer_id__in=Customer.objects.filter(phone=phone).values("pk"))
        return queryset.filter(found)


def _found_by_trigrams(word: str) -> RawSQL:
    """``word`` in the reference, the description or the customer's name, case aside, as the trigram
    indexes of complaints.sql can find it: the complaints' own expression, and the matching customers
    as an array (so that both sides are index scans, OR-ed as bitmaps)."""
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # Built from our own table names and expressions; the word is a parameter.
    return RawSQL(  # noqa: S611
        f"{complaint_search_text(Complaint._meta.db_table)} LIKE UPPER(%s)"
        f" OR {Complaint._meta.db_table}.customer_id = ANY(ARRAY("
        f"    SELECT c.id FROM complaints_customer c WHERE {customer_search_text('c')} LIKE UPPER(%s)))",
        [pattern, pattern],
        output_field=BooleanField(),
    )
