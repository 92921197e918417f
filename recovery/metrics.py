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
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineStep, EventKind
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationAction, CompensationStatus
from staff.models import StoreCustomerCount, User
from staff.selectors import store_scope_q, stores_visible_to

REPEAT_WINDOW = timedelta(days=90)
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


def complaints_for(user: User, filters: MetricsFilter) -> QuerySet[Complaint]:
    start, end = filters.bounds()
    complaints = Complaint.objects.filter(store_scope_q(user), created_at__gte=start, created_at__lt=end)
    if filters.stores:
        complaints = complaints.filter(store__code__in=filters.stores)
    if filters.region:
        complaints = complaints.filter(store__region__code=filters.region)
    if filters.category:
        complaints = complaints.filter(category__code=filters.category)
    if filters.channel:
        complaints = complaints.filter(channel=filters.channel)
    if filters.severity:
        complaints = complaints.filter(severity=filters.severity)
    return complaints


def recovery_metrics(*, user: User, filters: MetricsFilter, group_by: str = "", now: datetime | None = None) -> dict:
    """``totals`` for the filter, ``previous`` for the period before it, and ``groups`` by ``group_by``."""
    now = now or timezone.now()
    current = complaints_for(user, filters)
    answer = {
        "period": {"from": filters.date_from, "to": filters.date_to, "time_zone": str(filters.zone)},
        "totals": figures(current, filters, now=now),
        "previous": figures(complaints_for(user, filters.previous()), filters.previous(), now=now),
    }
    if group_by:
        answer["group_by"] = group_by
        answer["groups"] = group_figures(current, group_by, filters.zone, now=now)
    return answer


# --- The figures of one set of complaints ------------------------------------------------------------


def figures(complaints: QuerySet[Complaint], filters: MetricsFilter, *, now: datetime) -> dict:
    ids = complaints.values("pk")
    counts = _with_history(complaints).aggregate(
        volume=Count("pk"),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
        responded=Count("pk", filter=Q(responded_at__isnull=False)),
        followed_up=Count("pk", filter=Q(responded_at__isnull=False, followed_up_at__isnull=False)),
        reopened=Count("pk", filter=Q(reopened_at__isnull=False)),
        ever_escalated=Count("pk", filter=Q(escalated=True)),
        first_contact=Count(
            "pk",
            filter=Q(closed_at__isnull=False, escalated=False, had_approval=False, closed_by=F("created_by")),
        ),
        satisfaction_mean=Avg("satisfaction"),
        **{f"satisfaction_{score}": Count("pk", filter=Q(satisfaction=score)) for score in SCORES},
    )
    volume, closed, responded = counts["volume"], counts["closed"], counts["responded"]
    deadlines = Deadline.objects.filter(complaint__in=ids)
    return {
        "volume": volume,
        "complaints_per_1000_customers": _complaint_rate(complaints, filters),
        "time_to_apologize": _seconds(deadlines.filter(step=DeadlineStep.APOLOGIZE, cycle=0), "elapsed_seconds"),
        "time_to_respond": _seconds(deadlines.filter(step=DeadlineStep.RESPOND, cycle=0), "elapsed_seconds"),
        "time_to_close": _durations(complaints.filter(closed_at__isnull=False), "created_at", "closed_at"),
        "time_to_respond_distribution": _distribution(
            deadlines.filter(step=DeadlineStep.RESPOND, cycle=0, elapsed_seconds__isnull=False), "elapsed_seconds"
        ),
        "sla_met": _sla_met(deadlines, now=now),
        "escalation_rate": _share(counts["ever_escalated"], volume),
        "highest_escalation_level": deadlines.aggregate(level=Coalesce(Max("level"), 0))["level"],
        "first_contact_resolution": _share(counts["first_contact"], closed),
        "compensation": _compensation(ids),
        "approvals": _approvals(ids),
        "follow_up_completion": _share(counts["followed_up"], responded),
        "satisfaction": {
            "mean": _round(counts["satisfaction_mean"]),
            "distribution": {str(score): counts[f"satisfaction_{score}"] for score in SCORES},
        },
        "repeat_customer_rate": _repeat_rate(complaints),
        "reopen_rate": _share(counts["reopened"], closed),
        "pareto": {
            "category": _pareto(complaints, "category__code"),
            "servqual_dimension": _pareto(complaints.exclude(servqual_dimension=""), "servqual_dimension"),
            "blueprint_area": _pareto(complaints.exclude(blueprint_area=""), "blueprint_area"),
        },
    }


