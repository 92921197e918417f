"""PostgreSQL sums each store's day of complaint facts into ``recovery_facts_day`` (and its complaints
per category into ``recovery_facts_day_category``), kept current by the refresh that keeps the facts:
each change adds the complaint's new facts to its day's sums and takes its old ones away, in the same
statement and transaction (``recovery_facts_refresh``). Existing complaints are summed once here.

A quarter of a million complaints make a few thousand store-days, so the metrics add up those rows
instead of the facts. Each step's seconds are also counted in buckets (``recovery_time_bucket``): the
metrics find which bucket holds a percentile's rank, then sort only that bucket's facts to read the
exact value. Not kept on SQLite.
"""

from django.db import migrations

# Upper bounds (seconds) of the time buckets; the metrics read the same list (recovery/metrics_pg.py).
TIME_BUCKET_EDGES = (
    *(30, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1500, 1800, 2400, 3000, 3600),
    *(4500, 5400, 7200, 9000, 10800, 14400, 18000, 21600, 28800, 36000, 43200, 57600, 72000),
    *(86400, 129600, 172800, 259200, 345600, 432000, 604800, 864000, 1209600, 1814400, 2592000, 5184000),
)
TIMED = ("apologize", "respond", "close")
# The values of the facts' enumerations, each summed in a column of its own.
SERVQUAL_DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
BLUEPRINT_AREAS = ("front_stage", "back_stage", "support")
COMPENSATION_KINDS = ("refund", "voucher", "free_item", "discount", "replacement", "gift")
ROLES = ("frontline", "supervisor", "manager", "admin")
STEPS = ("apologize", "respond", "follow_up", "approval")
RESPONSE_BINS = (300, 900, 1800, 3600, 7200, 14400, 28800, 86400)

BUCKET_FUNCTION = f"""
CREATE FUNCTION recovery_time_bucket(seconds float8) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT width_bucket(seconds, ARRAY[{", ".join(str(edge) for edge in TIME_BUCKET_EDGES)}]::float8[])::smallint
$$
"""


def _sums(*, signed: bool = False) -> list[tuple[str, str]]:
    """(column, aggregate over the day's facts ``f``) of every summed figure.

    ``signed``: over facts rows carrying a ``sign`` (+1 for a complaint's new facts, -1 for its old),
    the aggregates add up to the change of each sum.
    """
    if signed:
        count = "coalesce(sum(f.sign) FILTER (WHERE {}), 0)".format

        def total(column: str) -> str:
            return f"coalesce(sum(f.sign * f.{column}), 0)"
    else:
        count = "count(*) FILTER (WHERE {})".format

        def total(column: str) -> str:
            return f"coalesce(sum(f.{column}), 0)"

    sums = [
        ("volume", "coalesce(sum(f.sign), 0)" if signed else "count(*)"),
        ("closed", count("f.closed")),
        ("responded", count("f.responded")),
        ("followed_up", count("f.followed_up")),
        ("reopened", count("f.reopened")),
        ("escalated", count("f.max_level >= 1")),
        *((f"level_{level}", count(f"f.max_level = {level}")) for level in (1, 2, 3)),
        ("first_contact", count("f.first_contact")),
        ("satisfaction_sum", total("satisfaction")),
        *((f"satisfaction_{score}", count(f"f.satisfaction = {score}")) for score in range(1, 6)),
        ("granted_total", total("granted_total")),
        ("granted_count", total("granted_count")),
        ("granted_outside", total("granted_outside")),
        ("approvals_requested", total("approvals_requested")),
        ("approvals_approved", total("approvals_approved")),
        ("approvals_rejected", total("approvals_rejected")),
        *(
            (f"{step}_{outcome}", total(f"{step}_{outcome}"))
            for step in STEPS
            for outcome in ("met", "late")
        ),
    ]
    sums += [(f"servqual_{value}", count(f"f.servqual_dimension = '{value}'")) for value in SERVQUAL_DIMENSIONS]
    sums += [(f"blueprint_{value}", count(f"f.blueprint_area = '{value}'")) for value in BLUEPRINT_AREAS]
    lows = (0, *RESPONSE_BINS)
    for index, low in enumerate(lows):
        high = f" AND f.respond_seconds < {RESPONSE_BINS[index]}" if index < len(RESPONSE_BINS) else ""
        sums.append((f"respond_bin_{index}", count(f"f.respond_seconds >= {low}{high}")))
    for field in TIMED:
        for bucket in range(len(TIME_BUCKET_EDGES) + 1):
            sums.append((f"{field}_b{bucket}", count(f"f.{field}_bucket = {bucket}")))
    return sums


