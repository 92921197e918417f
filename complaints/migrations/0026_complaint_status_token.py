import django.db.models
from django.db import migrations

import complaints.models


class Migration(migrations.Migration):
    """Complaints logged before status links have none (NULL, which the unique index allows many of): one is
    given the first time a link is asked for (complaints.status_links). New ones get theirs when written."""

    dependencies = [("complaints", "0025_verbose_names")]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="status_token",
            field=django.db.models.CharField(
                editable=False, max_length=24, null=True, unique=True, verbose_name="status link token"
            ),
        ),
        migrations.AlterField(
            model_name="complaint",
            name="status_token",
            field=django.db.models.CharField(
                default=complaints.models.new_status_token,
                editable=False,
                max_length=24,
                null=True,
                unique=True,
                verbose_name="status link token",
            ),
        ),
    ]
