"""The admin of robots and subscriptions: secrets written, never shown back; the delivery log's replay."""

from django.test import Client
from django.utils import timezone

from integrations.models import ChatRobot, WebhookSubscription
from outbox.models import OutboxMessage

SECRET = "SEC0123456789abcdefsecretpart"
KEY = "693a91f6-key-in-the-address"


def admin_client(org) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(org.admin)
    return client


def test_a_robots_secret_and_address_are_written_never_shown_and_kept_when_left_empty(org):
    client = admin_client(org)
    form = {
        "platform": "wecom",
        "name": "Downtown floor",
        "store": org.s1.pk,
        "region": "",
        "webhook_url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
        "secret": SECRET,
        "language": "zh-hans",
        "is_active": "on",
    }
    assert client.post("/admin/integrations/chatrobot/add/", form).status_code == 302
    robot = ChatRobot.objects.get()

    for page in ("/admin/integrations/chatrobot/", f"/admin/integrations/chatrobot/{robot.pk}/change/"):
        html = client.get(page).content.decode()
        assert SECRET not in html
        assert KEY not in html

    changed = form | {"name": "Downtown supervisors", "webhook_url": "", "secret": ""}
    assert client.post(f"/admin/integrations/chatrobot/{robot.pk}/change/", changed).status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.secret) == ("Downtown supervisors", SECRET)
    assert robot.webhook_url.endswith(KEY)


def test_a_robot_belongs_to_a_store_or_a_region_not_both(org):
    form = {"platform": "dingtalk", "name": "x", "store": org.s1.pk, "region": org.s1.region.pk}
    form |= {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t", "language": "en"}
    response = admin_client(org).post("/admin/integrations/chatrobot/add/", form)
    assert response.status_code == 200
    assert "Choose a store or a region, not both." in response.content.decode()
    assert not ChatRobot.objects.exists()


def test_a_subscriptions_secret_is_shown_once_when_made(org):
    client = admin_client(org)
    form = {"name": "POS", "url": "https://pos.example.com/hooks", "events": ["compensation.granted"]}
    response = client.post("/admin/integrations/webhooksubscription/add/", form | {"owner": org.admin.pk}, follow=True)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()
    assert (
        subscription.secret
        not in client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/").content.decode()
    )


def test_the_delivery_log_replays_a_given_up_delivery(org):
    subscription = WebhookSubscription.objects.create(name="POS", url="https://pos.example.com/h", owner=org.admin)
    given_up = OutboxMessage.objects.create(
        channel="webhook",
        destination=f"subscription:{subscription.pk}",
        kind="complaint.logged",
        payload={"id": "msg_1", "body": {}},
        status="given_up",
        attempts=8,
        idempotency_key="webhook:test:1",
        created_at=timezone.now(),
    )
    client = admin_client(org)
    assert "complaint.logged" in client.get("/admin/integrations/webhookdelivery/").content.decode()

    response = client.post(
        "/admin/integrations/webhookdelivery/", {"action": "replay", "_selected_action": [given_up.pk]}, follow=True
    )

    assert "1 delivery queued again." in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.status, given_up.attempts) == ("queued", 0)
