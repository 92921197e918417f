"""The complaint's store and assignee lose their own indexes (on PostgreSQL): complaint_store_status_idx and
complaint_assignee_idx begin with those columns and serve the same lookups, while every index more is
written again by each update that cannot be HOT (the sweep's escalations, every step). SQLite keeps them:
dropping them there would rebuild the table under recovery's facts view, for nothing worth having."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("store_id", "assignee_id")


def own_indexes_drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "complaints_complaint")
    for name, constraint in constraints.items():
        if constraint["index"] and not constraint["unique"] and tuple(constraint["columns"]) in {(c,) for c in COLUMNS}:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def own_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"CREATE INDEX complaints_complaint_{column} ON complaints_complaint ({column})")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_customer_tiers_and_anonymization"),
        ("staff", "0005_store_public_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="assignee",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assigned_complaints",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to="staff.store",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(own_indexes_drop, own_indexes_create)],
        ),
    ]
