"""The recovery metrics' projection in PostgreSQL, as its one current text: each complaint's facts
(``recovery_complaintfacts``, computed by the view ``recovery_complaint_facts_source`` from the records)
and their sums per store and local day: ``recovery_facts_day``, a column per figure, and
``recovery_facts_day_count``, a row per (figure, value) of what is counted by the value of a field (the
category, SERVQUAL dimension and blueprint area of the complaints, the kind and granter's role of the
compensation granted), so that a new value of those needs no new column.

Every other literal comes from the models' enums and the metrics' constants (steps, statuses, escalation
levels, scores, time buckets): changing one changes this text, and its digest asks for a migration
(``core.installed_sql``). Installing drops whatever an earlier text installed and fills the facts and their
sums again from the records.

When the facts are kept: at commit. Every change to a complaint names its actor and writes an event in the
same transaction (the event log is the audit trail); writing events notes their complaints in the
transaction (``recovery.facts_pending``), and a deferred constraint trigger refreshes the noted complaints'
facts and sums once, when the transaction commits, whatever order its statements wrote things in. A reader
inside a transaction that wrote asks for them first (``facts_flush``). The refresh has short ways, chosen
by what the facts hold, except one: a transaction whose only events for a complaint are escalations (the
sweep's, which raise one deadline's level and nothing else) changes its ``max_level`` alone.
"""

from collections.abc import Iterable

from django.db import connection

from complaints.customers import REPEAT_WINDOW
from complaints.deadlines import MAX_LEVEL
from complaints.models import DeadlineStep, EventKind
from core.installed_sql import SqlSet
from recovery.metrics.common import RESPONSE_BINS, SCORES, TIME_BUCKET_EDGES
from recovery.models import ApprovalStatus, CompensationStatus, ComplaintFacts


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


FACT_COLUMNS = tuple(field.column for field in ComplaintFacts._meta.concrete_fields)
_FACTS = ", ".join(FACT_COLUMNS)
_FACT_UPDATES = ", ".join(f"{column} = EXCLUDED.{column}" for column in FACT_COLUMNS[1:])
# The steps whose seconds the metrics time (``{field}_seconds`` of the facts), each counted in buckets.
TIMED = ("apologize", "respond", "close")
OUTCOMES = ("met", "late")
LEVELS = range(1, MAX_LEVEL + 1)
_GRANTED = _literal(CompensationStatus.GRANTED)
_REPEAT_WINDOW = f"interval '{int(REPEAT_WINDOW.total_seconds())} seconds'"


# --- The facts of a complaint -----------------------------------------------------------------------------


def _met_late(step: str) -> str:
    done = f"x.closed_at IS NOT NULL AND x.step = {_literal(step)}"
    return (
        f"count(*) FILTER (WHERE {done} AND x.elapsed_seconds <= x.window_seconds)::smallint AS {step}_met, "
        f"count(*) FILTER (WHERE {done} AND x.elapsed_seconds > x.window_seconds)::smallint AS {step}_late"
    )


