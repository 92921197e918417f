"""PostgreSQL keeps ``recovery_complaintfacts`` current: a view computes a complaint's facts from its
records, and writing events (the last write of every change to a complaint) refreshes the facts of
their complaints, in the same statement's transaction. Existing complaints are filled in once here.

SQLite gets the view alone (no LATERAL there: a subquery per column), which its metrics read directly.
"""

from django.db import migrations, models

COLUMNS = (
    "complaint_id, store_id, category_id, channel, severity, stage, servqual_dimension, blueprint_area, "
    "created_at, customer_id, closed, responded, followed_up, reopened, satisfaction, "
    "apologize_seconds, respond_seconds, close_seconds, apologize_met, apologize_late, respond_met, "
    "respond_late, follow_up_met, follow_up_late, approval_met, approval_late, max_level, first_contact, "
    "granted_total, granted_count, granted_outside, approvals_requested, approvals_approved, "
    "approvals_rejected, repeat_customer, previous_at"
)


def _met_late(step: str) -> str:
    done = f"x.closed_at IS NOT NULL AND x.step = '{step}'"
    return (
        f"count(*) FILTER (WHERE {done} AND x.elapsed_seconds <= x.window_seconds)::smallint AS {step}_met, "
        f"count(*) FILTER (WHERE {done} AND x.elapsed_seconds > x.window_seconds)::smallint AS {step}_late"
    )


SOURCE_VIEW = f"""
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
    d.apologize_met, d.apologize_late, d.respond_met, d.respond_late,
    d.follow_up_met, d.follow_up_late, d.approval_met, d.approval_late,
    d.max_level,
    coalesce(
        c.closed_at IS NOT NULL AND d.max_level = 0 AND a.requested = 0
        AND (
            SELECT e.actor_id FROM complaints_complaintevent e
            WHERE e.complaint_id = c.id AND e.kind = 'closed' ORDER BY e.at DESC, e.id DESC LIMIT 1
        ) = c.created_by_id,
        false
    ) AS first_contact,
    g.granted_total, g.granted_count, g.granted_outside,
    a.requested AS approvals_requested, a.approved AS approvals_approved, a.rejected AS approvals_rejected,
    c.customer_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND o.id <> c.id
          AND o.created_at > c.created_at - interval '90 days' AND o.created_at < c.created_at + interval '90 days'
    ) AS repeat_customer,
    (
        SELECT max(o.created_at) FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND (o.created_at, o.id) < (c.created_at, c.id)
    ) AS previous_at
FROM complaints_complaint c
CROSS JOIN LATERAL (
    SELECT
        max(x.elapsed_seconds) FILTER (WHERE x.step = 'apologize' AND x.cycle = 0) AS apologize_seconds,
        max(x.elapsed_seconds) FILTER (WHERE x.step = 'respond' AND x.cycle = 0) AS respond_seconds,
        {_met_late("apologize")}, {_met_late("respond")}, {_met_late("follow_up")}, {_met_late("approval")},
        coalesce(max(x.level), 0)::smallint AS max_level
    FROM complaints_deadline x WHERE x.complaint_id = c.id
) d
CROSS JOIN LATERAL (
    SELECT coalesce(sum(y.amount), 0)::numeric(12, 2) AS granted_total, count(*)::smallint AS granted_count,
           count(*) FILTER (WHERE y.outside_guideline)::smallint AS granted_outside
    FROM recovery_compensationaction y WHERE y.complaint_id = c.id AND y.status = 'granted'
) g
CROSS JOIN LATERAL (
    SELECT count(*)::smallint AS requested,
           count(*) FILTER (WHERE z.status = 'approved')::smallint AS approved,
           count(*) FILTER (WHERE z.status = 'rejected')::smallint AS rejected
    FROM recovery_approvalrequest z WHERE z.complaint_id = c.id
) a
"""


def _sqlite_count(step: str, outcome: str) -> str:
    compare = "<=" if outcome == "met" else ">"
    return (
        f"(SELECT count(*) FROM complaints_deadline x WHERE x.complaint_id = c.id AND x.step = '{step}' "
        f"AND x.closed_at IS NOT NULL AND x.elapsed_seconds {compare} x.window_seconds) AS {step}_{outcome}"
    )


_STEP_COUNTS = ",\n    ".join(
    _sqlite_count(step, outcome)
    for step in ("apologize", "respond", "follow_up", "approval")
    for outcome in ("met", "late")
)

