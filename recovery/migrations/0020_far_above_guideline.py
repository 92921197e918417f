"""``outside_guideline`` is named for what it says, ``far_above_guideline`` (beside ``above_guideline``, above
it at all), in the compensation, the facts (``granted_far_above``) and the projection built on them."""

from django.db import migrations, models

from core.installed_sql import InstallSQL


class Migration(migrations.Migration):
    dependencies = [("recovery", "0019_facts_projection")]

    operations = [
        migrations.RenameField("compensationaction", "outside_guideline", "far_above_guideline"),
        migrations.AlterField(
            model_name="compensationaction",
            name="far_above_guideline",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="Granted far above the top of its category × severity guideline (twice it): flagged for review.",
            ),
        ),
        migrations.AlterField(
            model_name="compensationaction",
            name="above_guideline",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="Granted above the top of its guideline at all (what a customer's unusual-compensation flag counts).",
            ),
        ),
        migrations.RenameField("complaintfacts", "granted_outside", "granted_far_above"),
        migrations.RenameField("complaintfactsnow", "granted_outside", "granted_far_above"),
        InstallSQL(module="recovery.metrics.projection", digest="284ab09ca7417f18"),
    ]
