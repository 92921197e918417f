"""Escalations refresh only the facts they change.

An ``escalated`` event raises one deadline's level and nothing else the facts are made of: for an
open complaint only ``max_level`` moves, and with it its day's ``escalated`` and ``level_N`` sums.
The sweep writes such events for hundreds of complaints a batch, and recomputing their whole facts
(the facts view's joins, the repeat customers, the day's two hundred sums) was the largest part of
its time on the database. A statement whose events are all escalations now takes that short way for
the complaints whose facts row exists and is open; any other complaint, and any other statement,
goes the whole way as before.
"""

from importlib import import_module

from django.db import migrations

fill = import_module("recovery.migrations.0008_complaint_facts_fill")

RELEVEL = """
CREATE FUNCTION recovery_facts_relevel(ids uuid[]) RETURNS uuid[] LANGUAGE plpgsql
-- Its statements look a batch's few hundred rows up by key. On tables of some ten thousand rows the
-- planner chose to hash the whole facts table instead, which took three times as long.
SET jit = off SET enable_hashjoin = off AS $$
DECLARE
    rest uuid[];
BEGIN
    -- The complaints it cannot take: no facts yet (a seeder deferred them), or closed (first contact
    -- also reads the level there).
    rest := ARRAY(
        SELECT i.id FROM unnest(ids) AS i(id)
        LEFT JOIN recovery_complaintfacts f ON f.complaint_id = i.id AND NOT f.closed
        WHERE f.complaint_id IS NULL
    );
    -- The facts' max_level as the facts view counts it, then each day's sums moved by the change
    -- (the FROM's second copy of a facts row is the row before this statement). Days in key order, as
    -- every writer of them locks them.
    WITH levels AS MATERIALIZED (
        SELECT i.id AS complaint_id,
            (SELECT coalesce(max(x.level), 0) FROM complaints_deadline x WHERE x.complaint_id = i.id)::smallint AS max_level
        FROM unnest(ids) AS i(id) WHERE i.id <> ALL(rest)
    ), moved AS (
        UPDATE recovery_complaintfacts f SET max_level = l.max_level
        FROM levels l JOIN recovery_complaintfacts o ON o.complaint_id = l.complaint_id
        WHERE f.complaint_id = l.complaint_id AND f.max_level <> l.max_level
        RETURNING f.store_id, f.created_at, o.max_level AS before, l.max_level AS after
    ), delta AS (
        SELECT (m.created_at AT TIME ZONE s.timezone)::date AS day, m.store_id,
            sum((m.after >= 1)::int - (m.before >= 1)::int) AS escalated,
            sum((m.after = 1)::int - (m.before = 1)::int) AS level_1,
            sum((m.after = 2)::int - (m.before = 2)::int) AS level_2,
            sum((m.after = 3)::int - (m.before = 3)::int) AS level_3
        FROM moved m JOIN staff_store s ON s.id = m.store_id
        GROUP BY 1, 2
    )
    INSERT INTO recovery_facts_day (day, store_id, escalated, level_1, level_2, level_3)
    SELECT day, store_id, escalated, level_1, level_2, level_3 FROM delta
    WHERE (escalated, level_1, level_2, level_3) <> (0, 0, 0, 0)
    ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
        escalated = recovery_facts_day.escalated + EXCLUDED.escalated,
        level_1 = recovery_facts_day.level_1 + EXCLUDED.level_1,
        level_2 = recovery_facts_day.level_2 + EXCLUDED.level_2,
        level_3 = recovery_facts_day.level_3 + EXCLUDED.level_3;
    RETURN rest;
END
$$
"""

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION recovery_facts_after_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[] := ARRAY(SELECT DISTINCT complaint_id FROM added);
BEGIN
    IF current_setting('recovery.facts_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM added WHERE kind <> 'escalated') THEN
        ids := recovery_facts_relevel(ids);
        IF cardinality(ids) = 0 THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM recovery_facts_refresh(ids, EXISTS (SELECT 1 FROM added WHERE kind = 'compensation_granted'));
    RETURN NULL;
END
$$
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RELEVEL)
        schema_editor.execute(TRIGGER_FUNCTION)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(fill.TRIGGER_FUNCTION)
        schema_editor.execute("DROP FUNCTION recovery_facts_relevel(uuid[])")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0013_fk_indexes_covered")]

    operations = [migrations.RunPython(install, uninstall)]
