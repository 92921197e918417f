"""Staff alerts in their work chat: a store's (or its region's) DingTalk and WeCom group robots hear of approvals to
decide, complaints overdue or escalated, and customers still in the store, at once, in the group's language, through
the outbox; each robot's platform is a local fake that checks what the platform documents (DingTalk's signature)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Category, Complaint
from integrations.chat import chat_send, dingtalk_signed_url
from integrations.models import ChatRobot
from outbox import sending
from outbox.models import OutboxMessage
from recovery.notices.in_store import public_complaint_log
from tests.helpers import Api, sweep
from tests.integrations.fakes import FakeDingTalk, FakeWeCom


@pytest.fixture
def dingtalk():
    fake = FakeDingTalk().start()
    yield fake
    fake.stop()


@pytest.fixture
def wecom():
    fake = FakeWeCom().start()
    yield fake
    fake.stop()


def robot(fake, *, store=None, region=None, language="zh-hans", **fields) -> ChatRobot:
    platform = "dingtalk" if isinstance(fake, FakeDingTalk) else "wecom"
    given = {
        "platform": platform,
        "name": f"{platform} group",
        "store": store,
        "region": region,
        "webhook_url": fake.url,
        "secret": getattr(fake, "secret", ""),
        "language": language,
        "allow_private_network": True,  # the fake is on loopback
    }
    return ChatRobot.objects.create(**(given | fields))


def chat_rows(kind: str | None = None):
    rows = OutboxMessage.objects.filter(channel="chat").order_by("pk")
    return rows.filter(kind=kind) if kind else rows


def send_chat(now=None) -> list[str | None]:
    now = now or timezone.now()
    return [sending.outbox_message_send(row.pk, now=now) for row in chat_rows()]


def approval_requested(org) -> Complaint:
    """A complaint whose 80.00 voucher is above the frontline's limits: sent to the store's supervisors."""
    org.frontline1.first_name, org.frontline1.last_name = "Li", "Na"
    org.frontline1.save()
    frontline1 = Api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert frontline1.respond(complaint_id, ("voucher", "80.00")).status_code == 200
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"
    sweep(timezone.now())  # what the request's task does at once: approvers told
    return Complaint.objects.get(pk=complaint_id)


def test_an_approval_request_reaches_the_stores_dingtalk_group_signed_with_amount_requester_countdown_and_link(
    org, limits, sla, dingtalk
):
    robot(dingtalk, store=org.s1)

    complaint = approval_requested(org)

    assert [row.kind for row in chat_rows()] == ["approval_requested"]
    assert send_chat() == ["sent"]
    assert dingtalk.refused == []
    (message,) = dingtalk.received
    text = message["markdown"]["text"]
    assert message["markdown"]["title"] == "待审批：¥80.00"
    assert "Li Na" in text
    assert "¥80.00" in text
    assert "分钟内审批" in text
    assert f"/complaints/{complaint.pk}/" in text
    assert "Ms. Wang" not in text
    assert "138" not in text


def test_the_group_reads_english_when_set_so_and_a_regions_robot_hears_its_stores(org, limits, sla, wecom):
    robot(wecom, region=org.s1.region, language="en")

    approval_requested(org)

    assert send_chat() == ["sent"]
    (message,) = wecom.received
    content = message["markdown"]["content"]
    assert content.startswith("### Approval needed: ¥80.00")
    assert "asked by Li Na" in content
    assert "Decide within" in content


def test_dingtalk_refuses_a_wrong_signature_and_a_timestamp_over_an_hour_old(org, dingtalk):
    now = timezone.now()
    signed = dingtalk_signed_url(dingtalk.url, dingtalk.secret, now=now)
    assert "&timestamp=" in signed
    assert "&sign=" in signed
    good = robot(dingtalk, store=org.s1)
    wrong = robot(dingtalk, store=org.s1, secret="SECnot-the-right-one")
    payload = {"title": "t", "markdown": "### t"}

    def send(chat_robot, at):
        message = OutboxMessage(channel="chat", destination=f"dingtalk:{chat_robot.pk}", payload=payload)
        try:
            return chat_send(message, now=at)
        except sending.SendFailed as failed:
            return failed.code

    assert send(wrong, now) == "310000"
    assert send(good, now - timedelta(hours=1, minutes=1)) == "310000"
    assert dingtalk.refused == ["sign not match", "invalid timestamp"]
    assert send(good, now - timedelta(minutes=59)).provider == "dingtalk"
    assert len(dingtalk.received) == 1


def test_a_customer_still_in_the_store_reaches_the_groups_at_once_in_the_same_transaction(org, limits, sla, wecom):
    robot(wecom, store=org.s1, language="")  # the store's language: Chinese (Store.language)

    complaint = public_complaint_log(
        store=org.s1,
        description="The soup is cold and nobody comes.",
        still_in_store=True,
        category=Category.objects.get(code="food_quality"),
        language="zh-hans",
    )

    assert [row.kind for row in chat_rows()] == ["customer_in_store"]
    assert chat_rows().get().complaint_id == complaint.pk
    assert send_chat() == ["sent"]
    content = wecom.received[0]["markdown"]["content"]
    assert content.startswith(f"### 顾客仍在店内：{complaint.reference}")
    assert "菜品质量" in content


def test_a_customer_who_left_is_not_an_alert(org, limits, sla, wecom):
    robot(wecom, store=org.s1)
    public_complaint_log(store=org.s1, description="It was cold.", still_in_store=False, language="en")
    assert not chat_rows().exists()


def test_an_overdue_complaint_and_its_escalation_reach_the_group(org, limits, sla, dingtalk):
    robot(dingtalk, store=org.s1, language="en")
    complaint_id = Api(org.frontline1).log().json()["id"]
    apology = Complaint.objects.get(pk=complaint_id).deadlines.get(step="apologize")

    late = apology.due_at + timedelta(seconds=1)
    sweep(late)

    rows = chat_rows("escalation")
    assert rows.count() == 1
    assert sending.outbox_message_send(rows.get().pk, now=late) == "sent"
    text = dingtalk.received[0]["markdown"]["text"]
    assert text.startswith("### Overdue: ")
    assert "The apology was due by" in text


def test_with_no_robot_nothing_is_written_and_an_inactive_robot_is_not_told(org, limits, sla, dingtalk):
    approval_requested(org)
    assert not chat_rows().exists()

    robot(dingtalk, store=org.s2)  # another store's
    robot(dingtalk, store=org.s1, is_active=False)
    approval_requested(org)
    assert not chat_rows().exists()


def test_a_robot_on_a_private_address_is_refused_unless_the_admin_allowed_it(org, limits, sla, dingtalk):
    robot(dingtalk, store=org.s1, allow_private_network=False)

    approval_requested(org)

    assert send_chat() == ["given_up"]
    assert chat_rows().get().error_code == "address_refused"
    assert dingtalk.requests == 0
