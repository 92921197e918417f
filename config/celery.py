"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("service_recovery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place where periodic work is scheduled.
app.conf.beat_schedule = {
    "purge-expired-idempotency-keys": {
        "task": "complaints.tasks.purge_expired_idempotency_keys",
        "schedule": 60 * 60,
    },
}
