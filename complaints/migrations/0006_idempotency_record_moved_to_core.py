# IdempotencyRecord is core's now (core.0001): forget it here without dropping its table.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0005_due_times_and_holds"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