SUMS = _sums()
SIGNED_SUMS = _sums(signed=True)
# Granted compensation by kind and by the granter's role: (column, aggregate over the day's actions ``a``
# joined to their granter ``u``).
GRANTED = [
    *(
        pair
        for kind in COMPENSATION_KINDS
        for pair in (
            (f"kind_{kind}_total", f"coalesce(sum(a.amount) FILTER (WHERE a.kind = '{kind}'), 0)"),
            (f"kind_{kind}_count", f"count(*) FILTER (WHERE a.kind = '{kind}')"),
        )
    ),
    *(
        pair
        for role in ROLES
        for pair in (
            (f"role_{role}_total", f"coalesce(sum(a.amount) FILTER (WHERE u.role = '{role}'), 0)"),
            (f"role_{role}_count", f"count(*) FILTER (WHERE u.role = '{role}')"),
        )
    ),
]
_COLUMN_TYPES = ", ".join(
    f"{column} {'numeric(14, 2)' if column.endswith('_total') else 'integer'} NOT NULL DEFAULT 0"
    for column, _ in SUMS + GRANTED
)

TABLE = f"""
CREATE TABLE recovery_facts_day (
    store_id bigint NOT NULL,
    day date NOT NULL,
    {_COLUMN_TYPES},
    PRIMARY KEY (day, store_id)
);
CREATE TABLE recovery_facts_day_category (
    store_id bigint NOT NULL,
    day date NOT NULL,
    category_id bigint NOT NULL,
    volume integer NOT NULL,
    PRIMARY KEY (day, store_id, category_id)
);
-- One store's days (a supervisor's metrics), beside every store's day (an admin's).
CREATE INDEX recovery_facts_day_store_idx ON recovery_facts_day (store_id, day);
CREATE INDEX recovery_facts_day_category_store_idx ON recovery_facts_day_category (store_id, day)
"""

# The facts of the day ``r`` (a store and its local date; ``s`` is the store).
_IN_DAY = """f.store_id = r.store_id
      AND f.created_at >= (r.day::timestamp AT TIME ZONE s.timezone)
      AND f.created_at < ((r.day + 1)::timestamp AT TIME ZONE s.timezone)"""


# The day's sums by kind and by role, set from its granted actions (``r`` the day, ``s`` its store).
_GRANTED_IN_DAY = f"""({", ".join(column for column, _ in GRANTED)}) = (
    SELECT {", ".join(aggregate for _, aggregate in GRANTED)}
    FROM recovery_complaintfacts f
    CROSS JOIN LATERAL (
        SELECT a.kind, a.amount, a.granted_by_id FROM recovery_compensationaction a
        WHERE a.complaint_id = f.complaint_id AND a.status = 'granted'
    ) a
    JOIN staff_user u ON u.id = a.granted_by_id
    WHERE {_IN_DAY}
)"""


# Every sum of the days these complaints were logged on, counted again from the day's facts: fills
# the table for complaints that existed before it, and counts the days' sums by kind and role.
SUM_DAYS = f"""
CREATE FUNCTION recovery_facts_day_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stores bigint[];
    days date[];
BEGIN
    -- The days these complaints were logged on, each locked before it is summed again, in key order:
    -- a sum taken after the lock sees every transaction that changed the day before.
    SELECT array_agg(store_id ORDER BY day, store_id), array_agg(day ORDER BY day, store_id) INTO stores, days
    FROM (
        SELECT DISTINCT c.store_id, (c.created_at AT TIME ZONE s.timezone)::date AS day
        FROM complaints_complaint c JOIN staff_store s ON s.id = c.store_id
        WHERE c.id IN (SELECT unnest(ids))
    ) touched;
    IF stores IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO recovery_facts_day (store_id, day) SELECT * FROM unnest(stores, days) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM recovery_facts_day r
    WHERE (r.store_id, r.day) IN (SELECT * FROM unnest(stores, days))
    ORDER BY r.day, r.store_id FOR UPDATE;

    UPDATE recovery_facts_day r SET
        ({", ".join(column for column, _ in SUMS)}) = (
            SELECT {", ".join(aggregate for _, aggregate in SUMS)}
            FROM (
                SELECT f.*, {", ".join(f"recovery_time_bucket(f.{field}_seconds) AS {field}_bucket" for field in TIMED)}
                FROM recovery_complaintfacts f WHERE {_IN_DAY}
            ) f
        ),
        {_GRANTED_IN_DAY}
    FROM staff_store s
    WHERE s.id = r.store_id AND (r.store_id, r.day) IN (SELECT * FROM unnest(stores, days));

    DELETE FROM recovery_facts_day_category WHERE (store_id, day) IN (SELECT * FROM unnest(stores, days));
    INSERT INTO recovery_facts_day_category (store_id, day, category_id, volume)
    SELECT r.store_id, r.day, f.category_id, count(*)
    FROM unnest(stores, days) AS r(store_id, day)
    JOIN staff_store s ON s.id = r.store_id
    JOIN recovery_complaintfacts f ON {_IN_DAY}
    GROUP BY 1, 2, 3;
END
$$
"""

