"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("service_recovery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place where periodic work is scheduled.
app.conf.beat_schedule = {
    # Reminders and escalations: due times are rows; this claims what is due and enqueues the work.
    "sweep-due-deadlines": {
        "task": "recovery.tasks.sweep_due",
        "schedule": settings.SLA_SWEEP_SECONDS,
        "options": {"expires": settings.SLA_SWEEP_SECONDS},
    },
    # The outbox: messages due to be sent (new ones, retries, those held by quiet hours).
    "outbox-send-due": {
        "task": "outbox.tasks.outbox_send_due",
        "schedule": settings.OUTBOX_POLL_SECONDS,
        "options": {"expires": settings.OUTBOX_POLL_SECONDS},
    },
    # Privacy: customers past the retention period lose their contact data and words.
    "anonymize-customers-past-retention": {
        "task": "recovery.tasks.anonymize_customers_past_retention",
        "schedule": 24 * 60 * 60,
    },
    "purge-expired-idempotency-keys": {
        "task": "core.tasks.purge_expired_idempotency_keys",
        "schedule": 60 * 60,
    },
}
