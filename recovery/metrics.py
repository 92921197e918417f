"""Recovery metrics: how well complaints are recovered and where service breaks, for a filter and a grouping.

Read from the records the flow writes (complaints and their due times, compensation, approvals,
events), within the reader's scope. Times are measured on each step's own clock (a deadline's
``elapsed_seconds``: open hours for remote channels), percentiles in the database on PostgreSQL
(``percentile_cont``), in Python on the embedded SQLite of a demo.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from complaints.models import Deadline, DeadlineStep
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationStatus,
    ComplaintFacts,
    ComplaintFactsNow,
)
from staff.models import StoreCustomerCount, User
from staff.selectors import store_scope_q, stores_visible_to

PARETO_SHARE = 0.8
SCORES = range(1, 6)

# grouping → the complaint field it groups on (times: truncated in the metrics' time zone)
GROUPINGS = {
    "day": "day",
    "week": "week",
    "month": "month",
    "store": "store__code",
    "category": "category__code",
    "channel": "channel",
    "severity": "severity",
    "stage": "stage",
    "servqual_dimension": "servqual_dimension",
    "blueprint_area": "blueprint_area",
}


@dataclass(frozen=True)
class MetricsFilter:
    """What to sum up: complaints logged from ``date_from`` to ``date_to`` (days in ``zone``, inclusive)."""

    date_from: date
    date_to: date
    zone: ZoneInfo
    stores: tuple[str, ...] = ()
    region: str = ""
    category: str = ""
    channel: str = ""
    severity: str = ""

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.date_from, time.min, tzinfo=self.zone)
        return start, datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=self.zone)

    def previous(self) -> "MetricsFilter":
        """The same filter over the period of the same length just before."""
        days = (self.date_to - self.date_from).days + 1
        return MetricsFilter(
            date_from=self.date_from - timedelta(days=days),
            date_to=self.date_from - timedelta(days=1),
            zone=self.zone,
            stores=self.stores,
            region=self.region,
            category=self.category,
            channel=self.channel,
            severity=self.severity,
        )


def metrics_zone(user: User) -> ZoneInfo:
    """The time zone days are counted in: the reader's store's, else that of most of their stores."""
    if user.store_id:
        return user.store.zone
    zones = stores_visible_to(user).values("timezone").annotate(n=Count("pk")).order_by("-n", "timezone")
    first = zones.first()
    return ZoneInfo(first["timezone"]) if first else ZoneInfo("UTC")


def complaints_for(user: User, filters: MetricsFilter, *, computed: bool | None = None) -> QuerySet:
    """The filter's complaints as rows of facts, in ``user``'s scope.

    From the table PostgreSQL keeps current, unless ``computed``: then from the facts computed from the
    records now (as on SQLite, where the table is not kept, and to check the table against).
    """
    if computed is None:
        computed = connection.vendor != "postgresql"
    rows = (ComplaintFactsNow if computed else ComplaintFacts).objects.all()
    start, end = filters.bounds()
    rows = rows.filter(store_scope_q(user), created_at__gte=start, created_at__lt=end)
    if filters.stores:
        rows = rows.filter(store__code__in=filters.stores)
    if filters.region:
        rows = rows.filter(store__region__code=filters.region)
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    return rows


def recovery_metrics(
    *, user: User, filters: MetricsFilter, group_by: str = "", now: datetime | None = None, computed: bool | None = None
) -> dict:
    """``totals`` for the filter, ``previous`` for the period before it, and ``groups`` by ``group_by``."""
    now = now or timezone.now()
    current = complaints_for(user, filters, computed=computed)
    previous = complaints_for(user, filters.previous(), computed=computed)
    answer = {
        "period": {"from": filters.date_from, "to": filters.date_to, "time_zone": str(filters.zone)},
        "totals": figures(current, filters, now=now),
        "previous": figures(previous, filters.previous(), now=now),
    }
    if group_by:
        answer["group_by"] = group_by
        answer["groups"] = group_figures(current, group_by, filters.zone, now=now)
    return answer


# --- The figures of one set of complaints ------------------------------------------------------------


# A deadline's window, as "SLA met" counts it: done in time or late (counted in the facts, per step),
# or past due and still open (which depends on the time of asking, so read from the deadlines).
def _overdue(now: datetime) -> Q:
    return Q(closed_at__isnull=True, paused_at__isnull=True, due_at__lte=now)


def _overdue_in(step: str, now: datetime) -> Q:
    """Rows whose ``step`` is past due and still open (a step has one open deadline at a time)."""
    overdue = Deadline.objects.filter(_overdue(now), step=step).values("complaint_id")
    return Q(pk__in=overdue)


# Upper bounds (seconds) of the time-to-respond distribution's bins; the last bin is open-ended.
RESPONSE_BINS = (5 * 60, 15 * 60, 30 * 60, 60 * 60, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600)
TIMED = ("apologize_seconds", "respond_seconds", "close_seconds")


def figures(rows: QuerySet, filters: MetricsFilter, *, now: datetime) -> dict:
    bins = list(zip([0, *RESPONSE_BINS], [*RESPONSE_BINS, None], strict=True))
    found = rows.aggregate(
        volume=Count("pk"),
        closed=Count("pk", filter=Q(closed=True)),
        responded=Count("pk", filter=Q(responded=True)),
        followed_up=Count("pk", filter=Q(followed_up=True)),
        reopened=Count("pk", filter=Q(reopened=True)),
        escalated=Count("pk", filter=Q(max_level__gte=1)),
        highest_level=Coalesce(Max("max_level"), 0),
        first_contact=Count("pk", filter=Q(first_contact=True)),
        satisfaction_mean=Avg("satisfaction"),
        customers=Count("customer", distinct=True),
        repeaters=Count("customer", distinct=True, filter=Q(repeat_customer=True)),
        granted_total=Coalesce(Sum("granted_total"), Decimal(0)),
        granted_count=Coalesce(Sum("granted_count"), 0),
        granted_outside=Coalesce(Sum("granted_outside"), 0),
        approvals_requested=Coalesce(Sum("approvals_requested"), 0),
        approvals_approved=Coalesce(Sum("approvals_approved"), 0),
        approvals_rejected=Coalesce(Sum("approvals_rejected"), 0),
        **{f"satisfaction_{score}": Count("pk", filter=Q(satisfaction=score)) for score in SCORES},
        **{
            f"bin_{index}": Count(
                "pk",
                filter=Q(respond_seconds__gte=low) & (Q(respond_seconds__lt=high) if high is not None else Q()),
            )
            for index, (low, high) in enumerate(bins)
        },
        **{
            f"{step}_{outcome}": Coalesce(Sum(f"{step}_{outcome}"), 0)
            for step in DeadlineStep.values
            for outcome in ("met", "late")
        },
        **{f"{step}_overdue": Count("pk", filter=_overdue_in(step, now)) for step in DeadlineStep.values},
        **_percentile_aggregates(TIMED),
    )
    times = _percentiles(rows, TIMED, found)
    volume, closed, granted = found["volume"], found["closed"], found["granted_count"]
    decided = found["approvals_approved"] + found["approvals_rejected"]
    return {
        "volume": volume,
        "complaints_per_1000_customers": _complaint_rate(rows, filters),
        "time_to_apologize": times["apologize_seconds"],
        "time_to_respond": times["respond_seconds"],
        "time_to_close": times["close_seconds"],
        "time_to_respond_distribution": [
            {"up_to": high, "count": found[f"bin_{index}"]} for index, (_low, high) in enumerate(bins)
        ],
        "sla_met": {
            step: _share(found[f"{step}_met"], found[f"{step}_met"] + found[f"{step}_late"] + found[f"{step}_overdue"])
            for step in DeadlineStep.values
        },
        "escalation_rate": _share(found["escalated"], volume),
        "highest_escalation_level": found["highest_level"],
        "first_contact_resolution": _share(found["first_contact"], closed),
        "compensation": {
            "total": _money(found["granted_total"]),
            "count": granted,
            "average": _money(found["granted_total"] / granted) if granted else None,
            "outside_guideline_rate": _share(found["granted_outside"], granted),
            **_compensation_by(rows),
        },
        "approvals": {
            "requested": found["approvals_requested"],
            "approval_rate": _share(found["approvals_approved"], decided),
            "rejection_rate": _share(found["approvals_rejected"], decided),
            "median_decision_seconds": _decision_median(rows),
        },
        "follow_up_completion": _share(found["followed_up"], found["responded"]),
        "satisfaction": {
            "mean": _round(found["satisfaction_mean"]),
            "distribution": {str(score): found[f"satisfaction_{score}"] for score in SCORES},
        },
        "repeat_customer_rate": _share(found["repeaters"], found["customers"]),
        "reopen_rate": _share(found["reopened"], closed),
        "pareto": {
            "category": _pareto(rows, "category__code"),
            "servqual_dimension": _pareto(rows.exclude(servqual_dimension=""), "servqual_dimension"),
            "blueprint_area": _pareto(rows.exclude(blueprint_area=""), "blueprint_area"),
        },
    }


def _complaint_rate(rows: QuerySet, filters: MetricsFilter) -> float | None:
    """Complaints per 1,000 customers, over the store-days whose customer count is known."""
    counted = StoreCustomerCount.objects.filter(
        store__in=rows.values("store"), day__gte=filters.date_from, day__lte=filters.date_to
    )
    customers = counted.aggregate(total=Sum("customers"))["total"]
    if not customers:
        return None
    known_day = StoreCustomerCount.objects.filter(store=OuterRef("store"), day=OuterRef("local_day"))
    on_counted_days = rows.annotate(local_day=TruncDate("created_at", tzinfo=filters.zone)).filter(Exists(known_day))
    return _round(on_counted_days.count() * 1000 / customers)


def _compensation_by(rows: QuerySet) -> dict[str, list[dict]]:
    """Granted compensation by kind and by the granter's role (from the actions), and by store."""
    granted = CompensationAction.objects.filter(complaint__in=rows.values("pk"), status=CompensationStatus.GRANTED)

    def by(key: str) -> list[dict]:
        found = granted.values(key).annotate(total=Sum("amount"), count=Count("pk")).order_by("-total", key)
        return [_money_row(row[key], row["total"], row["count"]) for row in found]

    stores = (
        rows.filter(granted_count__gt=0)
        .values("store__code")
        .annotate(total=Sum("granted_total"), count=Sum("granted_count"))
        .order_by("-total", "store__code")
    )
    return {
        "by_kind": by("kind"),
        "by_store": [_money_row(row["store__code"], row["total"], row["count"]) for row in stores],
        "by_role": by("granted_by__role"),
    }


