"""A bulk writer (the volume seeder) can defer the facts' upkeep and fill them in once at the end, set
by set, instead of refreshing them for every batch of events it writes.

``SET LOCAL recovery.facts_deferred = 'on'`` makes the events trigger skip its refresh for that
transaction. ``recovery_facts_fill()`` then gives every complaint without facts its facts (from the
same view as the trigger), updates their customers' other complaints, and counts the days they were
logged on again, each day's sums in one grouped statement. Counting a day again gives the same sums
as keeping it by difference. The fill is idempotent: it finds its work by what has no facts, so an
interrupted seed is caught up by the next fill. PostgreSQL only, as the facts are.
"""

from importlib import import_module

from django.db import migrations

by_day = import_module("recovery.migrations.0007_complaint_facts_by_day")

_SUM_COLUMNS = ", ".join(column for column, _ in by_day.SUMS)
_GRANTED_COLUMNS = ", ".join(column for column, _ in by_day.GRANTED)
# The facts of the day ``r``, a row of the touched days carrying its bounds: a range on the store's
# facts index, not a time-zone conversion of every fact.
_IN_DAY = "f.store_id = r.store_id AND f.created_at >= r.starts AND f.created_at < r.ends"

FILL = f"""
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
        INSERT INTO recovery_complaintfacts ({by_day._FACT_COLUMNS})
        SELECT {by_day._FACT_COLUMNS} FROM recovery_complaint_facts_source v
        WHERE NOT EXISTS (SELECT 1 FROM recovery_complaintfacts f WHERE f.complaint_id = v.complaint_id)
        ORDER BY v.complaint_id
        -- A complaint changed meanwhile got its facts from the trigger, and its day the change.
        ON CONFLICT (complaint_id) DO NOTHING
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

    -- The touched days, locked in key order before they are counted again: the count taken after the
    -- lock sees every transaction that changed the day before.
    INSERT INTO recovery_facts_day (store_id, day) SELECT store_id, day FROM recovery_facts_touched
    ORDER BY day, store_id ON CONFLICT DO NOTHING;
    PERFORM 1 FROM recovery_facts_day r JOIN recovery_facts_touched t USING (day, store_id)
    ORDER BY r.day, r.store_id FOR UPDATE OF r;

    UPDATE recovery_facts_day r SET
        ({_SUM_COLUMNS}) = ({", ".join(f"g.{column}" for column, _ in by_day.SUMS)}),
        ({_GRANTED_COLUMNS}) = ({", ".join(f"coalesce(k.{column}, 0)" for column, _ in by_day.GRANTED)})
    FROM (
        SELECT r.day, r.store_id, {", ".join(f"{aggregate} AS {column}" for column, aggregate in by_day.SUMS)}
        FROM recovery_facts_touched r
        JOIN (SELECT {by_day._BUCKETS}, f.* FROM recovery_complaintfacts f) f ON {_IN_DAY}
        GROUP BY r.day, r.store_id
    ) g
    LEFT JOIN (
        SELECT r.day, r.store_id, {", ".join(f"{aggregate} AS {column}" for column, aggregate in by_day.GRANTED)}
        FROM recovery_facts_touched r
        JOIN recovery_complaintfacts f ON {_IN_DAY}
        JOIN recovery_compensationaction a ON a.complaint_id = f.complaint_id AND a.status = 'granted'
        JOIN staff_user u ON u.id = a.granted_by_id
        GROUP BY r.day, r.store_id
    ) k ON k.day = g.day AND k.store_id = g.store_id
    WHERE r.day = g.day AND r.store_id = g.store_id;

    DELETE FROM recovery_facts_day_category c USING recovery_facts_touched t
    WHERE c.day = t.day AND c.store_id = t.store_id;
    INSERT INTO recovery_facts_day_category (day, store_id, category_id, volume)
    SELECT r.day, r.store_id, f.category_id, count(*)
    FROM recovery_facts_touched r JOIN recovery_complaintfacts f ON {_IN_DAY}
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    RETURN filled;
END
$$
"""

# The trigger of 0007, skipped where the writer deferred it.
TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION recovery_facts_after_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('recovery.facts_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM recovery_facts_refresh(
        ARRAY(SELECT DISTINCT complaint_id FROM added),
        EXISTS (SELECT 1 FROM added WHERE kind = 'compensation_granted')
    );
    RETURN NULL;
END
$$
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)
        schema_editor.execute(TRIGGER_FUNCTION)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(by_day.TRIGGER_FUNCTION)
        schema_editor.execute("DROP FUNCTION recovery_facts_fill()")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0007_complaint_facts_by_day")]

    operations = [migrations.RunPython(install, uninstall)]
