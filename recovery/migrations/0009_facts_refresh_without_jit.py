"""Refreshing a batch's facts without JIT compilation.

The statements of ``recovery_facts_refresh`` are estimated from the facts view's subqueries: with a
few hundred complaints at once (the sweep's batch of escalations) and a large event log, the estimate
crosses ``jit_above_cost`` and PostgreSQL spent about 200 ms compiling a statement that runs in 10.
"""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION recovery_facts_refresh(uuid[], boolean) SET jit = off")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION recovery_facts_refresh(uuid[], boolean) RESET jit")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0008_complaint_facts_fill")]

    operations = [migrations.RunPython(install, uninstall)]