def _money_row(key: str, total: Decimal, count: int) -> dict:
    return {"key": key, "total": _money(total), "count": count, "average": _money(total / count)}


def _decision_median(rows: QuerySet) -> float | None:
    decided = ApprovalRequest.objects.filter(complaint__in=rows.values("pk"), decided_at__isnull=False)
    return _durations(decided, "created_at", "decided_at")["median"]


def _pareto(rows: QuerySet, key: str) -> list[dict]:
    """Causes by count, most first, with their cumulative share; ``vital`` marks the few that make 80%."""
    found = list(rows.values(key).annotate(count=Count("pk")).order_by("-count", key))
    total = sum(row["count"] for row in found)
    pareto, running = [], 0
    for row in found:
        before = running
        running += row["count"]
        pareto.append(
            {
                "key": row[key],
                "count": row["count"],
                "cumulative_share": _round(running / total),
                "vital": before / total < PARETO_SHARE,
            }
        )
    return pareto


# --- Grouped figures -----------------------------------------------------------------------------------


def group_figures(rows: QuerySet, group_by: str, zone: ZoneInfo, *, now: datetime) -> list[dict]:
    """A row of the main figures per group (a day, a store, a category…), in the group's order."""
    key = GROUPINGS[group_by]
    truncs = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}
    if group_by in truncs:
        rows = rows.annotate(**{key: truncs[group_by]("created_at", tzinfo=zone)})
    found = (
        rows.values(key)
        .annotate(
            volume=Count("pk"),
            closed=Count("pk", filter=Q(closed=True)),
            escalated=Count("pk", filter=Q(max_level__gte=1)),
            satisfaction_mean=Avg("satisfaction"),
            respond_met=Coalesce(Sum("respond_met"), 0),
            respond_late=Coalesce(Sum("respond_late"), 0),
            respond_overdue=Count("pk", filter=_overdue_in(DeadlineStep.RESPOND, now)),
            granted_total=Coalesce(Sum("granted_total"), Decimal(0)),
            **_percentile_aggregates(["respond_seconds"]),
        )
        .order_by(key)
    )
    if connection.vendor != "postgresql":
        found = list(found)
        by_group = defaultdict(list)
        for group, seconds in rows.filter(respond_seconds__isnull=False).values_list(key, "respond_seconds"):
            by_group[group].append(seconds)
        for row in found:
            values = by_group[row[key]]
            row["respond_seconds_median"], row["respond_seconds_p90"] = (_percentile(values, f) for f in (0.5, 0.9))
    return [
        {
            "key": _key(row[key]),
            "volume": row["volume"],
            "closed": row["closed"],
            "escalation_rate": _share(row["escalated"], row["volume"]),
            "satisfaction_mean": _round(row["satisfaction_mean"]),
            "time_to_respond": {
                "median": _round(row["respond_seconds_median"]),
                "p90": _round(row["respond_seconds_p90"]),
            },
            "sla_met_respond": _share(
                row["respond_met"], row["respond_met"] + row["respond_late"] + row["respond_overdue"]
            ),
            "compensation_total": _money(row["granted_total"]),
        }
        for row in found
    ]


