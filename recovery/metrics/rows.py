"""The recovery metrics summed from rows of complaint facts: any filter and grouping.

The rows are the kept ``ComplaintFacts``, or ``ComplaintFactsNow``, computed from the records (to check
the kept table against). Percentiles are taken in the database (``percentile_cont``).
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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

from complaints.models import Deadline, DeadlineStep
from recovery.metrics.common import (
    GROUPINGS,
    RESPONSE_BIN_BOUNDS,
    SCORES,
    TIMED,
    MetricsFilter,
    figures_answer,
    group_key,
    money,
    money_row,
    pareto,
    round_figure,
    share,
)
from recovery.models import (
    ApprovalRequest,
    CompensationAction,
    CompensationStatus,
    ComplaintFacts,
    ComplaintFactsNow,
)
from staff.models import StoreCustomerCount, User
from staff.selectors import store_scope_q


def complaints_for(user: User, filters: MetricsFilter, *, computed: bool = False) -> QuerySet:
    """The filter's complaints as rows of facts, in ``user``'s scope.

    From the table PostgreSQL keeps current, unless ``computed``: then from the facts computed from the
    records now (to check the table against).
    """
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


# --- The figures of one set of complaints ------------------------------------------------------------


# A deadline's window, as "SLA met" counts it: done in time or late (counted in the facts, per step),
# or past due and still open (which depends on the time of asking, so read from the deadlines).
def _overdue(now: datetime) -> Q:
    return Q(closed_at__isnull=True, paused_at__isnull=True, due_at__lte=now)


def _overdue_in(step: str, now: datetime) -> Q:
    """Rows whose ``step`` is past due and still open (a step has one open deadline at a time)."""
    overdue = Deadline.objects.filter(_overdue(now), step=step).values("complaint_id")
    return Q(pk__in=overdue)


def figures(rows: QuerySet, filters: MetricsFilter, *, now: datetime) -> dict:
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
        granted_far_above=Coalesce(Sum("granted_far_above"), 0),
        approvals_requested=Coalesce(Sum("approvals_requested"), 0),
        approvals_approved=Coalesce(Sum("approvals_approved"), 0),
        approvals_rejected=Coalesce(Sum("approvals_rejected"), 0),
        **{f"satisfaction_{score}": Count("pk", filter=Q(satisfaction=score)) for score in SCORES},
        **{
            f"bin_{index}": Count(
                "pk",
                filter=Q(respond_seconds__gte=low) & (Q(respond_seconds__lt=high) if high is not None else Q()),
            )
            for index, (low, high) in enumerate(RESPONSE_BIN_BOUNDS)
        },
        **{
            f"{step}_{outcome}": Coalesce(Sum(f"{step}_{outcome}"), 0)
            for step in DeadlineStep.values
            for outcome in ("met", "late")
        },
        **{f"{step}_overdue": Count("pk", filter=_overdue_in(step, now)) for step in DeadlineStep.values},
        **_percentile_aggregates(TIMED),
    )
    return figures_answer(
        found,
        times=_percentiles(rows, TIMED, found),
        complaint_rate=_complaint_rate(rows, filters),
        compensation_by=_compensation_by(rows),
        decision_median=_decision_median(rows),
        paretos={
            "category": _pareto(rows, "category__code"),
            "servqual_dimension": _pareto(rows.exclude(servqual_dimension=""), "servqual_dimension"),
            "blueprint_area": _pareto(rows.exclude(blueprint_area=""), "blueprint_area"),
        },
    )


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
    return round_figure(on_counted_days.count() * 1000 / customers)


def _compensation_by(rows: QuerySet) -> dict[str, list[dict]]:
    """Granted compensation by kind and by the granter's role (from the actions), and by store."""
    granted = CompensationAction.objects.filter(complaint__in=rows.values("pk"), status=CompensationStatus.GRANTED)

    def by(key: str) -> list[dict]:
        found = granted.values(key).annotate(total=Sum("amount"), count=Count("pk")).order_by("-total", key)
        return [money_row(row[key], row["total"], row["count"]) for row in found]

    stores = (
        rows.filter(granted_count__gt=0)
        .values("store__code")
        .annotate(total=Sum("granted_total"), count=Sum("granted_count"))
        .order_by("-total", "store__code")
    )
    return {
        "by_kind": by("kind"),
        "by_store": [money_row(row["store__code"], row["total"], row["count"]) for row in stores],
        "by_role": by("granted_by__role"),
    }


def _decision_median(rows: QuerySet) -> float | None:
    decided = ApprovalRequest.objects.filter(complaint__in=rows.values("pk"), decided_at__isnull=False)
    return _durations(decided, "created_at", "decided_at")["median"]


def _pareto(rows: QuerySet, key: str) -> list[dict]:
    return pareto(rows.values_list(key).annotate(count=Count("pk")).order_by())


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
    return [
        {
            "key": group_key(row[key]),
            "volume": row["volume"],
            "closed": row["closed"],
            "escalation_rate": share(row["escalated"], row["volume"]),
            "satisfaction_mean": round_figure(row["satisfaction_mean"]),
            "time_to_respond": {
                "median": round_figure(row["respond_seconds_median"]),
                "p90": round_figure(row["respond_seconds_p90"]),
            },
            "sla_met_respond": share(
                row["respond_met"], row["respond_met"] + row["respond_late"] + row["respond_overdue"]
            ),
            "compensation_total": money(row["granted_total"]),
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
    """The median and 90th percentile of each field as aggregates."""
    return {
        f"{field}_{name}": PercentileCont(field, fraction)
        for field in fields
        for name, fraction in (("median", 0.5), ("p90", 0.9))
    }


def _percentiles(rows: QuerySet, fields: Iterable[str], found: dict) -> dict[str, dict[str, float | None]]:
    """Each field's median and p90, from ``found`` (the aggregates above)."""
    answer = {}
    for field in fields:
        median, p90 = found[f"{field}_median"], found[f"{field}_p90"]
        answer[field] = {"median": round_figure(median), "p90": round_figure(p90)}
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