def _with_history(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Each complaint with whether it was ever escalated, whether it needed an approval, and who
    closed it last: what first-contact resolution and the escalation rate are made of."""
    closer = ComplaintEvent.objects.filter(complaint=OuterRef("pk"), kind=EventKind.CLOSED).order_by("-at", "-id")
    return complaints.annotate(
        escalated=Exists(Deadline.objects.filter(complaint=OuterRef("pk"), level__gte=1)),
        had_approval=Exists(ApprovalRequest.objects.filter(complaint=OuterRef("pk"))),
        closed_by=Subquery(closer.values("actor_id")[:1]),
    )


def _complaint_rate(complaints: QuerySet[Complaint], filters: MetricsFilter) -> float | None:
    """Complaints per 1,000 customers, over the store-days whose customer count is known."""
    counted = StoreCustomerCount.objects.filter(
        store__in=complaints.values("store"), day__gte=filters.date_from, day__lte=filters.date_to
    )
    customers = counted.aggregate(total=Sum("customers"))["total"]
    if not customers:
        return None
    known_day = StoreCustomerCount.objects.filter(store=OuterRef("store"), day=OuterRef("local_day"))
    on_counted_days = (
        complaints.annotate(local_day=TruncDate("created_at", tzinfo=filters.zone)).filter(Exists(known_day)).count()
    )
    return _round(on_counted_days * 1000 / customers)


# Upper bounds (seconds) of the time-to-respond distribution's bins; the last bin is open-ended.
RESPONSE_BINS = (5 * 60, 15 * 60, 30 * 60, 60 * 60, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600)


def _distribution(queryset: QuerySet, field_name: str) -> list[dict]:
    """How many values fall in each bin: ``[{"up_to": seconds or None, "count"}]``."""
    bounds = [*RESPONSE_BINS, None]
    lower = [0, *RESPONSE_BINS]
    counts = queryset.aggregate(
        **{
            f"bin_{index}": Count(
                "pk",
                filter=Q(**{f"{field_name}__gte": low})
                & (Q(**{f"{field_name}__lt": high}) if high is not None else Q()),
            )
            for index, (low, high) in enumerate(zip(lower, bounds, strict=True))
        }
    )
    return [{"up_to": high, "count": counts[f"bin_{index}"]} for index, high in enumerate(bounds)]


# A deadline's window, as "SLA met" counts it: done in time, done late, or past due and still open.
DONE_IN_TIME = Q(closed_at__isnull=False, elapsed_seconds__lte=F("window_seconds"))
DONE_LATE = Q(closed_at__isnull=False, elapsed_seconds__gt=F("window_seconds"))


def _overdue(now: datetime) -> Q:
    return Q(closed_at__isnull=True, paused_at__isnull=True, due_at__lte=now)


def _sla_met(deadlines: QuerySet[Deadline], *, now: datetime) -> dict[str, float | None]:
    """Per step, the share of its windows met: done in time, over those done or already due."""
    rows = deadlines.values("step").annotate(
        met=Count("pk", filter=DONE_IN_TIME),
        late=Count("pk", filter=DONE_LATE),
        overdue=Count("pk", filter=_overdue(now)),
    )
    found = {row["step"]: _share(row["met"], row["met"] + row["late"] + row["overdue"]) for row in rows}
    return {step: found.get(step) for step in DeadlineStep.values}


def _compensation(ids: QuerySet) -> dict:
    granted = CompensationAction.objects.filter(complaint__in=ids, status=CompensationStatus.GRANTED)
    totals = granted.aggregate(
        total=Coalesce(Sum("amount"), Decimal(0)),
        count=Count("pk"),
        outside=Count("pk", filter=Q(outside_guideline=True)),
    )

    def by(key: str) -> list[dict]:
        rows = granted.values(key).annotate(total=Sum("amount"), count=Count("pk"), average=Avg("amount"))
        return [
            {"key": row[key], "total": _money(row["total"]), "count": row["count"], "average": _money(row["average"])}
            for row in rows.order_by("-total", key)
        ]

    return {
        "total": _money(totals["total"]),
        "count": totals["count"],
        "average": _money(totals["total"] / totals["count"]) if totals["count"] else None,
        "outside_guideline_rate": _share(totals["outside"], totals["count"]),
        "by_kind": by("kind"),
        "by_store": by("store__code"),
        "by_role": by("granted_by__role"),
    }


def _approvals(ids: QuerySet) -> dict:
    requests = ApprovalRequest.objects.filter(complaint__in=ids)
    counts = requests.aggregate(
        requested=Count("pk"),
        approved=Count("pk", filter=Q(status=ApprovalStatus.APPROVED)),
        rejected=Count("pk", filter=Q(status=ApprovalStatus.REJECTED)),
    )
    decided = counts["approved"] + counts["rejected"]
    decision = _durations(requests.filter(decided_at__isnull=False), "created_at", "decided_at")
    return {
        "requested": counts["requested"],
        "approval_rate": _share(counts["approved"], decided),
        "rejection_rate": _share(counts["rejected"], decided),
        "median_decision_seconds": decision["median"],
    }


def _repeat_rate(complaints: QuerySet[Complaint]) -> float | None:
    """The share of the period's customers who complained twice or more within 90 days."""
    with_customer = complaints.filter(customer__isnull=False)
    other = Complaint.objects.filter(
        customer=OuterRef("customer"),
        created_at__gt=OuterRef("created_at") - REPEAT_WINDOW,
        created_at__lt=OuterRef("created_at") + REPEAT_WINDOW,
    ).exclude(pk=OuterRef("pk"))
    customers = with_customer.values("customer").distinct().count()
    repeaters = with_customer.filter(Exists(other)).values("customer").distinct().count()
    return _share(repeaters, customers)


def _pareto(complaints: QuerySet[Complaint], key: str) -> list[dict]:
    """Causes by count, most first, with their cumulative share; ``vital`` marks the few that make 80%."""
    rows = list(complaints.values(key).annotate(count=Count("pk")).order_by("-count", key))
    total = sum(row["count"] for row in rows)
    pareto, running = [], 0
    for row in rows:
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


def group_figures(complaints: QuerySet[Complaint], group_by: str, zone: ZoneInfo, *, now: datetime) -> list[dict]:
    """A row of the main figures per group (a day, a store, a category…), in the group's order."""
    key = GROUPINGS[group_by]
    rows = (
        _grouped(_with_history(complaints), group_by, key, zone)
        .values(key)
        .annotate(
            volume=Count("pk"),
            closed=Count("pk", filter=Q(closed_at__isnull=False)),
            ever_escalated=Count("pk", filter=Q(escalated=True)),
            satisfaction_mean=Avg("satisfaction"),
        )
        .order_by(key)
    )
    respond = _grouped_seconds(complaints, group_by, key, zone)
    sla = _grouped_sla(complaints, group_by, key, zone, now=now)
    granted = _grouped_compensation(complaints, group_by, key, zone)
    return [
        {
            "key": _key(row[key]),
            "volume": row["volume"],
            "closed": row["closed"],
            "escalation_rate": _share(row["ever_escalated"], row["volume"]),
            "satisfaction_mean": _round(row["satisfaction_mean"]),
            "time_to_respond": respond.get(_key(row[key]), {"median": None, "p90": None}),
            "sla_met_respond": sla.get(_key(row[key])),
            "compensation_total": _money(granted.get(_key(row[key]), 0)),
        }
        for row in rows
    ]


def _grouped(complaints: QuerySet[Complaint], group_by: str, key: str, zone: ZoneInfo) -> QuerySet[Complaint]:
    """The complaints with the group's key as a column (``key``), for joining other tables' sums to it."""
    truncs = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}
    if group_by in truncs:
        return complaints.annotate(**{key: truncs[group_by]("created_at", tzinfo=zone)})
    return complaints


