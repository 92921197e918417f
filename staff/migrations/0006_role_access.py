"""RoleAccess: per role, what an admin lets it do beyond working on complaints; every role gets its row, with the
answer it had before (the complaints' export: supervisors and above)."""

from django.db import migrations, models

from staff.models import EXPORT_COMPLAINTS_BY_DEFAULT, Role


def role_access_create(apps, schema_editor):
    RoleAccess = apps.get_model("staff", "RoleAccess")
    for role in Role:
        RoleAccess.objects.get_or_create(role=role, defaults={"export_complaints": role in EXPORT_COMPLAINTS_BY_DEFAULT})


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0001_squashed_0005_store_public_token'),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('frontline', 'Frontline'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('admin', 'Admin')], max_length=20, unique=True)),
                ('export_complaints', models.BooleanField(help_text="Download their stores' complaints as a CSV file: descriptions and customers' names (phones masked), every complaint at once.", verbose_name='may export complaints')),
            ],
            options={
                'verbose_name': 'role access',
                'verbose_name_plural': 'role access',
                'ordering': ['role'],
            },
        ),
        migrations.RunPython(role_access_create, migrations.RunPython.noop),
    ]