FACTS_VIEW = f"""
CREATE VIEW recovery_complaint_facts_source AS
SELECT
    c.id AS complaint_id, c.store_id, c.category_id, c.channel, c.severity, c.stage,
    c.servqual_dimension, c.blueprint_area, c.created_at, c.customer_id,
    c.closed_at IS NOT NULL AS closed,
    c.responded_at IS NOT NULL AS responded,
    c.responded_at IS NOT NULL AND c.followed_up_at IS NOT NULL AS followed_up,
    c.reopened_at IS NOT NULL AS reopened,
    c.satisfaction,
    d.apologize_seconds, d.respond_seconds,
    EXTRACT(EPOCH FROM c.closed_at - c.created_at)::float8 AS close_seconds,
    {", ".join(f"d.{step}_{outcome}" for step in DeadlineStep.values for outcome in OUTCOMES)},
    d.max_level,
    coalesce(
        c.closed_at IS NOT NULL AND d.max_level = 0 AND a.requested = 0
        AND (
            SELECT e.actor_id FROM complaints_complaintevent e
            WHERE e.complaint_id = c.id AND e.kind = {_literal(EventKind.CLOSED)} ORDER BY e.at DESC, e.id DESC LIMIT 1
        ) = c.created_by_id,
        false
    ) AS first_contact,
    g.granted_total, g.granted_count, g.granted_far_above,
    a.requested AS approvals_requested, a.approved AS approvals_approved, a.rejected AS approvals_rejected,
    c.customer_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND o.id <> c.id
          AND o.created_at > c.created_at - {_REPEAT_WINDOW} AND o.created_at < c.created_at + {_REPEAT_WINDOW}
    ) AS repeat_customer,
    -- Asked only when there is a customer: else PostgreSQL walks every older complaint for one whose
    -- customer equals NULL.
    CASE WHEN c.customer_id IS NOT NULL THEN (
        SELECT max(o.created_at) FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND (o.created_at, o.id) < (c.created_at, c.id)
    ) END AS previous_at
FROM complaints_complaint c
CROSS JOIN LATERAL (
    SELECT
        max(x.elapsed_seconds) FILTER (
            WHERE x.step = {_literal(DeadlineStep.APOLOGIZE)} AND x.cycle = 0
        ) AS apologize_seconds,
        max(x.elapsed_seconds) FILTER (
            WHERE x.step = {_literal(DeadlineStep.RESPOND)} AND x.cycle = 0
        ) AS respond_seconds,
        {", ".join(_met_late(step) for step in DeadlineStep.values)},
        coalesce(max(x.level), 0)::smallint AS max_level
    FROM complaints_deadline x WHERE x.complaint_id = c.id
) d
CROSS JOIN LATERAL (
    SELECT coalesce(sum(y.amount), 0)::numeric(12, 2) AS granted_total, count(*)::smallint AS granted_count,
           count(*) FILTER (WHERE y.far_above_guideline)::smallint AS granted_far_above
    FROM recovery_compensationaction y WHERE y.complaint_id = c.id AND y.status = {_GRANTED}
) g
CROSS JOIN LATERAL (
    SELECT count(*)::smallint AS requested,
           count(*) FILTER (WHERE z.status = {_literal(ApprovalStatus.APPROVED)})::smallint AS approved,
           count(*) FILTER (WHERE z.status = {_literal(ApprovalStatus.REJECTED)})::smallint AS rejected
    FROM recovery_approvalrequest z WHERE z.complaint_id = c.id
) a
"""

# --- The day sums --------------------------------------------------------------------------------------------

BUCKET_FUNCTION = f"""
CREATE FUNCTION recovery_time_bucket(seconds float8) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT width_bucket(seconds, ARRAY[{", ".join(str(edge) for edge in TIME_BUCKET_EDGES)}]::float8[])::smallint
$$
"""
TIME_BUCKETS = len(TIME_BUCKET_EDGES) + 1


def _sums(*, signed: bool) -> list[tuple[str, str]]:
    """(column, aggregate over a day's facts ``f``) of every sum kept from the facts.

    ``signed``: over facts rows carrying a ``sign`` (+1 for a complaint's new facts, -1 for its old), the
    aggregates add up to the change of each sum.
    """
    if signed:

        def count(condition: str) -> str:
            return f"coalesce(sum(f.sign) FILTER (WHERE {condition}), 0)"

        def total(column: str) -> str:
            return f"coalesce(sum(f.sign * f.{column}), 0)"
    else:

        def count(condition: str) -> str:
            return f"count(*) FILTER (WHERE {condition})"

        def total(column: str) -> str:
            return f"coalesce(sum(f.{column}), 0)"

    lows = (0, *RESPONSE_BINS)
    return [
        ("volume", "coalesce(sum(f.sign), 0)" if signed else "count(*)"),
        ("closed", count("f.closed")),
        ("responded", count("f.responded")),
        ("followed_up", count("f.followed_up")),
        ("reopened", count("f.reopened")),
        ("escalated", count("f.max_level >= 1")),
        *((f"level_{level}", count(f"f.max_level = {level}")) for level in LEVELS),
        ("first_contact", count("f.first_contact")),
        ("satisfaction_sum", total("satisfaction")),
        *((f"satisfaction_{score}", count(f"f.satisfaction = {score}")) for score in SCORES),
        ("granted_total", total("granted_total")),
        ("granted_count", total("granted_count")),
        ("granted_far_above", total("granted_far_above")),
        ("approvals_requested", total("approvals_requested")),
        ("approvals_approved", total("approvals_approved")),
        ("approvals_rejected", total("approvals_rejected")),
        *((f"{step}_{outcome}", total(f"{step}_{outcome}")) for step in DeadlineStep.values for outcome in OUTCOMES),
        *(
            (
                f"respond_bin_{index}",
                count(f"f.respond_seconds >= {low}" + (f" AND f.respond_seconds < {high}" if high else "")),
            )
            for index, (low, high) in enumerate(zip(lows, (*RESPONSE_BINS, None), strict=True))
        ),
        *(
            (f"{field}_b{bucket}", count(f"f.{field}_bucket = {bucket}"))
            for field in TIMED
            for bucket in range(TIME_BUCKETS)
        ),
    ]


