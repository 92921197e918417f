"""The recovery app's earlier migrations in one (README: "Hand-written SQL, and the migrations")."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import recovery.models
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('recovery', '0001_initial'),
        ('recovery', '0002_notification'),
        ('recovery', '0003_approval_pending_index'),
        ('recovery', '0004_decision_notifications'),
        ('recovery', '0005_complaint_facts'),
        ('recovery', '0006_complaint_facts_upkeep'),
        ('recovery', '0007_complaint_facts_by_day'),
        ('recovery', '0008_complaint_facts_fill'),
        ('recovery', '0009_facts_refresh_without_jit'),
        ('recovery', '0011_survey_invitation'),
        ('recovery', '0012_tiers_and_anonymous_cap'),
        ('recovery', '0013_fk_indexes_covered'),
        ('recovery', '0014_facts_relevel'),
        ('recovery', '0015_facts_previous_at_without_customer'),
        ('recovery', '0016_facts_neighbours_by_customer'),
        ('recovery', '0017_facts_on_logging'),
        ('recovery', '0018_facts_refresh_neighbours_if_any'),
    ]

    dependencies = [
        ('complaints', '0001_squashed_0019_deadline_open_idx_covered'),
        ('staff', '0001_squashed_0005_store_public_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplaintFactsNow',
            fields=[
                ('complaint', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='complaints.complaint')),
                ('channel', models.CharField(max_length=20)),
                ('severity', models.CharField(max_length=20)),
                ('stage', models.CharField(max_length=20)),
                ('servqual_dimension', models.CharField(max_length=20)),
                ('blueprint_area', models.CharField(max_length=20)),
                ('created_at', models.DateTimeField()),
                ('closed', models.BooleanField()),
                ('responded', models.BooleanField()),
                ('followed_up', models.BooleanField(help_text='Responded and followed up.')),
                ('reopened', models.BooleanField()),
                ('satisfaction', models.PositiveSmallIntegerField(null=True)),
                ('apologize_seconds', models.FloatField(null=True)),
                ('respond_seconds', models.FloatField(null=True)),
                ('close_seconds', models.FloatField(null=True)),
                ('apologize_met', models.PositiveSmallIntegerField()),
                ('apologize_late', models.PositiveSmallIntegerField()),
                ('respond_met', models.PositiveSmallIntegerField()),
                ('respond_late', models.PositiveSmallIntegerField()),
                ('follow_up_met', models.PositiveSmallIntegerField()),
                ('follow_up_late', models.PositiveSmallIntegerField()),
                ('approval_met', models.PositiveSmallIntegerField()),
                ('approval_late', models.PositiveSmallIntegerField()),
                ('max_level', models.PositiveSmallIntegerField(help_text='The highest escalation level any deadline reached.')),
                ('first_contact', models.BooleanField(help_text='Closed by the employee who logged it, with no approval and no escalation.')),
                ('granted_total', models.DecimalField(decimal_places=2, max_digits=12)),
                ('granted_count', models.PositiveSmallIntegerField()),
                ('granted_outside', models.PositiveSmallIntegerField(help_text='Granted actions above the guideline.')),
                ('approvals_requested', models.PositiveSmallIntegerField()),
                ('approvals_approved', models.PositiveSmallIntegerField()),
                ('approvals_rejected', models.PositiveSmallIntegerField()),
                ('repeat_customer', models.BooleanField(help_text='The customer complained again within 90 days, before or after.')),
                ('previous_at', models.DateTimeField(help_text='When the same customer last complained before this; counts distinct customers.', null=True)),
            ],
            options={
                'db_table': 'recovery_complaint_facts_source',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='ApprovalPin',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pin_hash', models.CharField(max_length=200)),
                ('failed_attempts', models.PositiveSmallIntegerField(default=0)),
                ('locked_until', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name='ApprovalRequest',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('approver_role', models.CharField(choices=[('frontline', 'Frontline'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('admin', 'Admin')], max_length=20)),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='pending', max_length=20)),
                ('exceeded', models.JSONField(default=list)),
                ('resolution', models.TextField(blank=True)),
                ('note', models.TextField(blank=True)),
                ('complaint_status_before', models.CharField(max_length=20)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.TextField(blank=True)),
                ('in_person', models.BooleanField(default=False, help_text="Approved with the approver's PIN on the requester's tablet.")),
                ('complaint_logged_at', models.DateTimeField(editable=False, null=True)),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='CompensationAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('refund', 'Refund'), ('voucher', 'Voucher'), ('free_item', 'Free item'), ('discount', 'Discount'), ('replacement', 'Replacement'), ('gift', 'Gift')], max_length=20)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='amount')),
                ('currency', models.CharField(max_length=3)),
                ('note', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('granted', 'Granted'), ('pending_approval', 'Pending approval'), ('rejected', 'Rejected')], max_length=20)),
                ('granted_at', models.DateTimeField(blank=True, null=True)),
                ('business_day', models.DateField(blank=True, null=True)),
                ('outside_guideline', models.BooleanField(default=False)),
                ('above_guideline', models.BooleanField(db_default=False, default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='CompensationGuideline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('severity', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('critical', 'Critical')], max_length=20)),
                ('min_amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='suggested minimum')),
                ('max_amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='suggested maximum')),
                ('note', models.CharField(blank=True, help_text='What is usually offered, e.g. a free dessert.', max_length=200)),
            ],
            options={
                'ordering': ['category__sort_order', 'category__code', 'severity'],
            },
        ),
        migrations.CreateModel(
            name='ComplaintFacts',
            fields=[
                ('complaint', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='complaints.complaint')),
                ('channel', models.CharField(max_length=20)),
                ('severity', models.CharField(max_length=20)),
                ('stage', models.CharField(max_length=20)),
                ('servqual_dimension', models.CharField(max_length=20)),
                ('blueprint_area', models.CharField(max_length=20)),
                ('created_at', models.DateTimeField()),
                ('closed', models.BooleanField()),
                ('responded', models.BooleanField()),
                ('followed_up', models.BooleanField(help_text='Responded and followed up.')),
                ('reopened', models.BooleanField()),
                ('satisfaction', models.PositiveSmallIntegerField(null=True)),
                ('apologize_seconds', models.FloatField(null=True)),
                ('respond_seconds', models.FloatField(null=True)),
                ('close_seconds', models.FloatField(null=True)),
                ('apologize_met', models.PositiveSmallIntegerField()),
                ('apologize_late', models.PositiveSmallIntegerField()),
                ('respond_met', models.PositiveSmallIntegerField()),
                ('respond_late', models.PositiveSmallIntegerField()),
                ('follow_up_met', models.PositiveSmallIntegerField()),
                ('follow_up_late', models.PositiveSmallIntegerField()),
                ('approval_met', models.PositiveSmallIntegerField()),
                ('approval_late', models.PositiveSmallIntegerField()),
                ('max_level', models.PositiveSmallIntegerField(help_text='The highest escalation level any deadline reached.')),
                ('first_contact', models.BooleanField(help_text='Closed by the employee who logged it, with no approval and no escalation.')),
                ('granted_total', models.DecimalField(decimal_places=2, max_digits=12)),
                ('granted_count', models.PositiveSmallIntegerField()),
                ('granted_outside', models.PositiveSmallIntegerField(help_text='Granted actions above the guideline.')),
                ('approvals_requested', models.PositiveSmallIntegerField()),
                ('approvals_approved', models.PositiveSmallIntegerField()),
                ('approvals_rejected', models.PositiveSmallIntegerField()),
                ('repeat_customer', models.BooleanField(help_text='The customer complained again within 90 days, before or after.')),
                ('previous_at', models.DateTimeField(help_text='When the same customer last complained before this; counts distinct customers.', null=True)),
            ],
            options={
                'verbose_name_plural': 'complaint facts',
            },
        ),
        migrations.CreateModel(
            name='EmpowermentPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('frontline', 'Frontline'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('admin', 'Admin')], max_length=20)),
                ('max_per_action', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='max per action')),
                ('max_per_day', models.DecimalField(blank=True, decimal_places=2, help_text="Midnight to midnight in the store's time zone.", max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='max per staff member per business day')),
                ('max_per_customer', models.DecimalField(blank=True, decimal_places=2, help_text='All staff together, rolling 30 days.', max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='max per customer per 30 days')),
                ('max_anonymous_per_day', models.DecimalField(blank=True, decimal_places=2, help_text='All staff of the store together: what the per-customer cap cannot count.', max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='max to complaints without a customer per store per business day')),
                ('allowed_kinds', models.JSONField(default=list, help_text='Kinds the role may grant.', validators=[recovery.models.validate_kinds])),
                ('allow_zero_amount', models.BooleanField(default=True, help_text='May grant a free item or gift of no set value (amount 0).')),
            ],
            options={
                'verbose_name_plural': 'empowerment policies',
                'ordering': ['role', 'store__code'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('step', models.CharField(choices=[('apologize', 'Apologize'), ('respond', 'Respond'), ('follow_up', 'Follow up'), ('approval', 'Decide the approval')], max_length=20)),
                ('level', models.PositiveSmallIntegerField(help_text='0: the reminder; 1-3: escalation levels.')),
                ('kind', models.CharField(choices=[('reminder', 'Reminder'), ('follow_up_due', 'Follow-up due'), ('escalation', 'Escalation'), ('approval_requested', 'Approval requested'), ('approval_escalated', 'Approval sent up to you'), ('approval_approved', 'Your request was approved'), ('approval_rejected', 'Your request was not approved'), ('survey_unsatisfied', 'The customer is not satisfied (survey)')], max_length=30)),
                ('text', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('email_state', models.CharField(choices=[('none', 'No email (no address)'), ('pending', 'To send'), ('sent', 'Sent')], max_length=10)),
                ('email_next_try_at', models.DateTimeField(blank=True, null=True)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SurveyInvitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('nonce', models.CharField(editable=False, max_length=32, unique=True)),
                ('sent_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('responded_at', models.DateTimeField()),
                ('emailed_to', models.EmailField(blank=True, max_length=254)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('solved', models.BooleanField(blank=True, null=True)),
                ('score', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('comment', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['-sent_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='approvalpin',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='approval_pin', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='approval_requests', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='approval_decisions', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='requested_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='approval_requests', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='approval_requests', to='staff.store'),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='approval',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='recovery.approvalrequest'),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='compensation_actions', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='customer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='compensation_actions', to='complaints.customer'),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='granted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='compensation_granted', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='requested_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='compensation_requested', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='compensationaction',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='compensation_actions', to='staff.store'),
        ),
        migrations.AddField(
            model_name='compensationguideline',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='compensation_guidelines', to='complaints.category'),
        ),
        migrations.AddField(
            model_name='compensationguideline',
            name='tier',
            field=models.ForeignKey(blank=True, help_text='Leave empty for every tier without a guideline of its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='compensation_guidelines', to='complaints.customertier'),
        ),
        migrations.AddField(
            model_name='complaintfacts',
            name='category',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='complaints.category'),
        ),
        migrations.AddField(
            model_name='complaintfacts',
            name='customer',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='complaints.customer'),
        ),
        migrations.AddField(
            model_name='complaintfacts',
            name='store',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='staff.store'),
        ),
        migrations.AddField(
            model_name='empowermentpolicy',
            name='store',
            field=models.ForeignKey(blank=True, help_text="Leave empty for the role's default; set it to override the default in one store.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='empowerment_policies', to='staff.store'),
        ),
        migrations.AddField(
            model_name='notification',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='notification',
            name='deadline',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='complaints.deadline'),
        ),
        migrations.AddField(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='surveyinvitation',
            name='complaint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='survey_invitations', to='complaints.complaint'),
        ),
        migrations.AddField(
            model_name='surveyinvitation',
            name='sent_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='approvalrequest',
            index=models.Index(condition=models.Q(('decided_at__isnull', False)), fields=['complaint_logged_at'], include=('created_at', 'decided_at', 'store'), name='approval_decided_idx'),
        ),
        migrations.AddIndex(
            model_name='approvalrequest',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['created_at', 'id'], name='approval_pending_idx'),
        ),
        migrations.AddIndex(
            model_name='approvalrequest',
            index=models.Index(fields=['complaint', 'status'], name='approval_complaint_idx'),
        ),
        migrations.AddConstraint(
            model_name='approvalrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('complaint',), name='approval_one_pending_per_complaint'),
        ),
        migrations.AddIndex(
            model_name='compensationaction',
            index=models.Index(condition=models.Q(('status', 'granted')), fields=['granted_by', 'business_day'], name='compensation_daily_idx'),
        ),
        migrations.AddIndex(
            model_name='compensationaction',
            index=models.Index(condition=models.Q(('status', 'granted')), fields=['customer', 'granted_at'], name='compensation_customer_idx'),
        ),
        migrations.AddIndex(
            model_name='compensationaction',
            index=models.Index(condition=models.Q(('customer__isnull', True), ('status', 'granted')), fields=['store', 'business_day'], name='compensation_anonymous_idx'),
        ),
        migrations.AddConstraint(
            model_name='compensationaction',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('granted_at__isnull', False), ('granted_by__isnull', False), ('status', 'granted')), models.Q(('status', 'granted'), _negated=True), _connector='OR'), name='compensation_granted_has_granter'),
        ),
        migrations.AddConstraint(
            model_name='compensationguideline',
            constraint=models.UniqueConstraint(condition=models.Q(('tier__isnull', True)), fields=('category', 'severity'), name='guideline_one_per_category_severity'),
        ),
        migrations.AddConstraint(
            model_name='compensationguideline',
            constraint=models.UniqueConstraint(condition=models.Q(('tier__isnull', False)), fields=('category', 'severity', 'tier'), name='guideline_one_per_category_severity_tier'),
        ),
        migrations.AddConstraint(
            model_name='compensationguideline',
            constraint=models.CheckConstraint(condition=models.Q(('min_amount__lte', models.F('max_amount'))), name='guideline_min_le_max'),
        ),
        migrations.AddIndex(
            model_name='complaintfacts',
            index=models.Index(fields=['created_at'], include=('store', 'customer', 'previous_at', 'repeat_customer', 'apologize_seconds', 'respond_seconds', 'close_seconds'), name='facts_created_idx'),
        ),
        migrations.AddIndex(
            model_name='complaintfacts',
            index=models.Index(fields=['store', 'created_at'], name='facts_store_created_idx'),
        ),
        migrations.AddConstraint(
            model_name='empowermentpolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('store__isnull', True)), fields=('role',), name='empowerment_policy_one_default_per_role'),
        ),
        migrations.AddConstraint(
            model_name='empowermentpolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('store__isnull', False)), fields=('role', 'store'), name='empowerment_policy_one_per_store'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', '-created_at'], name='notification_inbox_idx'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_state', 'pending')), fields=['email_next_try_at'], name='notification_email_idx'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('deadline', 'level', 'recipient'), name='notification_once'),
        ),
        migrations.AddIndex(
            model_name='surveyinvitation',
            index=models.Index(fields=['complaint', '-sent_at'], name='survey_complaint_idx'),
        ),
    ]