def _grouped_seconds(complaints, group_by: str, key: str, zone: ZoneInfo) -> dict:
    keyed = _grouped(complaints, group_by, key, zone)
    group_of = dict(keyed.values_list("pk", key))
    responses = Deadline.objects.filter(
        complaint__in=complaints.values("pk"), step=DeadlineStep.RESPOND, cycle=0, elapsed_seconds__isnull=False
    )
    by_group = defaultdict(list)
    for complaint_id, seconds in responses.values_list("complaint_id", "elapsed_seconds").iterator(chunk_size=5000):
        by_group[_key(group_of[complaint_id])].append(seconds)
    return {
        group: {"median": _percentile(values, 0.5), "p90": _percentile(values, 0.9)}
        for group, values in by_group.items()
    }


def _grouped_sla(complaints, group_by: str, key: str, zone: ZoneInfo, *, now: datetime) -> dict:
    keyed = _grouped(complaints, group_by, key, zone).filter(pk=OuterRef("complaint"))
    rows = (
        Deadline.objects.filter(complaint__in=complaints.values("pk"), step=DeadlineStep.RESPOND)
        .annotate(group=Subquery(keyed.values(key)[:1]))
        .values("group")
        .annotate(
            met=Count("pk", filter=DONE_IN_TIME),
            due=Count("pk", filter=DONE_IN_TIME | DONE_LATE | _overdue(now)),
        )
    )
    return {_key(row["group"]): _share(row["met"], row["due"]) for row in rows}