SUMS = _sums(signed=False)
SIGNED_SUMS = _sums(signed=True)
_SUM_COLUMNS = ", ".join(column for column, _ in SUMS)
# Every column of a day's row, as the metrics read them (recovery/metrics/days.py).
DAY_SUM_COLUMNS = tuple(column for column, _ in SUMS)
_DAY_SUM_DEFINITIONS = ", ".join(
    f"{column} {'numeric(14, 2)' if column.endswith('_total') else 'integer'} NOT NULL DEFAULT 0"
    for column in DAY_SUM_COLUMNS
)

# What is counted by the value of a field, a row per value: (the figure, the value, over a day's facts ``f``).
# A value of none ('') is not counted.
COUNTED_BY_VALUE = (
    ("category", "f.category_id::text"),
    ("servqual_dimension", "f.servqual_dimension"),
    ("blueprint_area", "f.blueprint_area"),
)
# The compensation granted by its kind and by its granter's role: (the figure, the value, over a day's granted
# actions ``a`` and their granters ``u``), with the count and the total amount. Counted again from the actions
# for a day whose complaints' grants change.
GRANTED_BY_VALUE = (("kind", "a.kind"), ("role", "u.role"))
_FACT_VALUES = ", ".join(f"({_literal(figure)}, {value})" for figure, value in COUNTED_BY_VALUE)
_GRANT_VALUES = ", ".join(f"({_literal(figure)}, {value})" for figure, value in GRANTED_BY_VALUE)

DAY_SUM_TABLES = ("recovery_facts_day", "recovery_facts_day_count")
DAY_TABLES = f"""
CREATE TABLE recovery_facts_day (
    store_id bigint NOT NULL,
    day date NOT NULL,
    {_DAY_SUM_DEFINITIONS},
    PRIMARY KEY (day, store_id)
);
CREATE TABLE recovery_facts_day_count (
    day date NOT NULL,
    store_id bigint NOT NULL,
    figure text NOT NULL,
    value text NOT NULL,
    count integer NOT NULL DEFAULT 0,
    total numeric(14, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (day, store_id, figure, value)
);
-- One store's days (a supervisor's metrics), beside every store's day (an admin's).
CREATE INDEX recovery_facts_day_store_idx ON recovery_facts_day (store_id, day);
CREATE INDEX recovery_facts_day_count_store_idx ON recovery_facts_day_count (store_id, day)
"""


def _counted_by_value(dated: str, sign: str) -> str:
    """A data-modifying CTE's statement adding to the day counts by value what the rows ``dated`` (facts with
    their ``day``) add, each weighed by ``sign``."""
    return f"""INSERT INTO recovery_facts_day_count (day, store_id, figure, value, count)
        SELECT f.day, f.store_id, v.figure, v.value, sum({sign})
        FROM {dated} f CROSS JOIN LATERAL (VALUES {_FACT_VALUES}) AS v(figure, value)
        WHERE v.value <> '' GROUP BY 1, 2, 3, 4 HAVING sum({sign}) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT recovery_facts_day_count_pkey DO UPDATE
            SET count = recovery_facts_day_count.count + EXCLUDED.count"""


def _granted_recount(touched: str) -> str:
    """Statements that count the compensation granted by value again for the days in ``touched`` (a table or
    a subquery of store_id, day, starts, ends), already locked. PL/pgSQL."""
    figures = ", ".join(_literal(figure) for figure, _ in GRANTED_BY_VALUE)
    return f"""
    DELETE FROM recovery_facts_day_count c USING {touched} t
    WHERE c.day = t.day AND c.store_id = t.store_id AND c.figure IN ({figures});
    INSERT INTO recovery_facts_day_count (day, store_id, figure, value, count, total)
    SELECT r.day, r.store_id, v.figure, v.value, count(*), sum(a.amount)
    FROM {touched} r
    JOIN recovery_complaintfacts f ON f.store_id = r.store_id AND f.created_at >= r.starts AND f.created_at < r.ends
    JOIN recovery_compensationaction a ON a.complaint_id = f.complaint_id AND a.status = {_GRANTED}
    JOIN staff_user u ON u.id = a.granted_by_id
    CROSS JOIN LATERAL (VALUES {_GRANT_VALUES}) AS v(figure, value)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;"""


_BUCKETS = ", ".join(f"recovery_time_bucket(f.{field}_seconds) AS {field}_bucket" for field in TIMED)
# The facts of the day ``r``, a row of touched days carrying its bounds: a range on the store's facts index,
# not a time-zone conversion of every fact.
_IN_DAY = "f.store_id = r.store_id AND f.created_at >= r.starts AND f.created_at < r.ends"


