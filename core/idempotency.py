"""Idempotency keys: claiming a key for one request, keeping its outcome, forgetting old keys.

The HTTP side (the ``Idempotency-Key`` header) is ``core.rest.idempotency``.
"""

import hashlib
import operator
from datetime import timedelta
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from core.errors import IdempotencyKeyReused, IdempotentRequestInProgress
from core.models import IdempotencyRecord


def request_digest(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path with query, and the exact body."""
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def idempotency_claim(*, user_id: int, key: str, digest: str) -> tuple[IdempotencyRecord, bool]:
    """Take ``key`` for the request whose content hashes to ``digest``.

    Returns ``(record, replay)``: ``replay`` is true when the same request already completed
    and its stored response should be returned. Raises when the key belongs to another request
    (422) or the same request is still running (409).
    """
    now = timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user_id=user_id, key=key, request_digest=digest, created_at=now
                ), False
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
        if record is None:
            # The request holding the key was refused and gave it back between our insert and
            # this read: the key is free again.
            continue
        if record.request_digest != digest:
            raise IdempotencyKeyReused()
        if record.completed_at is not None:
            return record, True
        stale_before = now - timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)
        # A request that died mid-way (its process killed) must not block its retries forever.
        if record.created_at < stale_before and IdempotencyRecord.objects.filter(
            pk=record.pk, completed_at__isnull=True, created_at=record.created_at
        ).update(created_at=now):
            return record, False
        raise IdempotentRequestInProgress()
    # The key changed hands three times while we looked: others are racing on it; the client retries.
    raise IdempotentRequestInProgress()


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any) -> None:
    """Keep the outcome; called inside the action's own transaction, so that both commit or neither."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        completed_at=timezone.now(), response_status=status, response_body=body
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Give the key back, so that a corrected request may use it."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotency_records_purge(*, older_than: timedelta | None = None) -> int:
    """Forget keys past their time to live; returns how many were removed."""
    older_than = older_than or timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def idempotency_records_forget(*, mentioning: list[str]) -> int:
    """Forget the outcomes whose answer mentions any of ``mentioning`` (the ids of records whose contents are being
    removed): a replay would answer with what they held. Returns how many were removed."""
    if not mentioning:
        return 0
    answer_mentions = reduce(operator.or_, (Q(answer__contains=text) for text in mentioning))
    deleted, _ = (
        IdempotencyRecord.objects.annotate(answer=Cast("response_body", TextField())).filter(answer_mentions).delete()
    )
    return deleted
