"""The event log's guard checks the change itself (forgetting a customer's words, nothing else) instead of a session
setting anyone could make, and that change has one function (``complaints.sql``)."""

from django.db import migrations

from core.installed_sql import InstallSQL


class Migration(migrations.Migration):
    dependencies = [("complaints", "0021_complaint_holds")]

    operations = [InstallSQL(module="complaints.sql", digest="0e61d9deebd01fb7")]
