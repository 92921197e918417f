"""What every source of the recovery metrics shares: the filter, the groupings, and how figures are
rounded and shaped in the answer."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count

from complaints.models import DeadlineStep
from staff.models import User
from staff.selectors import stores_visible_to

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


# Upper bounds (seconds) of the buckets each timed step's seconds are counted in (the day sums): a
# percentile's rank is found in the buckets, then only that bucket's values are sorted. Bucket b holds the
# seconds from edge b-1 up to edge b.
TIME_BUCKET_EDGES = (
    *(30, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1500, 1800, 2400, 3000, 3600),
    *(4500, 5400, 7200, 9000, 10800, 14400, 18000, 21600, 28800, 36000, 43200, 57600, 72000),
    *(86400, 129600, 172800, 259200, 345600, 432000, 604800, 864000, 1209600, 1814400, 2592000, 5184000),
)
# Upper bounds (seconds) of the time-to-respond distribution's bins; the last bin is open-ended.
RESPONSE_BINS = (5 * 60, 15 * 60, 30 * 60, 60 * 60, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600)
RESPONSE_BIN_BOUNDS = tuple(zip((0, *RESPONSE_BINS), (*RESPONSE_BINS, None), strict=True))
# The steps timed by the metrics: (the facts' field, the answer's figure).
TIMED = {
    "apologize_seconds": "time_to_apologize",
    "respond_seconds": "time_to_respond",
    "close_seconds": "time_to_close",
}


def pareto(counts: Iterable[tuple[str, int]]) -> list[dict]:
    """Causes by count, most first, with their cumulative share; ``vital`` marks the few that make 80%."""
    found = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    total = sum(count for _, count in found)
    answer, running = [], 0
    for key, count in found:
        before = running
        running += count
        answer.append(
            {
                "key": key,
                "count": count,
                "cumulative_share": round_figure(running / total),
                "vital": before / total < PARETO_SHARE,
            }
        )
    return answer


def figures_answer(
    found: dict,
    *,
    times: dict[str, dict],
    complaint_rate: float | None,
    compensation_by: dict[str, list[dict]],
    decision_median: float | None,
    paretos: dict[str, list[dict]],
) -> dict:
    """The figures of one period, from its sums (``found``: counts and totals under the names the facts
    give them, ``bin_N`` for the response-time bins, ``STEP_met``/``_late``/``_overdue`` per step)."""
    volume, closed, granted = found["volume"], found["closed"], found["granted_count"]
    decided = found["approvals_approved"] + found["approvals_rejected"]
    return {
        "volume": volume,
        "closed": closed,
        "complaints_per_1000_customers": complaint_rate,
        **{figure: times[field] for field, figure in TIMED.items()},
        "time_to_respond_distribution": [
            {"up_to": high, "count": found[f"bin_{index}"]} for index, (_low, high) in enumerate(RESPONSE_BIN_BOUNDS)
        ],
        "sla_met": {
            step: share(found[f"{step}_met"], found[f"{step}_met"] + found[f"{step}_late"] + found[f"{step}_overdue"])
            for step in DeadlineStep.values
        },
        "escalation_rate": share(found["escalated"], volume),
        "highest_escalation_level": found["highest_level"],
        "first_contact_resolution": share(found["first_contact"], closed),
        "compensation": {
            "total": money(found["granted_total"]),
            "count": granted,
            "average": money(found["granted_total"] / granted) if granted else None,
            "far_above_guideline_rate": share(found["granted_far_above"], granted),
            **compensation_by,
        },
        "approvals": {
            "requested": found["approvals_requested"],
            "approval_rate": share(found["approvals_approved"], decided),
            "rejection_rate": share(found["approvals_rejected"], decided),
            "median_decision_seconds": decision_median,
        },
        "follow_up_completion": share(found["followed_up"], found["responded"]),
        "satisfaction": {
            "mean": round_figure(found["satisfaction_mean"]),
            "distribution": {str(score): found[f"satisfaction_{score}"] for score in SCORES},
        },
        "repeat_customer_rate": share(found["repeaters"], found["customers"]),
        "reopen_rate": share(found["reopened"], closed),
        "pareto": paretos,
    }


def money_row(key: str, total: Decimal, count: int) -> dict:
    return {"key": key, "total": money(total), "count": count, "average": money(total / count)}


def share(part: int, whole: int) -> float | None:
    return round_figure(part / whole) if whole else None


def round_figure(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def money(value) -> str | None:
    """An amount as the API writes money: a decimal string with cents."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def group_key(value):
    """A group's key as the answer shows it: dates as ISO strings."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
