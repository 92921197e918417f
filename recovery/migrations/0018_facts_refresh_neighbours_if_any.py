"""The facts refresh looks for the customers' other complaints before updating them, as logging does (0017).

Every step of a complaint (apologize, respond, close, …) writes an event, and its refresh ran the update of the
customer's other complaints each time: for a customer with no other complaint, or a complaint with no customer,
a plan (the facts view's) set up to find nothing. The refresh of a few complaints now asks first; a batch's
(over 32) runs the update as before.
"""

from importlib import import_module

from django.db import migrations

neighbours = import_module("recovery.migrations.0016_facts_neighbours_by_customer")
on_logging = import_module("recovery.migrations.0017_facts_on_logging")

_UPDATE = f"{neighbours.NEIGHBOURS};"
_REFRESH = neighbours._refresh(neighbours.NEIGHBOURS)
assert _REFRESH.count(_UPDATE) == 1, "0016's refresh runs its update for a few complaints once"
REFRESH = _REFRESH.replace(_UPDATE, on_logging.neighbours_if_any("ids"))


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFRESH)
        schema_editor.execute(neighbours.JIT_OFF)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_REFRESH)
        schema_editor.execute(neighbours.JIT_OFF)


class Migration(migrations.Migration):
    dependencies = [("recovery", "0017_facts_on_logging")]

    operations = [migrations.RunPython(install, uninstall)]
