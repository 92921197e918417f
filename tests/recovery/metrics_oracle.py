"""The recovery metrics computed again, in plain Python, from the records themselves: an oracle for the API.

It reads the complaints, their deadlines, compensation actions, approval requests and ``closed`` events, the
stores and the customer counts, and nothing the metrics keep or compute (no facts table or view, no day sums,
nothing of ``recovery/metrics``). Each figure of the answer of ``GET /api/v1/metrics/recovery/`` is defined here
in words and in code, as the existing code and its tests use it:

Scope and period
  The reader sees every store (admin), their region's stores (manager) or their store (supervisor). Days are
  counted in the reader's store's time zone, else in the zone most of their stores keep (ties: the zone's
  name). A period holds the complaints logged on its days, inclusive; ``previous`` is the period of the same
  length just before.

Per complaint
  closed        it has a time of closing: closed at least once (a reopened complaint stays counted);
  responded     it has a time of response (given, or approved);   followed_up   responded and followed up;
  reopened      it was reopened at least once;
  time to apologize / respond   the seconds its first (cycle 0) apology / response deadline took, on the
                deadline's own clock (``Deadline.elapsed_seconds``); none while that deadline is open;
  time to close the wall-clock seconds from logging to its (last) time of closing;
  met / late    per step, its closed deadlines of every cycle done within / after their window;
  overdue       per step, whether it has an open deadline, not paused, whose due time has passed at the time of
                asking;
  level         the highest escalation level any of its deadlines reached (0 when none);
  first contact closed, never escalated, no approval ever requested, and its latest ``closed`` event's actor is
                the employee who logged it (a complaint from the public form has nobody: never);
  repeat        it has a customer, and the same customer logged another complaint (any store, any scope) less
                than 90 days before or after it.

Figures of a period (shares rounded to 4 decimals, null where the whole is 0)
  volume, closed; complaints_per_1000_customers: the customer counts of the period's days summed over the
  stores with a complaint in it; null when none or 0; else the complaints logged on a store-day that has a
  count, per 1,000 of them. Times: median and p90 as PostgreSQL's percentile_cont (linear interpolation between
  the closest ranks). time_to_respond_distribution: the times to respond in the bins [0, 300), [300, 900), …,
  [86400, ∞), ``up_to`` the bin's upper bound. sla_met per step: met / (met + late + overdue).
  escalation_rate: level ≥ 1 / volume; highest_escalation_level: the highest level (0). first_contact_resolution:
  first contact / closed. compensation: the granted actions of the period's complaints: total, count, average
  (money: a decimal string with cents, half-even), the share above the guideline (``far_above_guideline``), and
  the same by kind and by the granter's role (actions) and by store (the complaint's), most money first, then
  by key. approvals: the period's complaints' requests (any status), approved and rejected shares of those
  decided, the median seconds from request to decision. follow_up_completion: followed up / responded.
  satisfaction: the mean score and how many gave each score 1-5. repeat_customer_rate: distinct customers
  with a repeat complaint in the period / distinct customers. reopen_rate: reopened / closed. pareto by
  category, SERVQUAL dimension and blueprint area (the last two of the complaints that have one): counts, most
  first then by key, the cumulative share, and ``vital`` when the share before it is under 80%.

Groups (``group_by``): the period's complaints by day, week (its Monday), month (its first day), store code,
  category code, or the complaint's channel, severity, stage, SERVQUAL dimension or blueprint area ("" when
  not given), ordered by key; each with volume, closed, escalation_rate, satisfaction_mean, time_to_respond,
  sla_met_respond and compensation_total.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineStep, EventKind
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationAction, CompensationStatus
from staff.models import Role, Store, StoreCustomerCount, User

REPEAT_WINDOW = timedelta(days=90)
RESPONSE_BIN_EDGES = (0, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)
VITAL_SHARE = 0.8
GROUP_FIELDS = ("store", "category", "channel", "severity", "stage", "servqual_dimension", "blueprint_area")


def rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def share(part: int, whole: int) -> float | None:
    return rounded(part / whole) if whole else None


def money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def percentile_cont(values: list[float], fraction: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return rounded(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def median_and_p90(values: list[float]) -> dict[str, float | None]:
    return {"median": percentile_cont(values, 0.5), "p90": percentile_cont(values, 0.9)}


@dataclass
class Facts:
    """One complaint as the oracle reads it from its records."""

    id: object
    store_id: int
    store: str
    category: str
    channel: str
    severity: str
    stage: str
    servqual_dimension: str
    blueprint_area: str
    created_at: datetime
    customer_id: int | None
    closed: bool
    responded: bool
    followed_up: bool
    reopened: bool
    satisfaction: int | None
    seconds: dict[str, float | None]
    met: Counter
    late: Counter
    overdue_steps: set[str]
    level: int
    first_contact: bool
    repeat: bool
    granted: list[dict] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)


@dataclass
class Records:
    complaints: list[Facts]
    stores: dict[int, dict]
    customer_counts: dict[tuple[int, date], int]


def records_read(*, now: datetime) -> Records:
    """Everything the metrics are made of, as the database holds it, at the time of asking ``now``."""
    stores = {row["id"]: row for row in Store.objects.values("id", "code", "region_id", "timezone")}
    deadlines = defaultdict(list)
    for row in Deadline.objects.values(
        "complaint_id",
        "step",
        "cycle",
        "window_seconds",
        "elapsed_seconds",
        "closed_at",
        "paused_at",
        "due_at",
        "level",
    ):
        deadlines[row["complaint_id"]].append(row)
    actions = defaultdict(list)
    for row in CompensationAction.objects.filter(status=CompensationStatus.GRANTED).values(
        "complaint_id", "kind", "amount", "far_above_guideline", "granted_by__role"
    ):
        actions[row["complaint_id"]].append(row)
    approvals = defaultdict(list)
    for row in ApprovalRequest.objects.values("complaint_id", "status", "created_at", "decided_at"):
        approvals[row["complaint_id"]].append(row)
    closer = {}
    for row in (
        ComplaintEvent.objects.filter(kind=EventKind.CLOSED).order_by("at", "id").values("complaint_id", "actor_id")
    ):
        closer[row["complaint_id"]] = row["actor_id"]  # the latest wins
    rows = list(
        Complaint.objects.values(
            "id", "store_id", "category__code", "channel", "severity", "stage", "servqual_dimension",
            "blueprint_area", "created_at", "customer_id", "created_by_id", "closed_at", "responded_at",
            "followed_up_at", "reopened_at", "satisfaction",
        )
    )  # fmt: skip
    by_customer = defaultdict(list)
    for row in rows:
        if row["customer_id"] is not None:
            by_customer[row["customer_id"]].append(row)
    complaints = []
    for row in rows:
        own = deadlines[row["id"]]
        first = {d["step"]: d["elapsed_seconds"] for d in own if d["cycle"] == 0}
        done = [d for d in own if d["closed_at"] is not None and d["elapsed_seconds"] is not None]
        level = max((d["level"] for d in own), default=0)
        others = by_customer[row["customer_id"]] if row["customer_id"] is not None else []
        closed = row["closed_at"] is not None
        complaints.append(
            Facts(
                id=row["id"],
                store_id=row["store_id"],
                store=stores[row["store_id"]]["code"],
                category=row["category__code"],
                channel=row["channel"],
                severity=row["severity"],
                stage=row["stage"],
                servqual_dimension=row["servqual_dimension"],
                blueprint_area=row["blueprint_area"],
                created_at=row["created_at"],
                customer_id=row["customer_id"],
                closed=closed,
                responded=row["responded_at"] is not None,
                followed_up=row["responded_at"] is not None and row["followed_up_at"] is not None,
                reopened=row["reopened_at"] is not None,
                satisfaction=row["satisfaction"],
                seconds={
                    "apologize": first.get(DeadlineStep.APOLOGIZE),
                    "respond": first.get(DeadlineStep.RESPOND),
                    "close": (row["closed_at"] - row["created_at"]).total_seconds() if closed else None,
                },
                met=Counter(d["step"] for d in done if d["elapsed_seconds"] <= d["window_seconds"]),
                late=Counter(d["step"] for d in done if d["elapsed_seconds"] > d["window_seconds"]),
                overdue_steps={
                    d["step"] for d in own if d["closed_at"] is None and d["paused_at"] is None and d["due_at"] <= now
                },
                level=level,
                first_contact=(
                    closed
                    and level == 0
                    and not approvals[row["id"]]
                    and row["created_by_id"] is not None
                    and closer.get(row["id"]) == row["created_by_id"]
                ),
                repeat=any(
                    other["id"] != row["id"] and abs(other["created_at"] - row["created_at"]) < REPEAT_WINDOW
                    for other in others
                ),
                granted=actions[row["id"]],
                approvals=approvals[row["id"]],
            )
        )
    counts = {(row.store_id, row.day): row.customers for row in StoreCustomerCount.objects.all()}
    return Records(complaints=complaints, stores=stores, customer_counts=counts)


# --- Scope and period ------------------------------------------------------------------------------------


def visible_store_ids(user: User, records: Records) -> set[int]:
    if user.role == Role.ADMIN:
        return set(records.stores)
    if user.role == Role.MANAGER:
        return {pk for pk, store in records.stores.items() if store["region_id"] == user.region_id}
    return {user.store_id}


def reader_zone(user: User, records: Records) -> ZoneInfo:
    if user.store_id:
        return ZoneInfo(records.stores[user.store_id]["timezone"])
    zones = Counter(records.stores[pk]["timezone"] for pk in visible_store_ids(user, records))
    if not zones:
        return ZoneInfo("UTC")
    return ZoneInfo(min(zones, key=lambda zone: (-zones[zone], zone)))


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def in_period(user: User, records: Records, first: date, last: date, zone: ZoneInfo) -> list[Facts]:
    stores = visible_store_ids(user, records)
    return [c for c in records.complaints if c.store_id in stores and first <= local_day(c.created_at, zone) <= last]


# --- The answer ----------------------------------------------------------------------------------------------


def expected_answer(user: User, first: date, last: date, *, now: datetime, group_by: str = "") -> dict:
    """The API's answer for ``user`` over the days ``first`` to ``last``, as JSON gives it."""
    records = records_read(now=now)
    zone = reader_zone(user, records)
    length = (last - first).days + 1
    before = (first - timedelta(days=length), first - timedelta(days=1))
    current = in_period(user, records, first, last, zone)
    answer = {
        "period": {"from": first.isoformat(), "to": last.isoformat(), "time_zone": str(zone)},
        "totals": period_figures(current, records, first, last, zone),
        "previous": period_figures(in_period(user, records, *before, zone), records, *before, zone),
    }
    if group_by:
        answer["group_by"] = group_by
        answer["groups"] = groups(current, group_by, zone)
    return answer


