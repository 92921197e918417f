"""The complaints' hand-written database objects, as their one current text (installed by
``core.installed_sql.InstallSQL("complaints.sql", …)``): the event log's append-only guard, the search's
trigram indexes, an index Django cannot declare, and the complaint table's storage setting.
"""

from core.installed_sql import SqlSet

# The list's latest-due-first ordering across stores, complaints without a due time last.
COMPLAINT_DUE_DESCENDING_INDEX = (
    "CREATE INDEX IF NOT EXISTS complaint_due_desc_idx ON complaints_complaint (next_due_at DESC NULLS LAST, id DESC)"
)


def complaint_search_text(table: str = "") -> str:
    """What the list's search matches of a complaint (complaints/filters.py), as its trigram index holds it: its
    reference and description, upper-cased. ``table``: the complaints' table name, in a query that joins others."""
    column = f"{table}." if table else ""
    return f"(UPPER({column}reference::text) || ' ' || UPPER({column}description))"


def customer_search_text(table: str = "") -> str:
    """What the search matches of a customer, as its trigram index holds it: the name, upper-cased."""
    column = f"{table}." if table else ""
    return f"UPPER({column}name::text)"


# The sweep's escalations update complaints in place (HOT): room left on each page for a row's next version
# (an update that finds none writes the row again into every index of the table, a trigram index among them).
# It holds for pages written from now on; rows already stored gain the room when the table is rewritten.
COMPLAINT_FILLFACTOR = 85

# The event log is append-only: UPDATE and DELETE fail, with one sanctioned exception: forgetting a customer
# removes the words typed into their complaints' events (``complaints.events.events_redact``), which says so
# with ``SET LOCAL complaints.event_redaction = 'on'``, and only the data changes. TRUNCATE is left alone, so
# that test databases can be emptied.
EVENT_LOG_GUARD = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND current_setting('complaints.event_redaction', true) = 'on'
        AND NEW.id = OLD.id
        AND NEW.complaint_id = OLD.complaint_id
        AND NEW.kind = OLD.kind
        AND NEW.at = OLD.at
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.status_before = OLD.status_before
        AND NEW.status_after = OLD.status_after
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'complaint events are append-only (% refused)', TG_OP;
END
$$
"""

EVENT_LOG_TRIGGER = """
CREATE OR REPLACE TRIGGER complaints_event_append_only
BEFORE UPDATE OR DELETE ON complaints_complaintevent
FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only()
"""

SQL = SqlSet(
    statements=(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS complaint_search_idx ON complaints_complaint "
        f"USING gin ({complaint_search_text()} gin_trgm_ops)",
        f"CREATE INDEX IF NOT EXISTS customer_name_search_idx ON complaints_customer "
        f"USING gin ({customer_search_text()} gin_trgm_ops)",
        COMPLAINT_DUE_DESCENDING_INDEX,
        f"ALTER TABLE complaints_complaint SET (fillfactor = {COMPLAINT_FILLFACTOR})",
        EVENT_LOG_GUARD,
        EVENT_LOG_TRIGGER,
    ),
)