def _days_recount(touched: str) -> str:
    """Statements that count every sum of the days in the table ``touched`` (store_id, day, starts, ends)
    again from their facts and granted actions, the days locked first in key order: a count taken after the
    lock sees every transaction that changed the day before. PL/pgSQL."""
    facts_figures = ", ".join(_literal(figure) for figure, _ in COUNTED_BY_VALUE)
    return f"""
    INSERT INTO recovery_facts_day (store_id, day) SELECT store_id, day FROM {touched}
    ORDER BY day, store_id ON CONFLICT (day, store_id) DO NOTHING;
    PERFORM 1 FROM recovery_facts_day r JOIN {touched} t USING (day, store_id)
    ORDER BY r.day, r.store_id FOR UPDATE OF r;

    UPDATE recovery_facts_day r SET
        ({_SUM_COLUMNS}) = ({", ".join(f"coalesce(g.{column}, 0)" for column, _ in SUMS)})
    FROM {touched} t
    LEFT JOIN (
        SELECT r.day, r.store_id, {", ".join(f"{aggregate} AS {column}" for column, aggregate in SUMS)}
        FROM {touched} r
        JOIN (SELECT {_BUCKETS}, f.* FROM recovery_complaintfacts f) f ON {_IN_DAY}
        GROUP BY r.day, r.store_id
    ) g ON g.day = t.day AND g.store_id = t.store_id
    WHERE r.day = t.day AND r.store_id = t.store_id;

    DELETE FROM recovery_facts_day_count c USING {touched} t
    WHERE c.day = t.day AND c.store_id = t.store_id AND c.figure IN ({facts_figures});
    WITH dated AS (
        SELECT r.day, f.* FROM {touched} r JOIN recovery_complaintfacts f ON {_IN_DAY}
    )
    {_counted_by_value("dated", "1")};
    {_granted_recount(touched)}"""


# The compensation granted by value on the days these complaints were logged on, counted again from their
# granted actions, the days locked in key order as every writer of them locks them.
_REGRANTED = """(
    SELECT DISTINCT c.store_id, d.day, d.day::timestamp AT TIME ZONE t.timezone AS starts,
        (d.day + 1)::timestamp AT TIME ZONE t.timezone AS ends
    FROM complaints_complaint c JOIN staff_store t ON t.id = c.store_id
    CROSS JOIN LATERAL (SELECT (c.created_at AT TIME ZONE t.timezone)::date AS day) d
    WHERE c.id = ANY(ids)
)"""
REGRANT_FUNCTION = f"""
CREATE FUNCTION recovery_facts_day_regrant(ids uuid[]) RETURNS void LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    PERFORM 1 FROM recovery_facts_day r JOIN {_REGRANTED} t USING (day, store_id)
    ORDER BY r.day, r.store_id FOR UPDATE OF r;
    {_granted_recount(_REGRANTED)}
END
$$
"""


# --- Keeping them: the refresh of a few complaints ---------------------------------------------------------


def _neighbours(ids: str) -> str:
    """The customers' other complaints learn whether they are now repeats, and when their customer last
    complained before them; asked first, as most customers are new and have none (the update's plan, the
    view's, costs more to set up than to run). The customers are taken first, their complaints looked up by
    the customer's index, their facts by key. PL/pgSQL, for the complaints in the array ``ids``."""
    return f"""IF EXISTS (
        SELECT 1 FROM complaints_complaint c JOIN complaints_complaint o ON o.customer_id = c.customer_id
        WHERE c.id = ANY({ids}) AND NOT o.id = ANY({ids})
    ) THEN
        UPDATE recovery_complaintfacts f SET repeat_customer = v.repeat_customer, previous_at = v.previous_at
        FROM recovery_complaint_facts_source v
        WHERE v.complaint_id = f.complaint_id
          AND f.complaint_id = ANY(ARRAY(
              SELECT o.id FROM complaints_complaint o
              WHERE o.customer_id = ANY(ARRAY(
                  SELECT c.customer_id FROM complaints_complaint c
                  WHERE c.id = ANY({ids}) AND c.customer_id IS NOT NULL
              ))
                AND NOT o.id = ANY({ids})
          ))
          AND (f.repeat_customer, f.previous_at) IS DISTINCT FROM (v.repeat_customer, v.previous_at);
    END IF;"""


def _dynamic(statement: str, *, ids: str, into: str) -> str:
    """The statement run with EXECUTE: planned for the array ``ids`` it is given (a batch's hundreds)."""
    return f"EXECUTE $statement${statement.replace(f'ANY({ids})', 'ANY($1)')}$statement$ INTO {into} USING {ids}"


