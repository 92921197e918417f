"""The complaints' hand-written database objects (``complaints.sql``) and the starting customer tiers."""

from django.db import migrations

from core.installed_sql import InstallSQL


def starting_tiers_create(apps, schema_editor):
    from complaints.tiers import starting_tiers_create

    starting_tiers_create(apps.get_model("complaints", "CustomerTier"))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_squashed_0019_deadline_open_idx_covered")]

    operations = [
        InstallSQL(module="complaints.sql", digest="9274b642d7bd46f7"),
        migrations.RunPython(starting_tiers_create, migrations.RunPython.noop),
    ]
