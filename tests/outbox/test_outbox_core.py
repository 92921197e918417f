"""The outbox's core: a message commits or vanishes with its cause, is written once per cause, is claimed by one
sender at a time, retried with exponential backoff and given up after the last attempt."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection, transaction

from outbox import sending
from outbox.models import MessageStatus, OutboxMessage
from outbox.sending import Deferred, SendFailed, Sent

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


class FakeSender:
    """Records what it was asked to send; fails while ``failing`` says so."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failing: SendFailed | Deferred | None = None

    def __call__(self, message, *, now):
        if self.failing:
            raise self.failing
        self.sent.append(message.idempotency_key)
        return Sent(provider="fake", provider_message_id=f"fake-{len(self.sent)}")


@pytest.fixture
def fake(settings):
    settings.OUTBOX_SEND_THREADS = 1
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    previous = sending.sender_for("chat")
    sender = FakeSender()
    sending.register_sender("chat", sender)
    yield sender
    sending.register_sender("chat", previous)


def enqueue(key: str = "cause-1", **overrides) -> int | None:
    given = {"channel": "chat", "destination": "robot:1", "kind": "test", "idempotency_key": key, "now": NOW}
    return sending.outbox_enqueue(**given | overrides)


@pytest.mark.django_db
def test_a_message_vanishes_with_the_transaction_that_caused_it():
    def change_that_fails():
        with transaction.atomic():
            enqueue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_same_cause_writes_one_message():
    first = enqueue()
    assert first is not None
    assert enqueue() is None
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_due_message_is_sent_once_and_marked(fake):
    pk = enqueue()
    assert sending.outbox_message_send(pk, now=NOW) == MessageStatus.SENT
    assert sending.outbox_message_send(pk, now=NOW) is None  # a second delivery of the task: nothing to do
    message = OutboxMessage.objects.get()
    assert fake.sent == ["cause-1"]
    assert (message.status, message.attempts, message.provider_message_id) == ("sent", 1, "fake-1")
    assert (message.sent_at, message.next_attempt_at) == (NOW, None)


@pytest.mark.django_db
def test_a_message_not_yet_due_waits(fake):
    pk = enqueue(not_before=NOW + timedelta(hours=8))
    assert sending.outbox_message_send(pk, now=NOW) is None
    assert sending.outbox_due_ids(now=NOW, limit=10) == []
    assert sending.outbox_due_ids(now=NOW + timedelta(hours=8), limit=10) == [pk]


@pytest.mark.django_db
def test_failures_are_retried_with_exponential_backoff_then_given_up(fake):
    pk = enqueue()
    fake.failing = SendFailed("isv.BUSINESS_LIMIT_CONTROL", "throttled", provider="fake")
    moment, waits = NOW, []
    for _attempt in range(3):
        assert sending.outbox_message_send(pk, now=moment) == MessageStatus.FAILED
        message = OutboxMessage.objects.get()
        waits.append(message.next_attempt_at - moment)
        assert sending.outbox_message_send(pk, now=message.next_attempt_at - timedelta(seconds=1)) is None
        moment = message.next_attempt_at
    assert waits == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert sending.outbox_message_send(pk, now=moment) == MessageStatus.GIVEN_UP
    message = OutboxMessage.objects.get()
    assert (message.attempts, message.error_code, message.next_attempt_at) == (4, "isv.BUSINESS_LIMIT_CONTROL", None)
    assert fake.sent == []


@pytest.mark.django_db
def test_a_failure_that_will_not_change_is_given_up_at_once(fake):
    pk = enqueue()
    fake.failing = SendFailed("isv.MOBILE_NUMBER_ILLEGAL", "no such number", retry=False)
    assert sending.outbox_message_send(pk, now=NOW) == MessageStatus.GIVEN_UP


@pytest.mark.django_db
def test_a_deferred_message_counts_no_attempt(fake):
    pk = enqueue()
    morning = NOW + timedelta(hours=7)
    fake.failing = Deferred(morning, "quiet_hours")
    assert sending.outbox_message_send(pk, now=NOW) == "deferred"
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.next_attempt_at) == ("queued", 0, morning)


@pytest.mark.django_db
def test_a_sender_that_raises_something_else_is_retried_not_lost(fake):
    pk = enqueue()
    fake.failing = None

    def broken(message, *, now):
        raise ValueError("the SDK surprised us")

    sending.register_sender("chat", broken)
    assert sending.outbox_message_send(pk, now=NOW) == MessageStatus.FAILED
    assert OutboxMessage.objects.get().error_code == "ValueError"


@pytest.mark.django_db(transaction=True)
def test_a_message_being_sent_elsewhere_is_skipped(fake):
    pk = enqueue()
    db = connection.settings_dict
    dsn = f"host={db['HOST']} port={db['PORT']} user={db['USER']} dbname={db['NAME']}"
    with psycopg.connect(dsn) as other:  # another worker, in the middle of sending it
        other.execute("SELECT 1 FROM outbox_outboxmessage WHERE id = %s FOR UPDATE", [pk])
        assert sending.outbox_message_send(pk, now=NOW) is None
    assert sending.outbox_message_send(pk, now=NOW) == MessageStatus.SENT
    assert fake.sent == ["cause-1"]


@pytest.mark.django_db
def test_a_providers_error_is_kept_without_the_number(fake):
    pk = enqueue(channel="chat", destination="+8613800138000")
    fake.failing = SendFailed("isv.MOBILE_NUMBER_ILLEGAL", "号码 8613800138000 格式错误 (+8613800138000)", retry=False)
    sending.outbox_message_send(pk, now=NOW)
    assert OutboxMessage.objects.get().error_message == "号码 *** 格式错误 (***)"