def period_figures(complaints: list[Facts], records: Records, first: date, last: date, zone: ZoneInfo) -> dict:
    volume = len(complaints)
    closed = sum(c.closed for c in complaints)
    responded = sum(c.responded for c in complaints)
    granted = [action for c in complaints for action in c.granted]
    granted_total = sum((action["amount"] for action in granted), Decimal(0))
    requests = [request for c in complaints for request in c.approvals]
    approved = sum(r["status"] == ApprovalStatus.APPROVED for r in requests)
    rejected = sum(r["status"] == ApprovalStatus.REJECTED for r in requests)
    scores = [c.satisfaction for c in complaints if c.satisfaction is not None]
    customers = {c.customer_id for c in complaints if c.customer_id is not None}
    repeaters = {c.customer_id for c in complaints if c.customer_id is not None and c.repeat}
    responding = [c.seconds["respond"] for c in complaints if c.seconds["respond"] is not None]
    return {
        "volume": volume,
        "closed": closed,
        "complaints_per_1000_customers": complaint_rate(complaints, records, first, last, zone),
        **{
            f"time_to_{step}": median_and_p90([c.seconds[step] for c in complaints if c.seconds[step] is not None])
            for step in ("apologize", "respond", "close")
        },
        "time_to_respond_distribution": [
            {"up_to": high, "count": sum(low <= seconds and (high is None or seconds < high) for seconds in responding)}
            for low, high in zip(RESPONSE_BIN_EDGES, (*RESPONSE_BIN_EDGES[1:], None), strict=True)
        ],
        "sla_met": {step: sla_met(complaints, step) for step in DeadlineStep.values},
        "escalation_rate": share(sum(c.level >= 1 for c in complaints), volume),
        "highest_escalation_level": max((c.level for c in complaints), default=0),
        "first_contact_resolution": share(sum(c.first_contact for c in complaints), closed),
        "compensation": {
            "total": money(granted_total),
            "count": len(granted),
            "average": money(granted_total / len(granted)) if granted else None,
            "far_above_guideline_rate": share(sum(action["far_above_guideline"] for action in granted), len(granted)),
            "by_kind": money_rows((action["kind"], action["amount"]) for action in granted),
            "by_store": money_rows((c.store, action["amount"]) for c in complaints for action in c.granted),
            "by_role": money_rows((action["granted_by__role"], action["amount"]) for action in granted),
        },
        "approvals": {
            "requested": len(requests),
            "approval_rate": share(approved, approved + rejected),
            "rejection_rate": share(rejected, approved + rejected),
            "median_decision_seconds": percentile_cont(
                [(r["decided_at"] - r["created_at"]).total_seconds() for r in requests if r["decided_at"]], 0.5
            ),
        },
        "follow_up_completion": share(sum(c.followed_up for c in complaints), responded),
        "satisfaction": {
            "mean": rounded(sum(scores) / len(scores)) if scores else None,
            "distribution": {str(score): scores.count(score) for score in range(1, 6)},
        },
        "repeat_customer_rate": share(len(repeaters), len(customers)),
        "reopen_rate": share(sum(c.reopened for c in complaints), closed),
        "pareto": {
            "category": pareto(c.category for c in complaints),
            "servqual_dimension": pareto(c.servqual_dimension for c in complaints if c.servqual_dimension),
            "blueprint_area": pareto(c.blueprint_area for c in complaints if c.blueprint_area),
        },
    }