def _into(statement: str, variable: str) -> str:
    """The statement, which selects one value last (``SELECT … /*into*/ FROM …``), selecting it into ``variable``."""
    return statement.replace("/*into*/", f"INTO {variable}")


# A complaint with nothing done yet counts in its day's volume and in the counts by value of its category,
# SERVQUAL dimension and blueprint area alone. ``v`` is its facts.
_JUST_LOGGED = " AND ".join(
    [
        "NOT (v.closed OR v.responded OR v.followed_up OR v.reopened OR v.first_contact)",
        "v.satisfaction IS NULL",
        *(f"v.{field}_seconds IS NULL" for field in TIMED),
        "v.max_level = 0",
        *(f"v.{step}_{outcome} = 0" for step in DeadlineStep.values for outcome in OUTCOMES),
        "v.granted_count = 0 AND v.granted_total = 0 AND v.granted_far_above = 0",
        "v.approvals_requested = 0 AND v.approvals_approved = 0 AND v.approvals_rejected = 0",
    ]
)
# The facts of the complaints ``fresh`` that have none yet and nothing done, and what they add to their days
# and categories, in key order as every writer of them locks them; selected: those complaints.
_LOG = f"""
    WITH new AS (
        INSERT INTO recovery_complaintfacts ({_FACTS})
        SELECT {_FACTS} FROM recovery_complaint_facts_source v
        WHERE v.complaint_id = ANY(fresh) AND {_JUST_LOGGED}
        ORDER BY v.complaint_id
        ON CONFLICT ON CONSTRAINT recovery_complaintfacts_pkey DO NOTHING
        RETURNING complaint_id, store_id, category_id, servqual_dimension, blueprint_area, created_at
    ), dated AS (
        SELECT (f.created_at AT TIME ZONE s.timezone)::date AS day, f.*
        FROM new f JOIN staff_store s ON s.id = f.store_id
    ), days AS (
        INSERT INTO recovery_facts_day (day, store_id, volume)
        SELECT f.day, f.store_id, count(*) FROM dated f GROUP BY f.day, f.store_id ORDER BY f.day, f.store_id
        ON CONFLICT (day, store_id) DO UPDATE SET volume = recovery_facts_day.volume + EXCLUDED.volume
    ), counted AS (
        {_counted_by_value("dated", "1")}
    )
    SELECT coalesce(array_agg(complaint_id), '{{}}') /*into*/ FROM new"""

LOG_FUNCTION = f"""
CREATE FUNCTION recovery_facts_log(ids uuid[]) RETURNS uuid[] LANGUAGE plpgsql
-- Planning these statements costs more than running them for one complaint: planned once per connection
-- for a few complaints, per call for a batch, whose best plan depends on its size. Every row they read is
-- found by a key, and a plan made while the tables were small (a new chain's first evening, its statistics
-- taken on a handful of rows) read whole tables for it as they grew, with the store's day held: no
-- sequential scans, whatever the statistics say (here and in every function that refreshes a few complaints).
SET jit = off SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    fresh uuid[] := ARRAY(
        SELECT i.id FROM unnest(ids) AS i(id)
        WHERE NOT EXISTS (SELECT 1 FROM recovery_complaintfacts f WHERE f.complaint_id = i.id)
    );
    logged uuid[];
BEGIN
    IF cardinality(fresh) = 0 THEN
        RETURN ids;
    ELSIF cardinality(fresh) > 32 THEN
        {_dynamic(_LOG, ids="fresh", into="logged")};
    ELSE
        {_into(_LOG, "logged")};
    END IF;
    {_neighbours("logged")}
    -- The rest take the whole refresh.
    RETURN ARRAY(SELECT unnest(ids) EXCEPT SELECT unnest(logged));
END
$$
"""

