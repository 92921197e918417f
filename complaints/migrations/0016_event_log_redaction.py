"""The event log stays append-only, with one sanctioned exception: forgetting a customer removes the
words typed into their complaints' events (``complaints.events.events_redact``). The trigger lets an
UPDATE through only when that transaction says so (``SET LOCAL complaints.event_redaction = 'on'``)
and only the data changes: every event keeps its complaint, kind, time, actor and statuses. DELETE
is still refused. PostgreSQL only, as the trigger is."""

from django.db import migrations

REDACTABLE = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
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
    RAISE EXCEPTION 'complaint events are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaint events are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def redactable(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REDACTABLE)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_complaint_store_assignee_without_own_index")]

    operations = [migrations.RunPython(redactable, append_only)]
