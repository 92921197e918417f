"""Emails go out through the outbox (issue 27): each notification's and survey's email is an outbox row written
with it. Those not yet sent when this runs become outbox rows (due at once), then the lease columns go."""

from django.db import migrations

# Same kinds, keys and payloads as recovery.notices.notifications and recovery.surveys.invitations write.
PENDING_EMAILS_TO_OUTBOX = """
INSERT INTO outbox_outboxmessage
    (channel, destination, kind, language, complaint_id, payload, status, attempts, next_attempt_at,
     provider, provider_message_id, error_code, error_message, created_at, idempotency_key)
SELECT 'email', u.email, 'notification', '', n.complaint_id, jsonb_build_object('notification', n.id), 'queued', 0,
       now(), '', '', '', '', n.created_at, 'email:notification:' || n.id
FROM recovery_notification n JOIN staff_user u ON u.id = n.recipient_id
WHERE n.email_state = 'pending' AND u.email <> ''
UNION ALL
SELECT 'email', s.emailed_to, 'survey_invitation', '', s.complaint_id, jsonb_build_object('survey', s.id), 'queued',
       0, now(), '', '', '', '', s.sent_at, 'email:survey_invitation:' || s.id
FROM recovery_surveyinvitation s
WHERE s.emailed_to <> '' AND s.emailed_at IS NULL AND s.answered_at IS NULL AND s.expires_at > now()
ON CONFLICT (idempotency_key) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0023_configuration_audit"),
        ("outbox", "0003_seed_message_templates"),
    ]

    operations = [
        migrations.RunSQL(PENDING_EMAILS_TO_OUTBOX, migrations.RunSQL.noop),
        migrations.RemoveIndex(
            model_name="notification",
            name="notification_email_idx",
        ),
        migrations.RemoveIndex(
            model_name="surveyinvitation",
            name="survey_email_idx",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_next_try_at",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_state",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="emailed_at",
        ),
        migrations.RemoveField(
            model_name="surveyinvitation",
            name="email_next_try_at",
        ),
        migrations.RemoveField(
            model_name="surveyinvitation",
            name="emailed_at",
        ),
    ]