# The facts of these complaints, and the change to their days' sums: each day's row gains the new facts and
# loses the old (one statement; its CTEs see the facts as they were before it). Rows and days in key order,
# so that transactions touching the same ones lock them in the same order. Selected: the complaints whose
# grants changed, whose days' sums by kind and role are counted again from the actions.
_DELTA = f"""
    WITH old AS (
        SELECT f.* FROM recovery_complaintfacts f WHERE f.complaint_id = ANY(ids)
    ), new AS (
        INSERT INTO recovery_complaintfacts ({_FACTS})
        SELECT {_FACTS} FROM recovery_complaint_facts_source
        WHERE complaint_id = ANY(ids) ORDER BY complaint_id
        ON CONFLICT ON CONSTRAINT recovery_complaintfacts_pkey DO UPDATE SET {_FACT_UPDATES}
        RETURNING *
    ), changed AS (
        SELECT 1 AS sign, new.* FROM new UNION ALL SELECT -1 AS sign, old.* FROM old
    ), dated AS (
        SELECT (f.created_at AT TIME ZONE s.timezone)::date AS day, {_BUCKETS}, f.*
        FROM changed f JOIN staff_store s ON s.id = f.store_id
    ), days AS (
        INSERT INTO recovery_facts_day (day, store_id, {_SUM_COLUMNS})
        SELECT f.day, f.store_id, {", ".join(aggregate for _, aggregate in SIGNED_SUMS)}
        FROM dated f GROUP BY f.day, f.store_id ORDER BY f.day, f.store_id
        ON CONFLICT (day, store_id) DO UPDATE SET
            {", ".join(f"{column} = recovery_facts_day.{column} + EXCLUDED.{column}" for column, _ in SUMS)}
    ), counted AS (
        {_counted_by_value("dated", "f.sign")}
    )
    SELECT coalesce(array_agg(n.complaint_id), '{{}}') /*into*/
    FROM new n LEFT JOIN old o USING (complaint_id)
    WHERE (n.granted_total, n.granted_count)
        IS DISTINCT FROM (coalesce(o.granted_total, 0), coalesce(o.granted_count, 0))"""

REFRESH_FUNCTION = f"""
CREATE FUNCTION recovery_facts_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql
-- As recovery_facts_log. The statements are estimated from the view's subqueries: with a batch and a large
-- event log the estimate crosses jit_above_cost, and compiling took twenty times as long as running.
SET jit = off SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    regranted uuid[];
BEGIN
    ids := recovery_facts_log(ids);
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(ids) > 32 THEN
        {_dynamic(_DELTA, ids="ids", into="regranted")};
    ELSE
        {_into(_DELTA, "regranted")};
    END IF;
    IF cardinality(regranted) > 0 THEN
        PERFORM recovery_facts_day_regrant(regranted);
    END IF;
    {_neighbours("ids")}
END
$$
"""

# A sweep's escalations raise deadlines' levels and nothing else the facts are made of: for an open complaint
# only ``max_level`` moves, and with it its day's ``escalated`` and ``level_N`` sums. Recomputing the whole
# facts of a batch of hundreds was most of the sweep's time on the database. Returned: the complaints it
# cannot take (no facts yet, or closed, where first contact also reads the level), for the whole refresh.
_LEVEL_SUMS = ["escalated", *(f"level_{level}" for level in LEVELS)]
_LEVEL_DELTAS = [
    "sum((m.after >= 1)::int - (m.before >= 1)::int) AS escalated",
    *(f"sum((m.after = {level})::int - (m.before = {level})::int) AS level_{level}" for level in LEVELS),
]
RELEVEL_FUNCTION = f"""
CREATE FUNCTION recovery_facts_relevel(ids uuid[]) RETURNS uuid[] LANGUAGE plpgsql
-- Its statements look a batch's few hundred rows up by key; on tables of some ten thousand rows the planner
-- chose to hash the whole facts table instead, which took three times as long.
SET jit = off SET enable_hashjoin = off SET enable_seqscan = off AS $$
DECLARE
    rest uuid[];
BEGIN
    rest := ARRAY(
        SELECT i.id FROM unnest(ids) AS i(id)
        LEFT JOIN recovery_complaintfacts f ON f.complaint_id = i.id AND NOT f.closed
        WHERE f.complaint_id IS NULL
    );
    -- The facts' max_level as the view counts it, then each day's sums moved by the change (the FROM's second
    -- copy of a facts row is the row before this statement). Days in key order, as every writer locks them.
    WITH levels AS MATERIALIZED (
        SELECT i.id AS complaint_id,
            (SELECT coalesce(max(x.level), 0) FROM complaints_deadline x WHERE x.complaint_id = i.id)::smallint
                AS max_level
        FROM unnest(ids) AS i(id) WHERE i.id <> ALL(rest)
    ), moved AS (
        UPDATE recovery_complaintfacts f SET max_level = l.max_level
        FROM levels l JOIN recovery_complaintfacts o ON o.complaint_id = l.complaint_id
        WHERE f.complaint_id = l.complaint_id AND f.max_level <> l.max_level
        RETURNING f.store_id, f.created_at, o.max_level AS before, l.max_level AS after
    ), delta AS (
        SELECT (m.created_at AT TIME ZONE s.timezone)::date AS day, m.store_id, {", ".join(_LEVEL_DELTAS)}
        FROM moved m JOIN staff_store s ON s.id = m.store_id
        GROUP BY 1, 2
    )
    INSERT INTO recovery_facts_day (day, store_id, {", ".join(_LEVEL_SUMS)})
    SELECT day, store_id, {", ".join(_LEVEL_SUMS)} FROM delta
    WHERE ({", ".join(_LEVEL_SUMS)}) <> ({", ".join("0" for _ in _LEVEL_SUMS)})
    ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
        {", ".join(f"{column} = recovery_facts_day.{column} + EXCLUDED.{column}" for column in _LEVEL_SUMS)};
    RETURN rest;
END
$$
"""

