"""Staff alerts in their work chat: a store's (and its region's) group robots on DingTalk and WeCom.

An alert is written to the outbox in the transaction of its cause, once per robot, in the robot's group language,
and sent by the worker at once: DingTalk's robot signed as it documents (``timestamp`` in milliseconds and ``sign``,
the HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64 then URL-encoded, on the query string), WeCom's
group robot by the ``key`` in its address. Both take a markdown body and answer ``{"errcode": 0}`` when it went.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus

from django.utils import translation

from core.bulk_rows import NewRow
from core.reference import ReferenceTable
from integrations import network
from integrations.models import ChatPlatform, ChatRobot
from outbox.models import Channel, OutboxMessage
from outbox.sending import SendFailed, Sent, outbox_new, outbox_write
from staff.models import Store

# Platform error codes worth another try (rate limits, busy): anything else is given up at once.
RETRIED_ERRORS = {"130101", "-1", "45009", "45033"}


@dataclass(frozen=True)
class ChatAlert:
    title: str
    lines: list[str]
    link: str = ""
    link_text: str = ""

    def markdown(self) -> str:
        text = "\n\n".join([f"### {self.title}", *self.lines])
        if self.link:
            text += f"\n\n[{self.link_text or self.link}]({self.link})"
        return text


def _active() -> list[ChatRobot]:
    return list(ChatRobot.objects.filter(is_active=True).order_by("pk"))


# Read once per process until a robot changes (core.reference): an alert with no robot set up costs nothing.
ACTIVE_ROBOTS = ReferenceTable(_active)


def robots_active() -> list[ChatRobot]:
    """The active robots, as kept by this process (a request reads the version with its token: no statement)."""
    return ACTIVE_ROBOTS.get()


def robots_active_read() -> list[ChatRobot]:
    """The active robots, read now in one statement: for the sweep, where a kept table would cost a statement for its
    version on every batch anyway, and sometimes two."""
    return _active()


def robots_of(store: Store, robots: list[ChatRobot] | None = None) -> list[ChatRobot]:
    """The active robots of ``store`` and of its region (``robots``: the active ones, when read already)."""
    robots = robots_active() if robots is None else robots
    return [r for r in robots if r.store_id == store.pk or (r.region_id and r.region_id == store.region_id)]


def chat_alert_rows(
    *,
    store: Store,
    kind: str,
    cause: str,
    alert: Callable[[], ChatAlert],
    complaint_id=None,
    now: datetime,
    robots: list[ChatRobot] | None = None,
) -> list[NewRow]:
    """``alert`` (built in each robot's language, else the store's) for each robot of ``store`` and its region, not
    written yet; ``cause`` names what happened once, so that it is never written twice."""
    rows = []
    for robot in robots_of(store, robots):
        language = robot.language or store.language
        with translation.override(language):
            said = alert()
        rows.append(
            outbox_new(
                channel=Channel.CHAT,
                destination=f"{robot.platform}:{robot.pk}",
                kind=kind,
                idempotency_key=f"chat:{kind}:{cause}:{robot.pk}",
                payload={"title": said.title, "markdown": said.markdown()},
                language=language,
                complaint_id=complaint_id,
                now=now,
            )
        )
    return rows


def chat_alerts_enqueue(**alert) -> list[int]:
    """Write the alert's messages (``chat_alert_rows``) in the current transaction, to be sent at once."""
    rows = chat_alert_rows(**alert)
    return outbox_write(rows, send_now=True) if rows else []


def dingtalk_signed_url(url: str, secret: str, *, now: datetime) -> str:
    """The robot's address with DingTalk's ``timestamp`` (ms) and ``sign`` added (when it has a secret)."""
    if not secret:
        return url
    timestamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def chat_body(platform: str, payload: dict) -> dict:
    if platform == ChatPlatform.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": payload["title"], "text": payload["markdown"]}}
    return {"msgtype": "markdown", "markdown": {"content": payload["markdown"]}}


def chat_send(message: OutboxMessage, *, now: datetime) -> Sent:
    """The outbox's sender for ``chat`` messages (destination ``dingtalk:<robot>`` or ``wecom:<robot>``)."""
    platform, _, pk = message.destination.partition(":")
    robot = ChatRobot.objects.filter(pk=pk, platform=platform).first() if pk.isdigit() else None
    if robot is None or not robot.is_active:
        raise SendFailed("robot_gone", "the robot is gone or inactive", provider=platform, retry=False)
    url = (
        dingtalk_signed_url(robot.webhook_url, robot.secret, now=now)
        if platform == ChatPlatform.DINGTALK
        else robot.webhook_url
    )
    body = json.dumps(chat_body(platform, message.payload), ensure_ascii=False).encode()
    try:
        answer = network.post(url, body, {}, allow_private=robot.allow_private_network)
    except network.AddressRefused as refused:
        raise SendFailed("address_refused", str(refused), provider=platform, retry=False) from refused
    except OSError as exc:
        raise SendFailed("unreachable", str(exc), provider=platform) from exc
    if answer.status != 200:
        raise SendFailed(str(answer.status), f"answered {answer.status}", provider=platform)
    try:
        said = json.loads(answer.body)
    except ValueError as exc:
        raise SendFailed("bad_answer", answer.body[:200].decode(errors="replace"), provider=platform) from exc
    code = str(said.get("errcode", ""))
    if code != "0":
        raise SendFailed(code, str(said.get("errmsg", ""))[:300], provider=platform, retry=code in RETRIED_ERRORS)
    return Sent(provider=platform)