def complaint_rate(complaints: list[Facts], records: Records, first: date, last: date, zone: ZoneInfo) -> float | None:
    stores = {c.store_id for c in complaints}
    counted = [n for (store, day), n in records.customer_counts.items() if store in stores and first <= day <= last]
    if not sum(counted):
        return None
    known = sum((c.store_id, local_day(c.created_at, zone)) in records.customer_counts for c in complaints)
    return rounded(known * 1000 / sum(counted))


def sla_met(complaints: list[Facts], step: str) -> float | None:
    met = sum(c.met[step] for c in complaints)
    late = sum(c.late[step] for c in complaints)
    overdue = sum(step in c.overdue_steps for c in complaints)
    return share(met, met + late + overdue)


def money_rows(pairs) -> list[dict]:
    totals, counts = defaultdict(Decimal), Counter()
    for key, amount in pairs:
        totals[key] += amount
        counts[key] += 1
    ordered = sorted(totals, key=lambda key: (-totals[key], key))
    return [
        {"key": key, "total": money(totals[key]), "count": counts[key], "average": money(totals[key] / counts[key])}
        for key in ordered
    ]


def pareto(keys) -> list[dict]:
    counts = Counter(keys)
    total = sum(counts.values())
    answer, running = [], 0
    for key in sorted(counts, key=lambda key: (-counts[key], key)):
        before = running
        running += counts[key]
        answer.append(
            {
                "key": key,
                "count": counts[key],
                "cumulative_share": rounded(running / total),
                "vital": before / total < VITAL_SHARE,
            }
        )
    return answer