# --- Keeping them: at commit ----------------------------------------------------------------------------------

# A bulk writer (the volume seeder) sets ``recovery.facts_deferred`` for its transaction: its events note
# nothing, and it fills the facts once at the end (``recovery_facts_fill``).
_DEFERRED = "current_setting('recovery.facts_deferred', true) IS DISTINCT FROM 'on'"

NOTE_FUNCTION = f"""
CREATE FUNCTION recovery_facts_note() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    setting text := CASE WHEN EXISTS (SELECT 1 FROM added WHERE kind <> {_literal(EventKind.ESCALATED)})
        THEN 'recovery.facts_pending' ELSE 'recovery.facts_relevel' END;
BEGIN
    IF {_DEFERRED} THEN
        PERFORM set_config(
            setting,
            concat_ws(',', nullif(current_setting(setting, true), ''),
                      (SELECT string_agg(DISTINCT complaint_id::text, ',') FROM added)),
            true
        );
    END IF;
    RETURN NULL;
END
$$
"""
NOTE_TRIGGER = """
CREATE TRIGGER recovery_facts_note
    AFTER INSERT ON complaints_complaintevent
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION recovery_facts_note()
"""


def _noted(setting: str) -> str:
    return f"string_to_array(nullif(current_setting('{setting}', true), ''), ',')::uuid[]"


# Fires for each event written, at commit (or at ``SET CONSTRAINTS recovery_facts_at_commit IMMEDIATE``); the
# first finds the transaction's noted complaints and refreshes them, the rest find nothing left.
AT_COMMIT_FUNCTION = f"""
CREATE FUNCTION recovery_facts_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending uuid[] := coalesce({_noted("recovery.facts_pending")}, '{{}}');
    relevel uuid[] := coalesce({_noted("recovery.facts_relevel")}, '{{}}');
BEGIN
    IF cardinality(pending) = 0 AND cardinality(relevel) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('recovery.facts_pending', '', true), set_config('recovery.facts_relevel', '', true);
    pending := ARRAY(SELECT DISTINCT unnest(pending) ORDER BY 1);
    relevel := ARRAY(SELECT DISTINCT unnest(relevel) EXCEPT SELECT unnest(pending) ORDER BY 1);
    IF cardinality(relevel) > 0 THEN
        pending := pending || recovery_facts_relevel(relevel);
    END IF;
    IF cardinality(pending) > 0 THEN
        PERFORM recovery_facts_refresh(pending);
    END IF;
    RETURN NULL;
END
$$
"""
AT_COMMIT_TRIGGER = f"""
CREATE CONSTRAINT TRIGGER recovery_facts_at_commit
    AFTER INSERT ON complaints_complaintevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN ({_DEFERRED})
    EXECUTE FUNCTION recovery_facts_at_commit()
"""

# --- Filling them at once -------------------------------------------------------------------------------------

