"""Periodic housekeeping for complaints. Tasks stay thin: they call services."""

from celery import shared_task

from core.idempotency import idempotency_records_purge


@shared_task
def purge_expired_idempotency_keys() -> int:
    return idempotency_records_purge()
