"""The sweep's escalations update complaints in place (HOT, PostgreSQL): no index on the escalation
level, and room left on each page of the complaint table for a row's next version.

An update that changes an indexed column, or finds no room on its page, writes the row's entry into
every index of the table again (seventeen, a trigram index among them): it was the costliest statement
of a sweep batch. The level is read for the list's filter and ordering by it, which now read it from
the rows the other filters (store, status) leave: escalated complaints are open ones, few beside the
history. The fill factor holds for pages written from now on; the rows already stored gain the room
when the table is next rewritten (``VACUUM FULL complaints_complaint``, or pg_repack without the lock).
"""

from django.db import migrations

FILLFACTOR = 85


def fillfactor_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE complaints_complaint SET (fillfactor = {FILLFACTOR})")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE complaints_complaint RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0016_event_log_redaction")]

    operations = [
        migrations.RemoveIndex(model_name="complaint", name="complaint_escalation_idx"),
        migrations.RunPython(fillfactor_set, fillfactor_reset),
    ]
