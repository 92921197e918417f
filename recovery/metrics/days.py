"""The recovery metrics added up from the day sums PostgreSQL keeps, instead of from every complaint.

``recovery_facts_day`` holds, per store and local day, the sums of that day's complaint facts (counts,
SLA outcomes, compensation, and each timed step's seconds counted in buckets);
``recovery_facts_day_count`` what is counted by the value of a field (category, SERVQUAL dimension,
blueprint area; compensation by kind and by the granter's role). Both change with each complaint of
that day when the transaction that changes it commits: its new facts added, its old taken away
(``projection``).

A 90-day window over fifty stores is a few thousand day rows instead of a quarter of a million facts.
What does not add up is still read from the facts, narrowly: a percentile's value is found by summing
the buckets to the one that holds its rank and sorting only that bucket's values; distinct customers
are counted over the window's facts (each at their first complaint of the period, across every
store). The figures equal those summed from the facts (``rows``), which the tests check on random
data.

The sums answer filters by date, store and region when the stores keep the reader's time zone (a day
is a local day); a filter by category, channel or severity is answered from the facts.
"""

import math
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from complaints.customers import REPEAT_WINDOW
from complaints.models import DeadlineStep
from recovery.metrics.common import (
    RESPONSE_BINS,
    SCORES,
    TIME_BUCKET_EDGES,
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
from recovery.metrics.projection import DAY_SUM_COLUMNS, LEVELS, TIME_BUCKETS
from staff.models import Role, User
from staff.selectors import SCOPE_BY_ROLE, stores_visible_to

STEPS = DeadlineStep.values
COLUMNS = DAY_SUM_COLUMNS
GROUP_KEYS = {
    "day": "r.day",
    "week": "date_trunc('week', r.day)::date",
    "month": "date_trunc('month', r.day)::date",
    "store": "s.code",
}
# The same key from a complaint's time of logging, in the filter's time zone (%(zone)s).
GROUP_KEYS_OF_FACTS = {
    "day": "(f.created_at AT TIME ZONE %(zone)s)::date",
    "week": "date_trunc('week', f.created_at AT TIME ZONE %(zone)s)::date",
    "month": "date_trunc('month', f.created_at AT TIME ZONE %(zone)s)::date",
    "store": "s.code",
}
FRACTIONS = {"median": 0.5, "p90": 0.9}


@dataclass(frozen=True)
class DaySums:
    filters: MetricsFilter
    store_ids: tuple[int, ...] | None  # None: every store

    @classmethod
    def able(cls, user: User, filters: MetricsFilter, *, group_by: str = "") -> "DaySums | None":
        """The day sums for this reader and filter, or None when they cannot answer it."""
        if filters.category or filters.channel or filters.severity:
            return None
        if group_by and group_by not in GROUP_KEYS:
            return None
        stores = stores_visible_to(user)
        if filters.stores:
            stores = stores.filter(code__in=filters.stores)
        if filters.region:
            stores = stores.filter(region__code=filters.region)
        found = list(stores.values_list("pk", "timezone"))
        if any(zone != str(filters.zone) for _, zone in found):
            return None
        every_store = SCOPE_BY_ROLE[Role(user.role)] == "all" and not filters.stores and not filters.region
        return cls(filters=filters, store_ids=None if every_store else tuple(pk for pk, _ in found))

    # --- Totals ----------------------------------------------------------------------------------------

    def totals(self, *, now: datetime) -> dict[str, dict]:
        current, previous = self.filters, self.filters.previous()
        sums = self._sums(previous.date_from, current.date_to, split=current.date_from)
        by_value = self._by_value(previous.date_from, current.date_to, split=current.date_from)
        overdue = self._overdue(now)
        found = {}
        for name in ("totals", "previous"):
            summed = self._derived(sums.get(name) or dict.fromkeys(COLUMNS, 0))
            found[name] = summed | {f"{step}_overdue": overdue[name].get(step, 0) for step in STEPS}
        # What each period still reads from its facts, the two periods side by side on two connections.
        answers = _side_by_side(
            lambda: self._period(current, found["totals"], by_value["totals"]),
            lambda: self._period(previous, found["previous"], by_value["previous"]),
        )
        return dict(zip(("totals", "previous"), answers, strict=True))

    def _period(self, period: MetricsFilter, found: dict, by_value: dict[str, dict]) -> dict:
        scanned = self._scan(period, found)
        found = found | {"customers": scanned["customers"], "repeaters": scanned["repeaters"]}
        return figures_answer(
            found,
            times=scanned["times"],
            complaint_rate=self._complaint_rate(period),
            compensation_by={
                "by_kind": _money_rows(by_value.get("kind", {})),
                "by_store": self._by_store(period),
                "by_role": _money_rows(by_value.get("role", {})),
            },
            decision_median=self._decision_median(period),
            paretos={
                figure: _counts_pareto(by_value.get(figure, {}))
                for figure in ("category", "servqual_dimension", "blueprint_area")
            },
        )

    def _where(self, alias: str = "r") -> tuple[str, list]:
        if self.store_ids is None:
            return "", []
        return f" AND {alias}.store_id = ANY(%s)", [list(self.store_ids)]

    def _sums(self, first: date, last: date, *, split: date) -> dict[str, dict]:
        stores, params = self._where()
        rows = _fetch(
            f"SELECT r.day >= %s, {', '.join(f'sum(r.{column})' for column in COLUMNS)} "
            f"FROM recovery_facts_day r WHERE r.day BETWEEN %s AND %s{stores} GROUP BY 1",
            [split, first, last, *params],
        )
        return {"totals" if row[0] else "previous": dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}

    def _by_value(self, first: date, last: date, *, split: date) -> dict[str, dict]:
        """Per period, figure and value, what was counted by value: ``{"totals": {figure: {value: (count,
        total)}}, "previous": …}``; a category by its code."""
        stores, params = self._where()
        rows = _fetch(
            "SELECT r.day >= %s, r.figure, coalesce(c.code, r.value), sum(r.count), sum(r.total) "
            "FROM recovery_facts_day_count r "
            "LEFT JOIN complaints_category c ON r.figure = 'category' AND c.id::text = r.value "
            f"WHERE r.day BETWEEN %s AND %s{stores} GROUP BY 1, 2, 3",
            [split, first, last, *params],
        )
        found = {"totals": defaultdict(dict), "previous": defaultdict(dict)}
        for current, figure, value, count, total in rows:
            found["totals" if current else "previous"][figure][value] = (count, total)
        return found

    @staticmethod
    def _derived(found: dict) -> dict:
        """The figures that are not plain sums: the highest level, the mean satisfaction, the bins."""
        found = dict(found)
        levels = [level for level in reversed(LEVELS) if found[f"level_{level}"]]
        found["highest_level"] = levels[0] if levels else 0
        scored = sum(found[f"satisfaction_{score}"] for score in SCORES)
        found["satisfaction_mean"] = Decimal(found["satisfaction_sum"]) / scored if scored else None
        for index in range(len(RESPONSE_BINS) + 1):
            found[f"bin_{index}"] = found[f"respond_bin_{index}"]
        return found

    def _overdue(self, now: datetime) -> dict[str, dict[str, int]]:
        """Per period and step, the deadlines past due and still open (few: each finds its complaint)."""
        start, split, end = self._bounds()
        if self.store_ids is not None:
            # Some stores: their complaints with a due time passed (Complaint.next_due_at, the earliest of
            # the running ones, through the store's index), then those complaints' overdue deadlines.
            stores, params = self._where("c")
            rows = _fetch(
                "SELECT c.created_at >= %s, d.step, count(*) FROM complaints_complaint c "
                "JOIN complaints_deadline d ON d.complaint_id = c.id "
                "AND d.closed_at IS NULL AND d.paused_at IS NULL AND d.due_at <= %s "
                f"WHERE c.next_due_at <= %s AND c.created_at >= %s AND c.created_at < %s{stores} GROUP BY 1, 2",
                [split, now, now, start, end, *params],
            )
            return _by_period(rows)
        stores, params = self._where("f")
        rows = _fetch(
            "SELECT f.created_at >= %s, d.step, count(*) FROM complaints_deadline d "
            "CROSS JOIN LATERAL (SELECT f.created_at FROM recovery_complaintfacts f "
            f"    WHERE f.complaint_id = d.complaint_id AND f.created_at >= %s AND f.created_at < %s{stores}) f "
            # A deadline starts after its complaint is logged: those started before the periods are not theirs.
            "WHERE d.closed_at IS NULL AND d.paused_at IS NULL AND d.due_at <= %s AND d.started_at >= %s "
            "GROUP BY 1, 2",
            [split, start, end, *params, now, start],
        )
        return _by_period(rows)

    def _bounds(self) -> tuple[datetime, datetime, datetime]:
        """The start of the previous period, of the current one, and the end of the current one."""
        start, _ = self.filters.previous().bounds()
        split, end = self.filters.bounds()
        return start, split, end

    def _scan(self, period: MetricsFilter, found: dict) -> dict:
        """What only the period's facts can tell, in one pass over them: the distinct customers (and those
        who complained again within 90 days), and each timed step's median and p90, exactly as
        percentile_cont gives them, sorting only the buckets that hold the ranks around each."""
        start, end = period.bounds()
        stores, params = self._where("f")
        columns = [
            "count(DISTINCT f.customer_id)",
            "count(DISTINCT f.customer_id) FILTER (WHERE f.repeat_customer)",
        ]
        bounds: list = []
        if self.store_ids is None:
            # Every store: a customer is counted at their first complaint of the period, no sort needed.
            first = "f.customer_id IS NOT NULL AND (f.previous_at IS NULL OR f.previous_at < %s)"
            columns[0] = f"count(*) FILTER (WHERE {first})"
            bounds.append(start)
            if end - start <= REPEAT_WINDOW:
                # Within a period no longer than the repeat window, a customer's later complaint is within
                # the window of their first: the first is flagged a repeat whenever any of theirs is.
                columns[1] = f"count(*) FILTER (WHERE {first} AND f.repeat_customer)"
                bounds.append(start)
        ranks, reads = {}, []
        for field in TIMED:
            counts = [found[f"{field.removesuffix('_seconds')}_b{bucket}"] for bucket in range(TIME_BUCKETS)]
            ranks[field] = _ranks(counts)
            by_bucket = defaultdict(set)
            for bucket, index in ranks[field]["at"].values():
                by_bucket[bucket].add(index)
            for bucket, indexes in sorted(by_bucket.items()):
                indexes = sorted(indexes)
                # percentile_disc(f) is the value at 1-based position ceil(f * n): aim mid-way to that index.
                fractions = [(index + 0.5) / counts[bucket] for index in indexes]
                low, high = _bucket_range(bucket)
                columns.append(
                    f"percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY f.{field}) "
                    f"FILTER (WHERE f.{field} >= %s AND f.{field} < %s)"
                )
                bounds += [fractions, low, high]
                reads.append((field, bucket, indexes))
        row = _fetch(
            f"SELECT {', '.join(columns)} FROM recovery_complaintfacts f "
            f"WHERE f.created_at >= %s AND f.created_at < %s{stores}",
            [*bounds, start, end, *params],
        )[0]
        values = {}
        for (field, bucket, indexes), found_values in zip(reads, row[2:], strict=True):
            for index, value in zip(indexes, found_values, strict=True):
                values[(field, bucket, index)] = value
        return {
            "customers": row[0],
            "repeaters": row[1],
            "times": {field: _interpolate(ranks[field], values, field) for field in TIMED},
        }

    def _complaint_rate(self, period: MetricsFilter) -> float | None:
        """Complaints per 1,000 customers, over the store-days whose customer count is known."""
        stores, params = self._where()
        window = [period.date_from, period.date_to]
        customers, complaints = _fetch(
            "SELECT (SELECT sum(c.customers) FROM staff_storecustomercount c "
            "        WHERE c.day BETWEEN %s AND %s AND c.store_id IN ("
            f"            SELECT r.store_id FROM recovery_facts_day r WHERE r.day BETWEEN %s AND %s{stores})), "
            "       (SELECT sum(r.volume) FROM recovery_facts_day r JOIN staff_storecustomercount c "
            "        ON c.store_id = r.store_id AND c.day = r.day "
            f"        WHERE r.day BETWEEN %s AND %s{stores})",
            [*window, *window, *params, *window, *params],
        )[0]
        if not customers:
            return None
        return round_figure((complaints or 0) * 1000 / customers)

    def _by_store(self, period: MetricsFilter) -> list[dict]:
        stores, params = self._where()
        rows = _fetch(
            "SELECT s.code, sum(r.granted_total), sum(r.granted_count) FROM recovery_facts_day r "
            f"JOIN staff_store s ON s.id = r.store_id WHERE r.day BETWEEN %s AND %s{stores} "
            "GROUP BY s.code HAVING sum(r.granted_count) > 0",
            [period.date_from, period.date_to, *params],
        )
        return [money_row(code, total, count) for code, total, count in sorted(rows, key=lambda row: (-row[1], row[0]))]

    def _decision_median(self, period: MetricsFilter) -> float | None:
        start, end = period.bounds()
        stores, params = self._where("a")
        (median,) = _fetch(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.decided_at - a.created_at)) "
            "FROM recovery_approvalrequest a WHERE a.decided_at IS NOT NULL "
            f"AND a.complaint_logged_at >= %s AND a.complaint_logged_at < %s{stores}",
            [start, end, *params],
        )[0]
        return round_figure(median)

    # --- Groups ----------------------------------------------------------------------------------------

    def groups(self, group_by: str, *, now: datetime) -> list[dict]:
        key = GROUP_KEYS[group_by]
        stores, params = self._where()
        buckets = [f"respond_b{bucket}" for bucket in range(TIME_BUCKETS)]
        summed = ["volume", "closed", "escalated", "satisfaction_sum", "respond_met", "respond_late", "granted_total"]
        summed += [f"satisfaction_{score}" for score in SCORES] + buckets
        rows = _fetch(
            f"SELECT {key}, {', '.join(f'sum(r.{column})' for column in summed)} FROM recovery_facts_day r "
            f"JOIN staff_store s ON s.id = r.store_id WHERE r.day BETWEEN %s AND %s{stores} GROUP BY 1 ORDER BY 1",
            [self.filters.date_from, self.filters.date_to, *params],
        )
        groups = {row[0]: dict(zip(summed, row[1:], strict=True)) for row in rows}
        start, end = self.filters.bounds()
        fact_key = GROUP_KEYS_OF_FACTS[group_by] % {"zone": "%s"}
        zone = [str(self.filters.zone)] if group_by != "store" else []
        where = f"f.created_at >= %s AND f.created_at < %s{self._where('f')[0]}"
        overdue = dict(
            _fetch(
                f"SELECT {fact_key}, count(*) FROM complaints_deadline d "
                "JOIN recovery_complaintfacts f ON f.complaint_id = d.complaint_id "
                "JOIN staff_store s ON s.id = f.store_id "
                "WHERE d.step = 'respond' AND d.closed_at IS NULL AND d.paused_at IS NULL AND d.due_at <= %s "
                f"AND {where} GROUP BY 1",
                [*zone, now, start, end, *self._where("f")[1]],
            )
        )
        ranks = {group: _ranks([sums[bucket] for bucket in buckets]) for group, sums in groups.items()}
        values = _values_at_ranks(
            {(group, bucket, index) for group, wanted in ranks.items() for bucket, index in wanted["at"].values()},
            where=where,
            params=[start, end, *self._where("f")[1]],
            field="respond_seconds",
            key=(fact_key, zone),
        )
        answer = []
        for group, sums in groups.items():
            scored = sum(sums[f"satisfaction_{score}"] for score in SCORES)
            due = sums["respond_met"] + sums["respond_late"] + overdue.get(group, 0)
            answer.append(
                {
                    "key": group_key(group),
                    "volume": sums["volume"],
                    "closed": sums["closed"],
                    "escalation_rate": share(sums["escalated"], sums["volume"]),
                    "satisfaction_mean": round_figure(Decimal(sums["satisfaction_sum"]) / scored) if scored else None,
                    "time_to_respond": _interpolate(ranks[group], values, group),
                    "sla_met_respond": share(sums["respond_met"], due),
                    "compensation_total": money(sums["granted_total"]),
                }
            )
        return answer