_BUCKETS = ", ".join(f"recovery_time_bucket(f.{field}_seconds) AS {field}_bucket" for field in TIMED)
_FACT_COLUMNS = (
    "complaint_id, store_id, category_id, channel, severity, stage, servqual_dimension, blueprint_area, "
    "created_at, customer_id, closed, responded, followed_up, reopened, satisfaction, "
    "apologize_seconds, respond_seconds, close_seconds, apologize_met, apologize_late, respond_met, "
    "respond_late, follow_up_met, follow_up_late, approval_met, approval_late, max_level, first_contact, "
    "granted_total, granted_count, granted_outside, approvals_requested, approvals_approved, "
    "approvals_rejected, repeat_customer, previous_at"
)
_FACT_UPDATES = ", ".join(f"{column} = EXCLUDED.{column}" for column in _FACT_COLUMNS.split(", ")[1:])

# The days' sums by kind and role, counted again from their granted actions (a grant changes them).
# One day at a time (a grant touches one), each found by its key.
REGRANT = f"""
CREATE FUNCTION recovery_facts_day_regrant(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    touched record;
BEGIN
    FOR touched IN
        SELECT DISTINCT (c.created_at AT TIME ZONE t.timezone)::date AS day, c.store_id
        FROM complaints_complaint c JOIN staff_store t ON t.id = c.store_id WHERE c.id = ANY(ids)
        ORDER BY 1, 2
    LOOP
        UPDATE recovery_facts_day r SET {_GRANTED_IN_DAY}
        FROM staff_store s
        WHERE s.id = r.store_id AND r.day = touched.day AND r.store_id = touched.store_id;
    END LOOP;
END
$$
"""


# The facts of these complaints, and the change to their days' sums: each day's row gains the new
# facts and loses the old (one statement; its CTEs see the facts as they were before it). Rows and
# days in key order, so that transactions touching the same ones lock them in the same order. The
# sums by kind and role come from the actions: counted again for the touched days when some were
# granted. Then the same customers' other complaints learn whether they are now repeats.
DELTA = f"""
    WITH old AS (
        SELECT f.* FROM recovery_complaintfacts f WHERE f.complaint_id = ANY(ids)
    ), new AS (
        INSERT INTO recovery_complaintfacts ({_FACT_COLUMNS})
        SELECT {_FACT_COLUMNS} FROM recovery_complaint_facts_source
        WHERE complaint_id = ANY(ids) ORDER BY complaint_id
        ON CONFLICT (complaint_id) DO UPDATE SET {_FACT_UPDATES}
        RETURNING *
    ), changed AS (
        SELECT 1 AS sign, new.* FROM new UNION ALL SELECT -1 AS sign, old.* FROM old
    ), dated AS (
        SELECT (f.created_at AT TIME ZONE s.timezone)::date AS day, {_BUCKETS}, f.*
        FROM changed f JOIN staff_store s ON s.id = f.store_id
    ), days AS (
        INSERT INTO recovery_facts_day (day, store_id, {", ".join(column for column, _ in SUMS)})
        SELECT f.day, f.store_id, {", ".join(aggregate for _, aggregate in SIGNED_SUMS)}
        FROM dated f GROUP BY f.day, f.store_id ORDER BY f.day, f.store_id
        ON CONFLICT (day, store_id) DO UPDATE SET
            {", ".join(f"{column} = recovery_facts_day.{column} + EXCLUDED.{column}" for column, _ in SUMS)}
    )
    INSERT INTO recovery_facts_day_category (day, store_id, category_id, volume)
    SELECT f.day, f.store_id, f.category_id, sum(f.sign) FROM dated f
    GROUP BY 1, 2, 3 HAVING sum(f.sign) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (day, store_id, category_id) DO UPDATE
        SET volume = recovery_facts_day_category.volume + EXCLUDED.volume
"""

