"""The complaints app's earlier migrations in one (README: "Hand-written SQL, and the migrations")."""

import complaints.models
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('complaints', '0001_initial'),
        ('complaints', '0002_initial'),
        ('complaints', '0003_events_append_only'),
        ('complaints', '0004_alter_complaintevent_kind'),
        ('complaints', '0005_due_times_and_holds'),
        ('complaints', '0006_idempotency_record_moved_to_core'),
        ('complaints', '0007_category_apology_scripts'),
        ('complaints', '0008_deadline_elapsed_seconds'),
        ('complaints', '0009_search_trigrams'),
        ('complaints', '0010_complaint_next_due_at'),
        ('complaints', '0011_complaint_contact_consent'),
        ('complaints', '0012_public_form_photos_and_no_logger'),
        ('complaints', '0013_event_kind_survey_sent'),
        ('complaints', '0014_customer_tiers_and_anonymization'),
        ('complaints', '0015_complaint_store_assignee_without_own_index'),
        ('complaints', '0016_event_log_redaction'),
        ('complaints', '0017_complaint_escalation_updates_hot'),
        ('complaints', '0018_fk_indexes_covered'),
        ('complaints', '0019_deadline_open_idx_covered'),
    ]

    dependencies = [
        ('staff', '0001_squashed_0005_store_public_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(unique=True)),
                ('name_en', models.CharField(max_length=100, verbose_name='name (English)')),
                ('name_zh', models.CharField(max_length=100, verbose_name='name (Chinese)')),
                ('apology_script_en', models.TextField(blank=True, verbose_name='apology script (English)')),
                ('apology_script_zh', models.TextField(blank=True, verbose_name='apology script (Chinese)')),
                ('is_active', models.BooleanField(default=True)),
                ('sort_order', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name_plural': 'categories',
                'ordering': ['sort_order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Complaint',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('reference', models.CharField(editable=False, max_length=40)),
                ('channel', models.CharField(choices=[('in_person', 'In person'), ('phone', 'Phone'), ('online', 'Online'), ('social', 'Social media'), ('qr_form', 'QR form'), ('email', 'Email')], max_length=20)),
                ('severity', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('critical', 'Critical')], default='medium', max_length=20)),
                ('stage', models.CharField(choices=[('pre_sale', 'Pre-sale'), ('in_sale', 'During the sale'), ('after_sale', 'After-sale')], max_length=20)),
                ('servqual_dimension', models.CharField(blank=True, choices=[('reliability', 'Reliability'), ('responsiveness', 'Responsiveness'), ('assurance', 'Assurance'), ('empathy', 'Empathy'), ('tangibles', 'Tangibles')], max_length=20)),
                ('blueprint_area', models.CharField(blank=True, choices=[('front_stage', 'Front stage'), ('back_stage', 'Back stage'), ('support', 'Support systems')], max_length=20)),
                ('description', models.TextField(help_text="The customer's own words.")),
                ('desired_outcome', models.TextField(blank=True, help_text='What the customer wants.')),
                ('contact_consent', models.BooleanField(db_default=False, default=False)),
                ('status', models.CharField(choices=[('new', 'New'), ('apologized', 'Apologized'), ('awaiting_approval', 'Awaiting approval'), ('responded', 'Responded'), ('followed_up', 'Followed up'), ('closed', 'Closed'), ('reopened', 'Reopened')], default='new', max_length=20)),
                ('resolution', models.TextField(blank=True)),
                ('follow_up_outcome', models.TextField(blank=True)),
                ('satisfaction', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('closure_code', models.CharField(blank=True, choices=[('resolved', 'Resolved'), ('resolved_unsatisfied', 'Resolved, customer still unsatisfied'), ('unresolved', 'Unresolved'), ('withdrawn', 'Withdrawn by the customer'), ('duplicate', 'Duplicate')], max_length=30)),
                ('intake_digest', models.CharField(editable=False, max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('apologized_at', models.DateTimeField(blank=True, null=True)),
                ('responded_at', models.DateTimeField(blank=True, null=True)),
                ('followed_up_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('reopened_at', models.DateTimeField(blank=True, null=True)),
                ('escalation_level', models.PositiveSmallIntegerField(default=0)),
                ('on_hold_until', models.DateTimeField(blank=True, null=True)),
                ('hold_reason', models.TextField(blank=True)),
                ('next_due_at', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='ComplaintEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('logged', 'Logged'), ('apologized', 'Apologized'), ('responded', 'Responded'), ('followed_up', 'Followed up'), ('closed', 'Closed'), ('reopened', 'Reopened'), ('assigned', 'Assigned'), ('severity_changed', 'Severity changed'), ('held', 'Put on hold'), ('resumed', 'Resumed'), ('escalated', 'Escalated'), ('compensation_granted', 'Compensation granted'), ('approval_requested', 'Approval requested'), ('approval_escalated', 'Approval sent up a level'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('survey_sent', 'Survey link sent')], max_length=30)),
                ('at', models.DateTimeField()),
                ('status_before', models.CharField(blank=True, choices=[('new', 'New'), ('apologized', 'Apologized'), ('awaiting_approval', 'Awaiting approval'), ('responded', 'Responded'), ('followed_up', 'Followed up'), ('closed', 'Closed'), ('reopened', 'Reopened')], max_length=20)),
                ('status_after', models.CharField(blank=True, choices=[('new', 'New'), ('apologized', 'Apologized'), ('awaiting_approval', 'Awaiting approval'), ('responded', 'Responded'), ('followed_up', 'Followed up'), ('closed', 'Closed'), ('reopened', 'Reopened')], max_length=20)),
                ('data', models.JSONField(blank=True, default=dict)),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ComplaintPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.FileField(max_length=200, upload_to=complaints.models.complaint_photo_path)),
                ('width', models.PositiveIntegerField()),
                ('height', models.PositiveIntegerField()),
                ('size_bytes', models.PositiveIntegerField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Customer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=100)),
                ('phone', models.CharField(blank=True, max_length=20)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('anonymized_at', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='CustomerTier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(choices=[('A', 'A'), ('B', 'B'), ('C', 'C')], max_length=1, unique=True)),
                ('name_en', models.CharField(max_length=50, verbose_name='name (English)')),
                ('name_zh', models.CharField(max_length=50, verbose_name='name (Chinese)')),
                ('is_default', models.BooleanField(default=False, help_text='The tier of every customer without one of their own.')),
            ],
            options={
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='CustomerTierChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('staff', 'Set by staff'), ('import', 'Imported')], max_length=10)),
                ('reason', models.TextField()),
                ('at', models.DateTimeField()),
            ],
            options={
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Deadline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('step', models.CharField(choices=[('apologize', 'Apologize'), ('respond', 'Respond'), ('follow_up', 'Follow up'), ('approval', 'Decide the approval')], max_length=20)),
                ('cycle', models.PositiveSmallIntegerField(default=0)),
                ('clock', models.CharField(choices=[('wall', 'Wall time'), ('business', 'Open hours')], max_length=10)),
                ('started_at', models.DateTimeField()),
                ('window_seconds', models.PositiveIntegerField()),
                ('escalate_every', models.PositiveIntegerField()),
                ('held_seconds', models.FloatField(default=0)),
                ('due_at', models.DateTimeField()),
                ('remind_at', models.DateTimeField()),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('level', models.PositiveSmallIntegerField(default=0, help_text='Escalation levels reached (0-3).')),
                ('paused_at', models.DateTimeField(blank=True, null=True)),
                ('next_check_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('elapsed_seconds', models.FloatField(blank=True, null=True)),
            ],
            options={
                'ordering': ['due_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ReferenceCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('last_number', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('severity', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('critical', 'Critical')], max_length=20)),
                ('channel', models.CharField(blank=True, choices=[('in_person', 'In person'), ('phone', 'Phone'), ('online', 'Online'), ('social', 'Social media'), ('qr_form', 'QR form'), ('email', 'Email')], max_length=20, null=True)),
                ('apologize_within', models.PositiveIntegerField(help_text='Seconds from logging to the apology.')),
                ('respond_within', models.PositiveIntegerField(help_text='Seconds from logging (or reopening) to the response.')),
                ('follow_up_after', models.PositiveIntegerField(help_text='Seconds after the response when the follow-up is due.')),
                ('approval_within', models.PositiveIntegerField(help_text='Seconds an approval may wait before going up a level.')),
                ('escalate_every', models.PositiveIntegerField(help_text='Seconds between escalation levels while a step stays undone.', validators=[django.core.validators.MinValueValidator(60)])),
            ],
            options={
                'verbose_name': 'SLA policy',
                'verbose_name_plural': 'SLA policies',
                'ordering': ['severity', 'channel', 'tier'],
            },
        ),
        migrations.AddField(
            model_name='complaint',
            name='assignee',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_complaints', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='complaint',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='complaints.category'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='logged_complaints', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='complaint',
            name='store',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='staff.store'),
        ),
        migrations.AddField(
            model_name='complaintevent',
            name='actor',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaint_events', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='complaintevent',
            name='complaint',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='complaintphoto',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='customer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='complaints.customer'),
        ),
        migrations.AddConstraint(
            model_name='customertier',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='customer_tier_one_default'),
        ),
        migrations.AddField(
            model_name='customer',
            name='tier',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='complaints.customertier'),
        ),
        migrations.AddField(
            model_name='customertierchange',
            name='actor',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='customertierchange',
            name='customer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tier_changes', to='complaints.customer'),
        ),
        migrations.AddField(
            model_name='customertierchange',
            name='tier_after',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='complaints.customertier'),
        ),
        migrations.AddField(
            model_name='customertierchange',
            name='tier_before',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='complaints.customertier'),
        ),
        migrations.AddField(
            model_name='deadline',
            name='complaint',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deadlines', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='referencecounter',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='staff.store'),
        ),
        migrations.AddField(
            model_name='slapolicy',
            name='tier',
            field=models.ForeignKey(blank=True, help_text='Leave empty for every tier without a policy of its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sla_policies', to='complaints.customertier'),
        ),
        migrations.AddIndex(
            model_name='complaintevent',
            index=models.Index(fields=['complaint', 'at'], name='event_complaint_at_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['store', 'status', '-created_at'], name='complaint_store_status_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['-created_at'], name='complaint_created_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['assignee', 'status'], name='complaint_assignee_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['store', 'next_due_at', 'id'], name='complaint_store_due_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['next_due_at', 'id'], name='complaint_due_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(models.Case(models.When(severity='low', then=models.Value(1)), models.When(severity='medium', then=models.Value(2)), models.When(severity='high', then=models.Value(3)), models.When(severity='critical', then=models.Value(4)), output_field=models.IntegerField()), models.F('id'), name='complaint_severity_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['status', 'id'], name='complaint_status_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['reference', 'id'], name='complaint_reference_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['severity'], name='complaint_severity_filter_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['channel'], name='complaint_channel_filter_idx'),
        ),
        migrations.AddConstraint(
            model_name='complaint',
            constraint=models.UniqueConstraint(fields=('store', 'reference'), name='complaint_reference_unique_per_store'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(condition=models.Q(('phone', ''), _negated=True), fields=('phone',), name='customer_phone_unique'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(condition=models.Q(('email', ''), _negated=True), fields=('email',), name='customer_email_unique'),
        ),
        migrations.AddIndex(
            model_name='customertierchange',
            index=models.Index(fields=['customer', '-at'], name='tier_change_customer_idx'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['next_check_at'], name='deadline_sweep_idx'),
        ),
        migrations.AddConstraint(
            model_name='deadline',
            constraint=models.UniqueConstraint(fields=('complaint', 'step', 'cycle'), name='deadline_unique_cycle'),
        ),
        migrations.AddConstraint(
            model_name='deadline',
            constraint=models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('complaint', 'step'), name='deadline_one_open_per_step'),
        ),
        migrations.AddConstraint(
            model_name='referencecounter',
            constraint=models.UniqueConstraint(fields=('store', 'day'), name='reference_counter_unique'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('channel__isnull', False), ('tier__isnull', True)), fields=('severity', 'channel'), name='sla_policy_unique'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('channel__isnull', True), ('tier__isnull', True)), fields=('severity',), name='sla_policy_unique_any_channel'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('channel__isnull', False), ('tier__isnull', False)), fields=('severity', 'channel', 'tier'), name='sla_policy_unique_tier'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('channel__isnull', True), ('tier__isnull', False)), fields=('severity', 'tier'), name='sla_policy_unique_tier_any_channel'),
        ),
    ]
