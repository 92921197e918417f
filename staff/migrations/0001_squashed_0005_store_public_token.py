"""The staff app's earlier migrations in one (README: "Hand-written SQL, and the migrations")."""

import datetime
import django.contrib.auth.validators
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import staff.models
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('staff', '0001_initial'),
        ('staff', '0002_opening_hours_and_holidays'),
        ('staff', '0003_store_max_compensation_amount'),
        ('staff', '0004_store_customer_counts'),
        ('staff', '0005_store_public_token'),
    ]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='Region',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=20, unique=True, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9_-]+$', "Use letters, digits, '-' and '_' only.")])),
                ('name', models.CharField(max_length=100)),
            ],
            options={
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Store',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=20, unique=True, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9_-]+$', "Use letters, digits, '-' and '_' only.")])),
                ('name', models.CharField(max_length=100)),
                ('timezone', models.CharField(default='Asia/Shanghai', max_length=64, validators=[staff.models.validate_timezone])),
                ('currency', models.CharField(default='CNY', max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'An ISO 4217 code, e.g. CNY.')])),
                ('max_compensation_amount', models.DecimalField(decimal_places=2, default=Decimal('100000.00'), help_text="The most one compensation action may be, in the store's currency, whoever grants or approves it: a guard against typing errors (1e9 for 19).", max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='largest compensation action')),
                ('public_token', models.CharField(default=staff.models.new_public_token, editable=False, help_text="The random part of the public complaint form's link.", max_length=32, unique=True, verbose_name='public form token')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stores', to='staff.region')),
            ],
            options={
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='OpeningHours',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')])),
                ('opens', models.TimeField()),
                ('closes', models.TimeField(help_text='After it opens, the same day; 00:00 means midnight at the end of the day.')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='opening_hours', to='staff.store')),
            ],
            options={
                'verbose_name_plural': 'opening hours',
                'ordering': ['store', 'weekday', 'opens'],
                'constraints': [models.CheckConstraint(condition=models.Q(('closes__gt', models.F('opens')), ('closes', datetime.time(0, 0)), _connector='OR'), name='opening_hours_close_after_open')],
            },
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('role', models.CharField(choices=[('frontline', 'Frontline'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('admin', 'Admin')], default='frontline', max_length=20)),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
                ('region', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='staff.region')),
                ('store', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='staff.store')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('region__isnull', True), ('role__in', ('frontline', 'supervisor')), ('store__isnull', False)), models.Q(('region__isnull', False), ('role', 'manager'), ('store__isnull', True)), models.Q(('region__isnull', True), ('role', 'admin'), ('store__isnull', True)), _connector='OR'), name='user_scope_matches_role', violation_error_message='Frontline staff and supervisors belong to a store, managers to a region, admins to neither.')],
            },
            managers=[
                ('objects', staff.models.StaffUserManager()),
            ],
        ),
        migrations.CreateModel(
            name='StoreCustomerCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(help_text="The store's own calendar day.")),
                ('customers', models.PositiveIntegerField()),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='customer_counts', to='staff.store')),
            ],
            options={
                'ordering': ['store', '-day'],
                'constraints': [models.UniqueConstraint(fields=('store', 'day'), name='customer_count_one_per_store_day')],
            },
        ),
        migrations.CreateModel(
            name='StoreHoliday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField()),
                ('name', models.CharField(blank=True, max_length=100)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='staff.store')),
            ],
            options={
                'ordering': ['store', 'date'],
                'constraints': [models.UniqueConstraint(fields=('store', 'date'), name='store_holiday_unique')],
            },
        ),
    ]