def _grouped_compensation(complaints, group_by: str, key: str, zone: ZoneInfo) -> dict:
    keyed = _grouped(complaints, group_by, key, zone).filter(pk=OuterRef("complaint"))
    rows = (
        CompensationAction.objects.filter(complaint__in=complaints.values("pk"), status=CompensationStatus.GRANTED)
        .annotate(group=Subquery(keyed.values(key)[:1]))
        .values("group")
        .annotate(total=Sum("amount"))
    )
    return {_key(row["group"]): row["total"] for row in rows}


# --- Percentiles, shares and rounding ---------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation between the two nearest values)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), output_field=FloatField(), **extra)


def _seconds(queryset: QuerySet, field_name: str) -> dict[str, float | None]:
    """The median and 90th percentile of a column of seconds."""
    queryset = queryset.filter(**{f"{field_name}__isnull": False})
    if connection.vendor == "postgresql":
        found = queryset.aggregate(median=PercentileCont(field_name, 0.5), p90=PercentileCont(field_name, 0.9))
        return {"median": _round(found["median"]), "p90": _round(found["p90"])}
    values = list(queryset.values_list(field_name, flat=True))
    return {"median": _percentile(values, 0.5), "p90": _percentile(values, 0.9)}


def _durations(queryset: QuerySet, start: str, end: str) -> dict[str, float | None]:
    """The median and 90th percentile of ``end - start``, in seconds."""
    if connection.vendor == "postgresql":
        seconds = _Epoch(F(end) - F(start))
        found = queryset.aggregate(median=PercentileCont(seconds, 0.5), p90=PercentileCont(seconds, 0.9))
        return {"median": _round(found["median"]), "p90": _round(found["p90"])}
    values = [(finished - began).total_seconds() for began, finished in queryset.values_list(start, end)]
    return {"median": _percentile(values, 0.5), "p90": _percentile(values, 0.9)}


class _Epoch(Func):
    """The seconds in an interval (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


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
