"""Complaint.holds: how many times each complaint was put on hold, counted from its ``held`` events."""

from django.db import migrations, models

COUNT_HOLDS = """
UPDATE complaints_complaint AS complaint SET holds = held.count
FROM (SELECT complaint_id, count(*) AS count FROM complaints_complaintevent WHERE kind = 'held' GROUP BY complaint_id)
    AS held
WHERE complaint.id = held.complaint_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0020_database_objects"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="holds",
            field=models.PositiveSmallIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunSQL(COUNT_HOLDS, migrations.RunSQL.noop),
    ]
