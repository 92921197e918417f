"""Signed outbound webhooks: each complaint event a subscription wants becomes an outbox message in the event's own
transaction, sent signed per Standard Webhooks (verified by the fake subscriber with ``standardwebhooks``' own
``Webhook.verify``), shaped as its JSON schema in docs/webhooks/ says; never to a private address unless allowed,
never redirected; retried, disabled with its owner told when it keeps failing, replayed from the admin."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from core.reference import reference_data_renew
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.webhooks import webhook_deliveries_replay
from outbox import sending
from outbox.models import OutboxMessage
from recovery.models import ApprovalRequest, SurveyInvitation
from recovery.surveys import invitations
from tests.api.test_survey_api import CONTACT
from tests.helpers import Api, walk
from tests.integrations.fakes import FakeSubscriber

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "webhooks"


@pytest.fixture
def subscriber():
    fake = FakeSubscriber().start()
    yield fake
    fake.stop()


def subscribe(org, fake, *, events=None, **fields) -> WebhookSubscription:
    given = {
        "name": "POS",
        "url": fake.url,
        "events": events or list(WebhookEvent.values),
        "owner": org.admin,
        "allow_private_network": True,  # the fake subscriber is on loopback: allowed for this subscription only
    }
    subscription = WebhookSubscription.objects.create(**(given | fields))
    fake.secret = subscription.secret
    return subscription


def webhook_rows():
    return OutboxMessage.objects.filter(channel="webhook").order_by("pk")


def send_webhooks(now=None) -> list[str | None]:
    now = now or timezone.now()
    return [sending.outbox_message_send(pk, now=now) for pk in webhook_rows().values_list("pk", flat=True)]


def test_every_event_kind_is_sent_signed_and_shaped_as_its_schema(org, limits, sla, subscriber):
    subscribe(org, subscriber)
    frontline1 = Api(org.frontline1)
    complaint_id = frontline1.apologized(customer=CONTACT, contact_consent=True)  # logged, apologize
    assert frontline1.respond(complaint_id, ("voucher", "80.00")).status_code == 200  # above 50: approval
    approval = ApprovalRequest.objects.get(complaint_id=complaint_id)
    decided = Api(org.supervisor1).post(f"/api/v1/approvals/{approval.pk}/approve/", {"note": "OK"})
    assert decided.status_code == 200  # compensation granted, approval decided
    assert frontline1.step(complaint_id, "survey").status_code == 200
    invitations.survey_answer(token=invitations.survey_token(SurveyInvitation.objects.get()), solved=True, score=5)
    walk(frontline1, complaint_id, ["close"])

    assert set(send_webhooks()) == {"sent"}

    assert subscriber.refused == []
    types = [delivery["payload"]["type"] for delivery in subscriber.received]
    assert types == [
        "complaint.logged",
        "complaint.step_done",  # apologize
        "compensation.granted",
        "approval.decided",
        "complaint.step_done",  # follow_up, by the survey
        "survey.answered",
        "complaint.closed",
    ]
    reference = Complaint.objects.get(pk=complaint_id).reference
    for delivery in subscriber.received:
        payload = delivery["payload"]
        schema = json.loads((SCHEMAS / f"{payload['type']}.json").read_text())
        jsonschema.validate(payload, schema, format_checker=jsonschema.FormatChecker())
        assert payload["data"]["reference"] == reference
        assert payload["data"]["complaint_id"] == complaint_id
    granted = subscriber.received[2]["payload"]["data"]
    assert (granted["total"], granted["currency"], granted["compensation"][0]["kind"]) == ("80.00", "CNY", "voucher")
    answered = subscriber.received[5]["payload"]["data"]
    assert (answered["solved"], answered["score"]) == (True, 5)
    everything = json.dumps([delivery["payload"] for delivery in subscriber.received], ensure_ascii=False)
    for private in ("Ms. Wang", "138", "wang@example.com", "Sorry.", "frontline1", "supervisor1"):
        assert private not in everything
    assert len({delivery["id"] for delivery in subscriber.received}) == 7


def test_a_subscription_gets_only_its_events_and_its_store(org, limits, sla, subscriber):
    subscribe(org, subscriber, events=["complaint.closed"])
    subscribe(org, subscriber, events=["complaint.logged"], store=org.s2, name="Airport BI")
    frontline1 = Api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert not webhook_rows().exists()

    walk(frontline1, complaint_id, ["respond", "follow-up", "close"])

    assert [row.kind for row in webhook_rows()] == ["complaint.closed"]


def test_nothing_is_written_without_a_subscription(org, limits, sla):
    frontline1 = Api(org.frontline1)
    walk(frontline1, frontline1.apologized(), ["respond", "follow-up", "close"])
    assert not webhook_rows().exists()


def test_a_loopback_endpoint_not_allowed_by_the_admin_is_refused_and_never_called(org, limits, sla, subscriber):
    subscribe(org, subscriber, allow_private_network=False)
    Api(org.frontline1).log()

    assert send_webhooks() == ["given_up"]

    assert webhook_rows().get().error_code == "address_refused"
    assert subscriber.requests == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(org, limits, sla, subscriber):
    elsewhere = FakeSubscriber().start()
    try:
        subscribe(org, subscriber)
        subscriber.answer_status = 307
        subscriber.headers_extra = {"Location": elsewhere.url}
        Api(org.frontline1).log()

        assert send_webhooks() == ["failed"]

        assert webhook_rows().get().error_code == "307"
        assert elsewhere.requests == 0
    finally:
        elsewhere.stop()


def test_a_subscriber_that_keeps_failing_is_disabled_its_owner_told_and_replay_sends_the_same_message(
    org, limits, sla, subscriber, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    org.admin.email = "owner@example.com"
    org.admin.save()
    subscription = subscribe(org, subscriber)
    subscriber.answer_status = 503
    frontline1 = Api(org.frontline1)
    for _ in range(3):
        frontline1.log()

    with django_capture_on_commit_callbacks(execute=True):  # the owner is emailed once the disabling commits
        assert send_webhooks() == ["failed", "failed", "failed"]

    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.failures_in_a_row) == (False, 3)
    assert "503" in subscription.disabled_reason
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "POS" in mail.outbox[0].subject
    frontline1.log()
    assert webhook_rows().count() == 3  # a disabled subscription is written no more

    # Fixed, made active again by the admin, and the missed deliveries replayed under their webhook-ids.
    subscriber.answer_status = None
    subscription.is_active = True
    subscription.save()
    first = webhook_rows().first()
    assert webhook_deliveries_replay([first.pk]) == 1
    assert sending.outbox_message_send(first.pk, now=timezone.now()) == "sent"
    assert subscriber.received[-1]["id"] == first.payload["id"]
    assert WebhookDelivery.objects.get(pk=first.pk).status == "sent"


@pytest.mark.django_db(transaction=True)  # as a create runs: outside a transaction, its statement alone
def test_a_subscribed_create_still_takes_its_two_statements_the_message_written_in_the_intakes(
    org, limits, sla, subscriber
):
    subscribe(org, subscriber, events=["complaint.logged"])
    frontline1 = Api(org.frontline1)
    reference_data_renew()  # read anew: the process keeps the subscriptions, as it keeps policies
    frontline1.log()

    with CaptureQueriesContext(connection) as queries:
        response = frontline1.log(customer={"name": "Mr. Li", "phone": "139 0013 9000"})

    assert response.status_code == 201
    statements = [query["sql"] for query in queries.captured_queries]
    assert [sql.split()[0] for sql in statements] == ["SELECT", "WITH"]  # the token; the intake's one statement
    assert "outbox_outboxmessage" in statements[1]
    assert webhook_rows().count() == 2
    assert webhook_rows().last().payload["params"]["reference"] == response.json()["reference"]
