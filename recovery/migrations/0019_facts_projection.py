"""The metrics' projection (``recovery.metrics.projection``): the facts kept at commit, and their day sums.

On a database that had the facts kept by the earlier migrations' trigger, this removes those objects and
fills the facts and sums again from the records (a few minutes for a million complaints).
"""

from django.db import migrations

from core.installed_sql import InstallSQL


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0001_squashed_0018_facts_refresh_neighbours_if_any"),
        ("complaints", "0020_database_objects"),
    ]

    operations = [InstallSQL(module="recovery.metrics.projection", digest="029438a138573ba0")]
