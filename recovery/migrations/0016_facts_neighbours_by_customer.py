"""The facts refresh finds a complaint's neighbours (its customer's other complaints) by the customer's index.

After writing a complaint's facts, ``recovery_facts_refresh`` tells its customer's other complaints whether
they are now repeats. It found them by joining every complaint to the refreshed ones on the customer: under
the function's generic plan, on tables of a few thousand rows, PostgreSQL read the whole complaints and facts
tables for it, on every event written (1.5 to 3 ms a create with a few thousand complaints, growing with
them, most of a create's time on the database; nothing to update for a new customer). The customers are
now taken first, their complaints looked up by the customer's index, and their facts by key.
"""

from importlib import import_module

from django.db import migrations

by_day = import_module("recovery.migrations.0007_complaint_facts_by_day")

NEIGHBOURS = """
    UPDATE recovery_complaintfacts f SET repeat_customer = v.repeat_customer, previous_at = v.previous_at
    FROM recovery_complaint_facts_source v
    WHERE v.complaint_id = f.complaint_id
      AND f.complaint_id = ANY(ARRAY(
          SELECT o.id FROM complaints_complaint o
          WHERE o.customer_id = ANY(ARRAY(
              SELECT c.customer_id FROM complaints_complaint c WHERE c.id = ANY(ids) AND c.customer_id IS NOT NULL
          ))
            AND NOT o.id = ANY(ids)
      ))
      AND (f.repeat_customer, f.previous_at) IS DISTINCT FROM (v.repeat_customer, v.previous_at)
"""


def _refresh(neighbours: str) -> str:
    """0007's refresh with ``neighbours`` for its NEIGHBOURS statement, replacing the function in place."""
    refresh = by_day.REFRESH.replace(by_day._dynamic(by_day.NEIGHBOURS), by_day._dynamic(neighbours))
    refresh = refresh.replace(by_day.NEIGHBOURS, neighbours)
    assert refresh.count(neighbours) == 1, "0007's NEIGHBOURS not found in its REFRESH"
    return refresh.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


# CREATE OR REPLACE takes the function's settings from its definition: 0009's ``jit = off`` is set again.
JIT_OFF = "ALTER FUNCTION recovery_facts_refresh(uuid[], boolean) SET jit = off"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_refresh(NEIGHBOURS))
        schema_editor.execute(JIT_OFF)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_refresh(by_day.NEIGHBOURS))
        schema_editor.execute(JIT_OFF)


class Migration(migrations.Migration):
    dependencies = [("recovery", "0015_facts_previous_at_without_customer")]

    operations = [migrations.RunPython(install, uninstall)]