# --- Percentiles, shares and rounding ---------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation between the two nearest values)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), output_field=FloatField(), **extra)


def _percentile_aggregates(fields: Iterable[str]) -> dict[str, Aggregate]:
    """The median and 90th percentile of each field as aggregates, on PostgreSQL (else none)."""
    if connection.vendor != "postgresql":
        return {}
    return {
        f"{field}_{name}": PercentileCont(field, fraction)
        for field in fields
        for name, fraction in (("median", 0.5), ("p90", 0.9))
    }


def _percentiles(rows: QuerySet, fields: Iterable[str], found: dict) -> dict[str, dict[str, float | None]]:
    """Each field's median and p90: from ``found`` (the aggregates above) or, on SQLite, in Python."""
    answer = {}
    for field in fields:
        if connection.vendor == "postgresql":
            median, p90 = found[f"{field}_median"], found[f"{field}_p90"]
        else:
            values = list(rows.filter(**{f"{field}__isnull": False}).values_list(field, flat=True))
            median, p90 = _percentile(values, 0.5), _percentile(values, 0.9)
        answer[field] = {"median": _round(median), "p90": _round(p90)}
    return answer


def _durations(queryset: QuerySet, start: str, end: str) -> dict[str, float | None]:
    """The median and 90th percentile of ``end - start``, in seconds."""
    timed = queryset.annotate(seconds=_Epoch(F(end), F(start)))
    return _percentiles(timed, ["seconds"], timed.aggregate(**_percentile_aggregates(["seconds"])))["seconds"]


class _Epoch(Func):
    """The seconds from the second time to the first (null when either is)."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() counts days as a float: whole seconds are exact, microseconds nearly so.
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s) * 86400.0)", arg_joiner=") - julianday("
        )


def _percentile(values: Iterable[float], fraction: float) -> float | None:
    """As percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return _round(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _share(part: int, whole: int) -> float | None:
    return _round(part / whole) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _money(value) -> str | None:
    """An amount as the API writes money: a decimal string with cents."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _key(value):
    """A group's key as the answer shows it: dates as ISO strings."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