# --- Groups -----------------------------------------------------------------------------------------------------


def group_key(complaint: Facts, group_by: str, zone: ZoneInfo) -> str:
    day = local_day(complaint.created_at, zone)
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if group_by == "month":
        return day.replace(day=1).isoformat()
    if group_by in GROUP_FIELDS:
        return getattr(complaint, group_by)
    raise ValueError(f"No grouping {group_by!r}")


def groups(complaints: list[Facts], group_by: str, zone: ZoneInfo) -> list[dict]:
    by_key = defaultdict(list)
    for complaint in complaints:
        by_key[group_key(complaint, group_by, zone)].append(complaint)
    answer = []
    for key in sorted(by_key):
        members = by_key[key]
        scores = [c.satisfaction for c in members if c.satisfaction is not None]
        answer.append(
            {
                "key": key,
                "volume": len(members),
                "closed": sum(c.closed for c in members),
                "escalation_rate": share(sum(c.level >= 1 for c in members), len(members)),
                "satisfaction_mean": rounded(sum(scores) / len(scores)) if scores else None,
                "time_to_respond": median_and_p90(
                    [c.seconds["respond"] for c in members if c.seconds["respond"] is not None]
                ),
                "sla_met_respond": sla_met(members, DeadlineStep.RESPOND),
                "compensation_total": money(sum((a["amount"] for c in members for a in c.granted), Decimal(0))),
            }
        )
    return answer


# --- Comparing ---------------------------------------------------------------------------------------------------


def differences(expected, found, path: str = "") -> list[str]:
    """Where ``found`` differs from ``expected``: one line per differing leaf, by its path in the answer."""
    if isinstance(expected, dict) and isinstance(found, dict):
        lines = []
        for key in sorted(set(expected) | set(found), key=str):
            if key not in found:
                lines.append(f"{path}.{key}: missing (expected {expected[key]!r})")
            elif key not in expected:
                lines.append(f"{path}.{key}: unexpected {found[key]!r}")
            else:
                lines += differences(expected[key], found[key], f"{path}.{key}")
        return lines
    if isinstance(expected, list) and isinstance(found, list):
        if len(expected) != len(found):
            return [f"{path}: {len(found)} rows, expected {len(expected)}: {found!r} != {expected!r}"]
        lines = []
        for index, (one, other) in enumerate(zip(expected, found, strict=True)):
            lines += differences(one, other, f"{path}[{index}]")
        return lines
    if expected != found or (type(expected) is not type(found) and not (_number(expected) and _number(found))):
        return [f"{path}: {found!r}, expected {expected!r}"]
    return []


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
