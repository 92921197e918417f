"""Trigram indexes for the complaint list's search (PostgreSQL): a word found anywhere in the reference,
the description or the customer's name, without reading every complaint. Nothing on SQLite."""

from django.db import migrations

# The list's search matches this expression (complaints/filters.py): keep the two the same.
INDEXES = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX complaint_search_idx ON complaints_complaint
    USING gin ((UPPER(reference::text) || ' ' || UPPER(description)) gin_trgm_ops);
CREATE INDEX customer_name_search_idx ON complaints_customer USING gin (UPPER(name::text) gin_trgm_ops);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEXES)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX complaint_search_idx; DROP INDEX customer_name_search_idx;")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_deadline_elapsed_seconds")]

    operations = [migrations.RunPython(install, uninstall)]
