"""Filter fields for django-filter FilterSets: dates or date-times, strict booleans, comma-separated choices; the
lists' ordering, and the keys of one page of it."""

from datetime import UTC, datetime, time, timedelta

import django_filters
import django_filters.constants
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _


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
            raise forms.ValidationError(_("Date out of range.")) from None
        raise forms.ValidationError(_("Enter a date (2026-11-22) or a date-time (2026-11-22T09:00:00+08:00)."))


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
        raise forms.ValidationError(_("Use true or false."))

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


class OrderedInParts(OrderBy):
    """The order by a column that has no index (so that updating it leaves a row in place, HOT), whose rows
    fall in ``parts`` that each read in that order through an index of their own: filters in the column's
    ascending order, disjoint, covering every row (a complaint's escalation level: level 0, most of them,
    by the primary key; the escalated, all open, few, by their status).

    A page's keys (``page_keys``) are then the union of each part's first rows, sorted: a top-N sort of a
    few rows instead of every row in the list.
    """

    def __init__(self, expression, *, parts: tuple[Q, ...], descending: bool = False) -> None:
        super().__init__(expression, descending=descending)
        self.parts = parts

    def page_keys(self, queryset: QuerySet, bottom: int, top: int) -> list:
        """The primary keys of rows ``bottom`` to ``top`` of ``queryset`` (ordered by this, then the key)."""
        name = self.expression.name
        tie = "-pk" if self.descending else "pk"
        order = (F(name).desc() if self.descending else F(name).asc(), tie)
        first, *others = (queryset.filter(part).order_by(*order).values_list("pk", name)[:top] for part in self.parts)
        return [key for key, _ in first.union(*others, all=True).order_by(*order)[bottom:top]]


def page_keys(queryset: QuerySet, bottom: int, top: int) -> list:
    """The primary keys of rows ``bottom`` to ``top`` of ``queryset``, in its order."""
    order = queryset.query.order_by
    if order and isinstance(order[0], OrderedInParts) and len(order) == 2:
        return order[0].page_keys(queryset, bottom, top)
    return list(queryset[bottom:top].values_list("pk", flat=True))


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where rows without a value (a closed complaint has no due time) come last, whichever
    the direction (PostgreSQL puts NULLs first when descending). The primary key breaks ties, in the
    direction of the last key, so that pages do not overlap and one index on (key, primary key) serves
    the key both ways.

    ``nullable``: the fields that can be NULL. Only those say NULLS LAST: on a column that is never
    NULL it changes nothing but keeps a descending order from reading an ascending index backwards.
    ``in_parts``: fields without an index ordered by parts that have one (``OrderedInParts``).
    """

    def __init__(
        self, *args, nullable: tuple[str, ...] = (), in_parts: dict[str, tuple[Q, ...]] | None = None, **kwargs
    ) -> None:
        self.nullable = frozenset(nullable)
        self.in_parts = in_parts or {}
        super().__init__(*args, **kwargs)

    def get_ordering_value(self, param: str):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        if name in self.in_parts:
            return OrderedInParts(F(name), parts=self.in_parts[name], descending=descending)
        nulls = {"nulls_last": True} if name in self.nullable else {}
        return F(name).desc(**nulls) if descending else F(name).asc(**nulls)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        tie = "-pk" if value[-1].startswith("-") else "pk"
        return qs.order_by(*[self.get_ordering_value(param) for param in value], tie)