NEIGHBOURS = """
    UPDATE recovery_complaintfacts f SET repeat_customer = v.repeat_customer, previous_at = v.previous_at
    FROM recovery_complaint_facts_source v
    WHERE v.complaint_id = f.complaint_id
      AND f.complaint_id IN (
          SELECT o.id FROM complaints_complaint c JOIN complaints_complaint o ON o.customer_id = c.customer_id
          WHERE c.id = ANY(ids) AND o.id NOT IN (SELECT unnest(ids))
      )
      AND (f.repeat_customer, f.previous_at) IS DISTINCT FROM (v.repeat_customer, v.previous_at)
"""


def _dynamic(statement: str) -> str:
    """The statement run with EXECUTE: planned for the ids it is given (a seeder's thousands)."""
    return f"EXECUTE $statement${statement.replace('ANY(ids)', 'ANY($1)').replace('unnest(ids)', 'unnest($1)')}$statement$ USING ids"


REFRESH = f"""
CREATE FUNCTION recovery_facts_refresh(ids uuid[], granted boolean) RETURNS void LANGUAGE plpgsql
-- Planning these statements costs ten times running them for one complaint: plan once per connection,
-- except for batches, whose best plan depends on their size.
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF cardinality(ids) > 32 THEN
        {_dynamic(DELTA)};
        {_dynamic(NEIGHBOURS)};
    ELSE
        {DELTA};
        {NEIGHBOURS};
    END IF;
    IF granted THEN
        PERFORM recovery_facts_day_regrant(ids);
    END IF;
END
$$
"""

# The facts' trigger now keeps the days' sums too.
TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION recovery_facts_after_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recovery_facts_refresh(
        ARRAY(SELECT DISTINCT complaint_id FROM added),
        EXISTS (SELECT 1 FROM added WHERE kind = 'compensation_granted')
    );
    RETURN NULL;
END
$$
"""

# Emptying the facts (a test database's flush) empties their sums too.
EMPTY_WITH_FACTS = """
CREATE FUNCTION recovery_facts_day_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE recovery_facts_day, recovery_facts_day_category;
    RETURN NULL;
END
$$;
CREATE TRIGGER recovery_facts_day_empty AFTER TRUNCATE ON recovery_complaintfacts
    FOR EACH STATEMENT EXECUTE FUNCTION recovery_facts_day_empty();
"""

FILL = "SELECT recovery_facts_day_refresh(ARRAY(SELECT id FROM complaints_complaint))"

PREVIOUS_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION recovery_facts_after_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recovery_facts_refresh(ARRAY(SELECT DISTINCT complaint_id FROM added));
    RETURN NULL;
END
$$
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (BUCKET_FUNCTION, TABLE, SUM_DAYS, REGRANT, REFRESH, TRIGGER_FUNCTION, EMPTY_WITH_FACTS, FILL):
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_TRIGGER_FUNCTION)
        schema_editor.execute("DROP TRIGGER recovery_facts_day_empty ON recovery_complaintfacts")
        schema_editor.execute("DROP FUNCTION recovery_facts_day_empty()")
        schema_editor.execute("DROP FUNCTION recovery_facts_refresh(uuid[], boolean)")
        schema_editor.execute("DROP FUNCTION recovery_facts_day_regrant(uuid[])")
        schema_editor.execute("DROP FUNCTION recovery_facts_day_refresh(uuid[])")
        schema_editor.execute("DROP TABLE recovery_facts_day, recovery_facts_day_category")
        schema_editor.execute("DROP FUNCTION recovery_time_bucket(float8)")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0006_complaint_facts_upkeep")]

    operations = [migrations.RunPython(install, uninstall)]