# Every complaint without facts gets its facts (from the same view), their customers' other complaints are
# updated, and the days they were logged on are counted again, each day's sums in one grouped statement.
# Idempotent: it finds its work by what has no facts, so an interrupted seed is caught up by the next fill.
FILL_FUNCTION = f"""
CREATE FUNCTION recovery_facts_fill() RETURNS integer LANGUAGE plpgsql
SET client_min_messages = warning AS $$
DECLARE
    filled integer;
BEGIN
    DROP TABLE IF EXISTS recovery_facts_filled, recovery_facts_touched;
    CREATE TEMP TABLE recovery_facts_filled (complaint_id uuid PRIMARY KEY, customer_id bigint) ON COMMIT DROP;
    CREATE TEMP TABLE recovery_facts_touched (
        store_id bigint, day date, starts timestamptz, ends timestamptz, PRIMARY KEY (day, store_id)
    ) ON COMMIT DROP;
    WITH new AS (
        INSERT INTO recovery_complaintfacts ({_FACTS})
        SELECT {_FACTS} FROM recovery_complaint_facts_source v
        WHERE NOT EXISTS (SELECT 1 FROM recovery_complaintfacts f WHERE f.complaint_id = v.complaint_id)
        ORDER BY v.complaint_id
        -- A complaint changed meanwhile got its facts at its commit, and its day the change.
        ON CONFLICT ON CONSTRAINT recovery_complaintfacts_pkey DO NOTHING
        RETURNING complaint_id, customer_id, store_id, created_at
    ), touched AS (
        SELECT DISTINCT n.store_id, (n.created_at AT TIME ZONE s.timezone)::date AS day, s.timezone
        FROM new n JOIN staff_store s ON s.id = n.store_id
    ), kept AS (
        INSERT INTO recovery_facts_filled SELECT complaint_id, customer_id FROM new
    )
    INSERT INTO recovery_facts_touched
    SELECT store_id, day, day::timestamp AT TIME ZONE timezone, (day + 1)::timestamp AT TIME ZONE timezone
    FROM touched;
    SELECT count(*) INTO filled FROM recovery_facts_filled;
    IF filled = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE recovery_facts_filled, recovery_facts_touched;

    -- Their customers' earlier complaints may now be repeats.
    UPDATE recovery_complaintfacts f SET repeat_customer = v.repeat_customer, previous_at = v.previous_at
    FROM recovery_complaint_facts_source v
    WHERE v.complaint_id = f.complaint_id
      AND f.complaint_id IN (
          SELECT o.id FROM complaints_complaint o
          WHERE o.customer_id IN (SELECT customer_id FROM recovery_facts_filled)
            AND o.id NOT IN (SELECT complaint_id FROM recovery_facts_filled)
      )
      AND (f.repeat_customer, f.previous_at) IS DISTINCT FROM (v.repeat_customer, v.previous_at);
    {_days_recount("recovery_facts_touched")}
    RETURN filled;
END
$$
"""

# Emptying the facts (a test database's flush) empties their sums too.
EMPTY_FUNCTION = """
CREATE FUNCTION recovery_facts_day_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE recovery_facts_day, recovery_facts_day_count;
    RETURN NULL;
END
$$
"""
EMPTY_TRIGGER = """
CREATE TRIGGER recovery_facts_day_empty AFTER TRUNCATE ON recovery_complaintfacts
    FOR EACH STATEMENT EXECUTE FUNCTION recovery_facts_day_empty()
"""

# Whatever any text of the projection installed: its triggers and functions (by their prefix), view and
# tables. Installing fills the facts again from the records.
REMOVE = (
    """
    DO $$
    DECLARE
        found record;
    BEGIN
        FOR found IN
            SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND t.tgname LIKE 'recovery\\_facts\\_%'
        LOOP
            EXECUTE format('DROP TRIGGER %I ON %I', found.tgname, found.relname);
        END LOOP;
        FOR found IN
            SELECT p.oid::regprocedure AS signature FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
              AND (p.proname LIKE 'recovery\\_facts\\_%' OR p.proname = 'recovery_time_bucket')
        LOOP
            EXECUTE format('DROP FUNCTION %s', found.signature);
        END LOOP;
    END
    $$
    """,
    "DROP VIEW IF EXISTS recovery_complaint_facts_source",
    # recovery_facts_day_category: the counts by category, before they were counted by value.
    "DROP TABLE IF EXISTS recovery_facts_day, recovery_facts_day_category, recovery_facts_day_count",
    "TRUNCATE recovery_complaintfacts",
)


def _fill(cursor) -> None:
    cursor.execute("SELECT recovery_facts_fill()")


SQL = SqlSet(
    remove=REMOVE,
    statements=(
        FACTS_VIEW,
        BUCKET_FUNCTION,
        DAY_TABLES,
        REGRANT_FUNCTION,
        LOG_FUNCTION,
        REFRESH_FUNCTION,
        RELEVEL_FUNCTION,
        NOTE_FUNCTION,
        NOTE_TRIGGER,
        AT_COMMIT_FUNCTION,
        AT_COMMIT_TRIGGER,
        FILL_FUNCTION,
        EMPTY_FUNCTION,
        EMPTY_TRIGGER,
    ),
    after=_fill,
)


def facts_flush(using_connection=connection) -> None:
    """Keep the facts of what this transaction wrote now, not at its commit: for a reader inside a transaction
    that wrote (a caller's unit of work, a test's). Outside a transaction there is nothing pending."""
    if not using_connection.in_atomic_block:
        return
    with using_connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS recovery_facts_at_commit IMMEDIATE")
        cursor.execute("SET CONSTRAINTS recovery_facts_at_commit DEFERRED")


def facts_refresh(ids: Iterable) -> None:
    """Refresh these complaints' facts and their days' sums now (a repair, or a bench's setup)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT recovery_facts_refresh(%s::uuid[])", [list(ids)])
