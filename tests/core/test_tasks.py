"""Periodic housekeeping tasks."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from config.celery import app
from core.models import IdempotencyRecord
from core.tasks import purge_expired_idempotency_keys


def test_purge_task_is_scheduled_and_forgets_only_expired_keys(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    frontline1.step(complaint_id, "apologize", {}, **{"Idempotency-Key": "old"})
    with time_machine.travel(timezone.now() + timedelta(hours=30), tick=False):
        frontline1.step(complaint_id, "respond", {"resolution": "Refund"}, **{"Idempotency-Key": "new"})
    with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
        assert purge_expired_idempotency_keys.apply().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert purge_expired_idempotency_keys.name in scheduled
