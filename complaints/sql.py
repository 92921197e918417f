"""The complaints' hand-written database objects, as their one current text (installed by
``core.installed_sql.InstallSQL("complaints.sql", …)``): the event log's append-only guard and its one sanctioned
change (forgetting a customer), the search's trigram indexes, an index Django cannot declare, and the complaint
table's storage setting.
"""

from complaints.events import REMOVED, TYPED_KEYS
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

# The event log is append-only: UPDATE and DELETE fail, whoever asks, with one exception: forgetting a customer
# removes the words typed into their complaints' events, and nothing else. The trigger checks the change itself (the
# data becomes what ``EVENT_DATA_REDACTED`` makes of it, the rest stays, the complaint's customer is forgotten), so no
# setting or role lets a session rewrite what happened. The runtime role may not UPDATE the table at all
# (``core.database_roles``): it redacts through ``CUSTOMER_EVENTS_REDACT`` alone. TRUNCATE is refused by privilege
# only (the runtime role has none), so that test databases can be emptied.
EVENT_LOG_GUARD = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.id = OLD.id
        AND NEW.complaint_id = OLD.complaint_id
        AND NEW.kind = OLD.kind
        AND NEW.at = OLD.at
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.status_before = OLD.status_before
        AND NEW.status_after = OLD.status_after
        AND NEW.data = complaints_event_data_redacted(OLD.data)
        AND EXISTS (
            SELECT 1 FROM complaints_complaint complaint JOIN complaints_customer customer
                ON customer.id = complaint.customer_id
            WHERE complaint.id = NEW.complaint_id AND customer.anonymized_at IS NOT NULL
        )
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

# An event's data with what was typed into it removed, wherever it stands (compensation lines nest it): a non-empty
# string under one of ``TYPED_KEYS`` becomes ``REMOVED``; figures, codes and everything else stay.
_TYPED_KEYS = ", ".join(f"'{key}'" for key in sorted(TYPED_KEYS))
EVENT_DATA_REDACTED = f"""
CREATE OR REPLACE FUNCTION complaints_event_data_redacted(value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        RETURN coalesce(
            (SELECT jsonb_object_agg(entry.key, CASE
                WHEN entry.key IN ({_TYPED_KEYS}) AND jsonb_typeof(entry.value) = 'string' AND entry.value <> '""'
                THEN to_jsonb('{REMOVED}'::text)
                ELSE complaints_event_data_redacted(entry.value)
            END) FROM jsonb_each(value) AS entry),
            '{{}}'::jsonb
        );
    WHEN 'array' THEN
        RETURN coalesce(
            (SELECT jsonb_agg(complaints_event_data_redacted(element.value) ORDER BY element.position)
             FROM jsonb_array_elements(value) WITH ORDINALITY AS element(value, position)),
            '[]'::jsonb
        );
    ELSE
        RETURN value;
    END CASE;
END
$$
"""

# The log's one sanctioned change, for its one purpose: the events of a customer who is forgotten (marked so in the
# same transaction) lose what was typed into them. It runs as its owner, the role that owns the log: the runtime
# role, which may not UPDATE events, may call it, and it refuses a customer who is not forgotten.
CUSTOMER_EVENTS_REDACT = """
CREATE OR REPLACE FUNCTION complaints_customer_events_redact(forgotten bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM complaints_customer WHERE id = forgotten AND anonymized_at IS NOT NULL) THEN
        RAISE EXCEPTION 'customer % is not forgotten: the events of their complaints stay as they are', forgotten;
    END IF;
    UPDATE complaints_complaintevent event SET data = complaints_event_data_redacted(event.data)
    FROM complaints_complaint complaint
    WHERE complaint.customer_id = forgotten AND event.complaint_id = complaint.id
      AND event.data <> complaints_event_data_redacted(event.data);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$
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
        EVENT_DATA_REDACTED,
        EVENT_LOG_GUARD,
        EVENT_LOG_TRIGGER,
        CUSTOMER_EVENTS_REDACT,
    ),
)
