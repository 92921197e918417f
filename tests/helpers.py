"""Test helpers: an API client acting as one user, and the bodies of the flow's steps."""

import io
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
import yaml
from django.conf import settings
from django.db import connection
from PIL import ExifTags, Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.addresses import proxy_networks
from outbox import sending
from outbox.email import email_key
from outbox.models import DUE_STATUSES, Channel, MessageStatus, OutboxMessage
from recovery import reminders
from recovery.notices import notifications
from recovery.surveys import invitations
from staff.models import User


class Api:
    """An API client acting as one user (by token), with short helpers for the complaint flow."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def get(self, path: str, **params: Any):
        return self.client.get(path, params)

    def post(self, path: str, data: Any = None, **headers: str):
        return self.client.post(path, data or {}, format="json", headers=headers or None)

    def log(self, **overrides: Any):
        body = {
            "channel": "in_person",
            "category": "food_quality",
            "severity": "high",
            "stage": "in_sale",
            "description": "The soup was cold.",
            "customer": {"name": "Ms. Wang", "phone": "138 0013 8000"},
            **overrides,
        }
        return self.post("/api/v1/complaints/", body)

    def step(self, complaint_id: str, step: str, data: dict | None = None, **headers: str):
        return self.post(f"/api/v1/complaints/{complaint_id}/{step}/", data, **headers)

    def apologized(self, **overrides: Any) -> str:
        """Log a complaint and apologize: the id of a complaint ready for the response."""
        response = self.log(**overrides)
        assert response.status_code == 201, response.json()
        complaint_id = response.json()["id"]
        assert self.step(complaint_id, "apologize", {"note": "Sorry."}).status_code == 200
        return complaint_id

    def respond(self, complaint_id: str, *compensation: tuple[str, str], **headers: str):
        """Respond with compensation lines given as ``(kind, amount)``."""
        lines = [{"kind": kind, "amount": amount, "note": ""} for kind, amount in compensation]
        body = {"resolution": "We made it right.", "compensation": lines}
        return self.step(complaint_id, "respond", body, **headers)


STEP_BODIES = {
    "apologize": {"note": "Sorry for the cold soup."},
    "respond": {"resolution": "Replaced the soup.", "note": ""},
    "compensation": {"compensation": [{"kind": "voucher", "amount": "10.00", "note": "Next visit"}]},
    "follow-up": {"outcome": "Happy now", "satisfaction": 5},
    "survey": {},
    "close": {"closure_code": "resolved", "servqual_dimension": "reliability", "blueprint_area": "back_stage"},
    "reopen": {"reason": "Customer called back."},
}


def walk(api: Api, complaint_id: str, steps: list[str]) -> None:
    """Take ``steps`` in order, each of which must succeed."""
    for step in steps:
        response = api.step(complaint_id, step, STEP_BODIES[step])
        assert response.status_code == 200, (step, response.json())


def run_at_once(count: int, action: Callable[[int], object]) -> list:
    """Run ``action(i)`` in ``count`` threads released together; each thread has its own DB connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action(i)
        except Exception as exc:  # surfaced by the assertions on results
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- Scheduling: a chosen moment, and one beat of the sweep at it ------------------------------------

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Monday
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def log_at(api: Api, at: datetime, **overrides) -> str:
    with time_machine.travel(at, tick=False):
        response = api.log(**overrides)
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def sweep(now: datetime) -> None:
    """One beat: every batch of what is due, then the emails waiting (as the worker would; the other channels'
    messages are left for their own tests to send)."""
    while (swept := reminders.due_batch_sweep(now=now)).found:
        if swept.found < settings.SLA_SWEEP_BATCH:
            break
    outbox_send_here(now, channel=Channel.EMAIL)


def outbox_send_here(now: datetime, *, channel: str | None = None) -> int:
    """What the outbox's worker would send at ``now`` (of one ``channel``, or all), sent in this thread (so in the
    test's transaction): returns how many it tried."""
    due = sending.outbox_due_ids(now=now, limit=100_000)
    if channel is not None:
        due = OutboxMessage.objects.filter(pk__in=due, channel=channel).order_by("pk").values_list("pk", flat=True)
    return sum(sending.outbox_message_send(pk, now=now) is not None for pk in due)


def email_of(notification) -> OutboxMessage | None:
    """A notification's email in the outbox (None when its recipient has no address)."""
    return OutboxMessage.objects.filter(idempotency_key=email_key(notifications.EMAIL_KIND, notification.pk)).first()


def survey_email_of(invitation) -> OutboxMessage | None:
    """A survey link's email in the outbox (None when it was not emailed)."""
    return OutboxMessage.objects.filter(idempotency_key=email_key(invitations.EMAIL_KIND, invitation.pk)).first()


def emails_unsent() -> int:
    """Emails waiting in the outbox (to be sent, or tried again)."""
    return OutboxMessage.objects.filter(channel=Channel.EMAIL, status__in=DUE_STATUSES).count()


def emails_sent() -> int:
    return OutboxMessage.objects.filter(channel=Channel.EMAIL, status=MessageStatus.SENT).count()


def purge_queue() -> None:
    """Empty the broker's default queue (Redis db 15): a worker test starts from nothing."""
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")


def at(moment, call, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        response = call(*args, **kwargs)
    assert response.status_code in (200, 201), response.json()
    return response.json()


def jpeg_with_gps(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A phone photo as a phone sends it: camera make and model, and where it was taken (GPS)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 9"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


COMPOSE_FILE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def compose_web_environment() -> dict[str, str]:
    """The environment docker-compose.yml gives the web service, as Compose reads it with its defaults:
    ``${NAME:-default}`` is the default, ``${NAME:?message}`` stays to be filled in by the test."""
    environment = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["web"]["environment"]
    return {name: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value)) for name, value in environment.items()}


def compose_trusted_proxies() -> tuple:
    """``TRUSTED_PROXIES`` as the web service gets it from Compose: the proxy in front of it."""
    return proxy_networks(compose_web_environment()["TRUSTED_PROXIES"].split(","))
