"""``Complaint.next_due_at``: the earliest due time of a complaint's running deadlines, kept with them, so
that the lists order by due time and find the overdue through an index instead of a subquery per row;
and an index per ordering of the list across stores (the key, then the primary key that breaks ties)."""

from django.conf import settings
from django.db import migrations, models


def next_due_fill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Deadline = apps.get_model("complaints", "Deadline")
    running = Deadline.objects.filter(complaint=models.OuterRef("pk"), closed_at__isnull=True, paused_at__isnull=True)
    Complaint.objects.filter(models.Exists(running)).update(
        next_due_at=models.Subquery(running.order_by("due_at").values("due_at")[:1])
    )


# Latest due first, the complaints without a due time still last: SQLite has no NULLS LAST in an index
# (and needs none at its sizes), so not in the model's Meta, where SQLite would rebuild it with the table.
DUE_DESCENDING = 'CREATE INDEX complaint_due_desc_idx ON complaints_complaint (next_due_at DESC NULLS LAST, id DESC)'


def due_descending_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DUE_DESCENDING)


def due_descending_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX complaint_due_desc_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_search_trigrams"),
        ("staff", "0004_store_customer_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="next_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(next_due_fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["store", "next_due_at", "id"], name="complaint_store_due_idx"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["next_due_at", "id"], name="complaint_due_idx"),
        ),
        migrations.RunPython(due_descending_index, due_descending_index_drop),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                models.Case(
                    models.When(severity="low", then=models.Value(1)),
                    models.When(severity="medium", then=models.Value(2)),
                    models.When(severity="high", then=models.Value(3)),
                    models.When(severity="critical", then=models.Value(4)),
                    output_field=models.IntegerField(),
                ),
                models.F("id"),
                name="complaint_severity_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["status", "id"], name="complaint_status_idx"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["escalation_level", "id"], name="complaint_escalation_idx"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["reference", "id"], name="complaint_reference_idx"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["severity"], name="complaint_severity_filter_idx"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["channel"], name="complaint_channel_filter_idx"),
        ),
    ]
