"""A complaint just logged adds its facts and its day's few sums, not the whole refresh.

Every create writes one ``logged`` event, and its trigger refreshed the facts the whole way: the old
facts (none), the new ones, and the day's two hundred sums as their difference. A complaint with
nothing done yet adds to its day's volume, its SERVQUAL dimension's count and its blueprint area's,
and to its category's volume; every other sum of it is zero. That refresh ran inside the intake's
one statement, while the store's reference counter and its day's row are held, so every create of
a store waited for it. A statement whose events are all ``logged`` now inserts the facts of those
complaints that are just logged (from the same view) and adds those few sums; any complaint with a
facts row already, or with anything done, goes the whole way as before.
"""

from importlib import import_module

from django.db import migrations

by_day = import_module("recovery.migrations.0007_complaint_facts_by_day")
relevel = import_module("recovery.migrations.0014_facts_relevel")
neighbours = import_module("recovery.migrations.0016_facts_neighbours_by_customer")

# The facts ``v`` of a complaint with nothing done yet: of the day's sums it counts in these alone.
_JUST_LOGGED = " AND ".join(
    [
        "NOT (v.closed OR v.responded OR v.followed_up OR v.reopened OR v.first_contact)",
        "v.satisfaction IS NULL",
        *(f"v.{field}_seconds IS NULL" for field in by_day.TIMED),
        "v.max_level = 0",
        *(f"v.{step}_{outcome} = 0" for step in by_day.STEPS for outcome in ("met", "late")),
        "v.granted_count = 0 AND v.granted_total = 0 AND v.granted_outside = 0",
        "v.approvals_requested = 0 AND v.approvals_approved = 0 AND v.approvals_rejected = 0",
    ]
)
_COUNTS = [
    ("volume", "count(*)"),
    *(
        (f"servqual_{value}", f"count(*) FILTER (WHERE n.servqual_dimension = '{value}')")
        for value in by_day.SERVQUAL_DIMENSIONS
    ),
    *(
        (f"blueprint_{value}", f"count(*) FILTER (WHERE n.blueprint_area = '{value}')")
        for value in by_day.BLUEPRINT_AREAS
    ),
]


def neighbours_if_any(ids: str) -> str:
    """0016's update of the customers' other complaints for the complaints in the array ``ids``, when they have any:
    most customers are new, and have none, and the update's plan (the facts view's) costs more to set up than to
    run. PL/pgSQL."""
    return f"""IF EXISTS (
        SELECT 1 FROM complaints_complaint c JOIN complaints_complaint o ON o.customer_id = c.customer_id
        WHERE c.id = ANY({ids}) AND NOT o.id = ANY({ids})
    ) THEN
        {neighbours.NEIGHBOURS.replace("ANY(ids)", f"ANY({ids})").strip()};
    END IF;"""


# The facts of the complaints ``ids`` that are just logged and have none yet, and what they add to their
# days and categories, in key order as every writer of them locks them. Then selected: those complaints.
_LOG = f"""
    WITH new AS (
        INSERT INTO recovery_complaintfacts ({by_day._FACT_COLUMNS})
        SELECT {by_day._FACT_COLUMNS} FROM recovery_complaint_facts_source v
        WHERE v.complaint_id = ANY(ids) AND {_JUST_LOGGED}
        ORDER BY v.complaint_id
        ON CONFLICT (complaint_id) DO NOTHING
        RETURNING complaint_id, store_id, category_id, servqual_dimension, blueprint_area, created_at
    ), dated AS (
        SELECT (n.created_at AT TIME ZONE s.timezone)::date AS day, n.*
        FROM new n JOIN staff_store s ON s.id = n.store_id
    ), days AS (
        INSERT INTO recovery_facts_day (day, store_id, {", ".join(column for column, _ in _COUNTS)})
        SELECT n.day, n.store_id, {", ".join(count for _, count in _COUNTS)}
        FROM dated n GROUP BY n.day, n.store_id ORDER BY n.day, n.store_id
        ON CONFLICT (day, store_id) DO UPDATE SET
            {", ".join(f"{column} = recovery_facts_day.{column} + EXCLUDED.{column}" for column, _ in _COUNTS)}
    ), categories AS (
        INSERT INTO recovery_facts_day_category (day, store_id, category_id, volume)
        SELECT n.day, n.store_id, n.category_id, count(*) FROM dated n GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, store_id, category_id) DO UPDATE
            SET volume = recovery_facts_day_category.volume + EXCLUDED.volume
    )"""
_LOGGED = "coalesce(array_agg(complaint_id), '{}')"

FUNCTION = f"""
CREATE FUNCTION recovery_facts_log(ids uuid[]) RETURNS uuid[] LANGUAGE plpgsql
-- As recovery_facts_refresh: planned once per connection for one complaint, per call for a batch.
SET jit = off SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    logged uuid[];
BEGIN
    IF cardinality(ids) > 32 THEN
        EXECUTE $statement${_LOG.replace("ANY(ids)", "ANY($1)")} SELECT {_LOGGED} FROM new$statement$ INTO logged USING ids;
    ELSE
        {_LOG} SELECT {_LOGGED} INTO logged FROM new;
    END IF;
    -- Their customers' other complaints may now be repeats.
    {neighbours_if_any("logged")}
    -- The rest take the whole refresh.
    RETURN ARRAY(SELECT unnest(ids) EXCEPT SELECT unnest(logged));
END
$$
"""

# 0014's trigger, with the short way for a statement of ``logged`` events beside the escalations'.
_ESCALATIONS_ONLY = """
    IF NOT EXISTS (SELECT 1 FROM added WHERE kind <> 'escalated') THEN
        ids := recovery_facts_relevel(ids);
        IF cardinality(ids) = 0 THEN
            RETURN NULL;
        END IF;
    END IF;
"""
_ESCALATIONS_OR_LOGGED_ONLY = """
    IF NOT EXISTS (SELECT 1 FROM added WHERE kind <> 'escalated') THEN
        ids := recovery_facts_relevel(ids);
    ELSIF NOT EXISTS (SELECT 1 FROM added WHERE kind <> 'logged') THEN
        ids := recovery_facts_log(ids);
    END IF;
    IF cardinality(ids) = 0 THEN
        RETURN NULL;
    END IF;
"""
assert relevel.TRIGGER_FUNCTION.count(_ESCALATIONS_ONLY) == 1, "0014's trigger has changed"
TRIGGER_FUNCTION = relevel.TRIGGER_FUNCTION.replace(_ESCALATIONS_ONLY, _ESCALATIONS_OR_LOGGED_ONLY)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TRIGGER_FUNCTION)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(relevel.TRIGGER_FUNCTION)
        schema_editor.execute("DROP FUNCTION recovery_facts_log(uuid[])")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0016_facts_neighbours_by_customer")]

    operations = [migrations.RunPython(install, uninstall)]