# --- Percentiles from bucket counts ------------------------------------------------------------------------


def _ranks(bucket_counts: list[int]) -> dict[str, Any]:
    """Where the median's and p90's neighbouring ranks lie: ``at`` maps a rank to (bucket, index in it)."""
    total = sum(bucket_counts)
    answer: dict[str, Any] = {"count": total, "at": {}}
    if not total:
        return answer
    starts, running = [], 0
    for count in bucket_counts:
        starts.append(running)
        running += count
    for fraction in FRACTIONS.values():
        position = (total - 1) * fraction
        for rank in (math.floor(position), math.ceil(position)):
            bucket = max(b for b, start in enumerate(starts) if start <= rank and bucket_counts[b])
            answer["at"][rank] = (bucket, rank - starts[bucket])
    return answer


def _values_at_ranks(
    wanted: set[tuple], *, where: str, params: list, field: str | None = None, key: tuple[str, list] | None = None
) -> dict[tuple, float]:
    """The values at (group or field, bucket, index in the bucket), sorting only the buckets asked for.

    With ``field``, groups are given by ``key`` (an SQL expression and its parameters); without, the
    "groups" are the timed fields themselves, over the whole ``where``.
    """
    if not wanted:
        return {}
    if field:
        expression, key_params = key
        source = (
            f"SELECT {expression} AS g, f.{field} AS v FROM recovery_complaintfacts f "
            f"JOIN staff_store s ON s.id = f.store_id WHERE {where}"
        )
        source_params = [*key_params, *params]
    else:
        unpivot = ", ".join(f"('{name}', f.{name})" for name in TIMED)
        source = (
            "SELECT t.g, t.v FROM recovery_complaintfacts f "
            f"CROSS JOIN LATERAL (VALUES {unpivot}) AS t(g, v) WHERE {where}"
        )
        source_params = list(params)
    targets = sorted({(group, bucket) for group, bucket, _ in wanted}, key=str)
    groups = "date[]" if isinstance(targets[0][0], date) else "text[]"
    rows = _fetch(
        "SELECT g, b, j, v FROM ("
        "  SELECT g, b, v, row_number() OVER (PARTITION BY g, b ORDER BY v) - 1 AS j FROM ("
        f"    SELECT x.g, recovery_time_bucket(x.v) AS b, x.v FROM ({source}) x WHERE x.v IS NOT NULL"
        f"  ) y WHERE (g, b) IN (SELECT * FROM unnest(%s::{groups}, %s::smallint[]))"
        f") z WHERE (g, b, j) IN (SELECT * FROM unnest(%s::{groups}, %s::smallint[], %s::bigint[]))",
        [
            *source_params,
            [group for group, _ in targets],
            [bucket for _, bucket in targets],
            [group for group, _, _ in wanted],
            [bucket for _, bucket, _ in wanted],
            [index for _, _, index in wanted],
        ],
    )
    return {(group, bucket, index): value for group, bucket, index, value in rows}


