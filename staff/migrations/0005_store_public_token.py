"""Store.public_token: the random part of a store's public complaint form link; existing stores each get one."""

from django.db import migrations, models

import staff.models


def give_each_store_a_token(apps, schema_editor):
    Store = apps.get_model("staff", "Store")
    for store in Store.objects.filter(public_token__isnull=True).only("pk"):
        store.public_token = staff.models.new_public_token()
        store.save(update_fields=["public_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_store_customer_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="store",
            name="public_token",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="public form token"),
        ),
        migrations.RunPython(give_each_store_a_token, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="store",
            name="public_token",
            field=models.CharField(
                default=staff.models.new_public_token,
                editable=False,
                help_text="The random part of the public complaint form's link.",
                max_length=32,
                unique=True,
                verbose_name="public form token",
            ),
        ),
    ]