SQLITE_VIEW = f"""
CREATE VIEW recovery_complaint_facts_source AS
SELECT f.*,
    f.closed AND f.max_level = 0 AND f.approvals_requested = 0 AND coalesce(f.closed_by = f.created_by_id, 0)
        AS first_contact
FROM (
SELECT
    c.id AS complaint_id, c.store_id, c.category_id, c.channel, c.severity, c.stage,
    c.servqual_dimension, c.blueprint_area, c.created_at, c.customer_id, c.created_by_id,
    c.closed_at IS NOT NULL AS closed,
    c.responded_at IS NOT NULL AS responded,
    c.responded_at IS NOT NULL AND c.followed_up_at IS NOT NULL AS followed_up,
    c.reopened_at IS NOT NULL AS reopened,
    c.satisfaction,
    (SELECT x.elapsed_seconds FROM complaints_deadline x
     WHERE x.complaint_id = c.id AND x.step = 'apologize' AND x.cycle = 0) AS apologize_seconds,
    (SELECT x.elapsed_seconds FROM complaints_deadline x
     WHERE x.complaint_id = c.id AND x.step = 'respond' AND x.cycle = 0) AS respond_seconds,
    (julianday(c.closed_at) - julianday(c.created_at)) * 86400.0 AS close_seconds,
    {_STEP_COUNTS},
    coalesce((SELECT max(x.level) FROM complaints_deadline x WHERE x.complaint_id = c.id), 0) AS max_level,
    (SELECT e.actor_id FROM complaints_complaintevent e
     WHERE e.complaint_id = c.id AND e.kind = 'closed' ORDER BY e.at DESC, e.id DESC LIMIT 1) AS closed_by,
    (SELECT coalesce(sum(y.amount), 0) FROM recovery_compensationaction y
     WHERE y.complaint_id = c.id AND y.status = 'granted') AS granted_total,
    (SELECT count(*) FROM recovery_compensationaction y
     WHERE y.complaint_id = c.id AND y.status = 'granted') AS granted_count,
    (SELECT count(*) FROM recovery_compensationaction y
     WHERE y.complaint_id = c.id AND y.status = 'granted' AND y.outside_guideline) AS granted_outside,
    (SELECT count(*) FROM recovery_approvalrequest z WHERE z.complaint_id = c.id) AS approvals_requested,
    (SELECT count(*) FROM recovery_approvalrequest z
     WHERE z.complaint_id = c.id AND z.status = 'approved') AS approvals_approved,
    (SELECT count(*) FROM recovery_approvalrequest z
     WHERE z.complaint_id = c.id AND z.status = 'rejected') AS approvals_rejected,
    c.customer_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND o.id <> c.id
          AND julianday(o.created_at) > julianday(c.created_at) - 90
          AND julianday(o.created_at) < julianday(c.created_at) + 90
    ) AS repeat_customer,
    (
        SELECT max(o.created_at) FROM complaints_complaint o
        WHERE o.customer_id = c.customer_id AND (o.created_at, o.id) < (c.created_at, c.id)
    ) AS previous_at
FROM complaints_complaint c
) f
"""

_UPDATES = ", ".join(f"{column} = EXCLUDED.{column}" for column in COLUMNS.split(", ")[1:])

# The facts of these complaints and of their customers' other complaints (a new complaint makes its
# neighbours repeats, and may come before a later one). Rows in key order, so that two transactions
# refreshing overlapping complaints lock them in the same order.
REFRESH_FUNCTION = f"""
CREATE FUNCTION recovery_facts_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO recovery_complaintfacts ({COLUMNS})
    SELECT {COLUMNS} FROM recovery_complaint_facts_source
    WHERE complaint_id IN (
        SELECT unnest(ids)
        UNION
        SELECT o.id FROM complaints_complaint c JOIN complaints_complaint o ON o.customer_id = c.customer_id
        WHERE c.id IN (SELECT unnest(ids))
    )
    ORDER BY complaint_id
    ON CONFLICT (complaint_id) DO UPDATE SET {_UPDATES};
$$
"""

TRIGGER = """
CREATE FUNCTION recovery_facts_after_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recovery_facts_refresh(ARRAY(SELECT DISTINCT complaint_id FROM added));
    RETURN NULL;
END
$$;
CREATE TRIGGER recovery_facts_after_events
    AFTER INSERT ON complaints_complaintevent
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION recovery_facts_after_events();
"""

FILL = "SELECT recovery_facts_refresh(ARRAY(SELECT id FROM complaints_complaint))"

DROP = """
DROP TRIGGER IF EXISTS recovery_facts_after_events ON complaints_complaintevent;
DROP FUNCTION IF EXISTS recovery_facts_after_events();
DROP FUNCTION IF EXISTS recovery_facts_refresh(uuid[]);
DROP VIEW IF EXISTS recovery_complaint_facts_source;
"""


def approvals_date(apps, schema_editor):
    """Requests made before ``complaint_logged_at`` existed get their complaint's time of logging."""
    ApprovalRequest = apps.get_model("recovery", "ApprovalRequest")
    Complaint = apps.get_model("complaints", "Complaint")
    logged = Complaint.objects.filter(pk=models.OuterRef("complaint_id")).values("created_at")[:1]
    ApprovalRequest.objects.filter(complaint_logged_at__isnull=True).update(complaint_logged_at=models.Subquery(logged))


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (SOURCE_VIEW, REFRESH_FUNCTION, TRIGGER, FILL):
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE_VIEW)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    else:
        schema_editor.execute("DROP VIEW IF EXISTS recovery_complaint_facts_source")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0005_complaint_facts")]

    operations = [
        migrations.RunPython(approvals_date, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