def _bucket_range(bucket: int) -> tuple[float, float]:
    """The seconds bucket ``bucket`` holds: from (inclusive) and up to (exclusive)."""
    low = TIME_BUCKET_EDGES[bucket - 1] if bucket else -math.inf
    high = TIME_BUCKET_EDGES[bucket] if bucket < len(TIME_BUCKET_EDGES) else math.inf
    return float(low), float(high)


def _interpolate(ranks: dict, values: dict[tuple, float], group) -> dict[str, float | None]:
    """percentile_cont from the values at the two ranks around each fraction's position."""
    total = ranks["count"]
    if not total:
        return {name: None for name in FRACTIONS}
    answer = {}
    for name, fraction in FRACTIONS.items():
        position = (total - 1) * fraction
        low, high = math.floor(position), math.ceil(position)
        below = values[(group, *ranks["at"][low])]
        above = values[(group, *ranks["at"][high])]
        answer[name] = round_figure(below + (above - below) * (position - low))
    return answer


# --- Shapes ------------------------------------------------------------------------------------------------


def _by_period(rows: list[tuple]) -> dict[str, dict]:
    """``(in the current period, key, value)`` rows as ``{"totals": {key: value}, "previous": {…}}``."""
    found = {"totals": {}, "previous": {}}
    for current, key, value in rows:
        found["totals" if current else "previous"][key] = value
    return found


def _money_rows(counted: dict[str, tuple]) -> list[dict]:
    rows = [(value, total, count) for value, (count, total) in counted.items() if count]
    return [money_row(value, total, count) for value, total, count in sorted(rows, key=lambda row: (-row[1], row[0]))]


def _counts_pareto(counted: dict[str, tuple]) -> list[dict]:
    return pareto([(value, count) for value, (count, _total) in counted.items() if count])


# One thread beside the request's, with its own database connection, kept open between requests.
_BESIDE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics")


def _side_by_side[T](first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """Both results, the second computed on the side thread while this one computes the first.

    Inside a transaction (a test's, or a caller's) the other connection would not see its writes:
    then one after the other, here.
    """
    if connection.in_atomic_block:
        return first(), second()
    beside = _BESIDE.submit(_on_own_connection, second)
    return first(), beside.result()


def side_connection_close() -> None:
    """Close the side thread's database connection (before the database goes away: tests, shutdown)."""
    _BESIDE.submit(_close_connection).result()


def _close_connection() -> None:
    connection.close()  # looked up on the thread that runs this: its own connection


def _on_own_connection[T](work: Callable[[], T]) -> T:
    connection.close_if_unusable_or_obsolete()
    return work()


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
