"""Make the event log append-only in the database itself (PostgreSQL): UPDATE and DELETE fail.

TRUNCATE is left alone, so that test databases can still be emptied between tests.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaint events are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER complaints_event_append_only
BEFORE UPDATE OR DELETE ON complaints_complaintevent
FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
