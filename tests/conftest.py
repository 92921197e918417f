"""Shared fixtures: a small organisation (region R1, stores S1 and S2, one user per role)."""

import email
import email.policy
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.utils import translation

from complaints.models import SlaPolicy
from complaints.tiers import starting_tiers_create
from core import embedded_database
from core.reference import reference_data_renew
from recovery.models import CompensationKind, EmpowermentPolicy
from staff.models import Role, Store, StoreCustomerCount, User
from tests import helpers
from tests import processes as started_processes
from tests.factories import CategoryFactory, RegionFactory, StoreFactory, UserFactory
from tests.helpers import Api


def pytest_configure(config) -> None:
    """``TEST_TODAY=2027-03-01 make test``: the suite as it will run on that day (Python's clock moved there and
    ticking; PostgreSQL's and the worker processes' are not), to find a test that reads today against data made
    at a fixed moment before the day comes. Leave out the fault tests (``-m "not faults"``): their processes
    keep the real clock."""
    if today := os.environ.get("TEST_TODAY"):
        time_machine.travel(datetime.fromisoformat(today).replace(tzinfo=UTC), tick=True).start()


@pytest.fixture(autouse=True)
def _language_reset():
    """A page asked in Chinese leaves Chinese active in the thread (the locale middleware does not reset it):
    every test starts from the default language, whatever ran before it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _reference_data_renew(django_db_setup, django_db_blocker):
    """Policies, guidelines and categories are kept in each process (core.reference) and read again when one
    changes; a test's rows vanish in a rollback that tells nobody, so every test starts them afresh, in this
    process and in any Celery worker (a new version, committed before the test's transaction and after it)."""
    with django_db_blocker.unblock():
        reference_data_renew()
    yield
    with django_db_blocker.unblock():
        reference_data_renew()


@pytest.fixture
def processes() -> Iterator[started_processes.Started]:
    """Start processes (Celery workers, servers) through this: whatever still runs is stopped after the test,
    however it ended (tests/processes.py)."""
    started = started_processes.Started()
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def own_redis(processes, tmp_path) -> started_processes.OwnRedis:
    """A redis-server of the test's own, running (never the shared one: the test stops or hangs it)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: install Debian's redis-server package")
    redis_server = started_processes.OwnRedis(processes, tmp_path)
    redis_server.start()
    yield redis_server
    redis_server.stop()


@pytest.fixture
def embedded_data_dir():
    """A data folder for the embedded PostgreSQL (core.embedded_database), whose server is stopped and folder
    removed after the test. Not under tmp_path: as root the server runs as a user of its own, who must reach
    the folder, and every pytest that starts closes /tmp/pytest-of-<user> to other users again."""
    parent = Path(tempfile.mkdtemp(prefix="embedded-postgres-"))
    yield parent / ".pgdata"
    embedded_database.stop(parent / ".pgdata")
    shutil.rmtree(parent)


@dataclass
class Org:
    s1: Store
    s2: Store
    s3_other_region: Store
    frontline1: User
    frontline2: User
    frontline3: User
    supervisor1: User
    supervisor2: User
    manager1: User
    manager_other_region: User
    admin: User


@pytest.fixture
def tiers(db) -> None:
    """The customer tiers A, B, C (C the default) as the migrations create them: a test run in a transaction
    that is flushed afterwards (a live server, a concurrency test) deletes them for the tests after it."""
    starting_tiers_create()


@pytest.fixture
def org(db, tiers) -> Org:
    r1 = RegionFactory(code="R1", name="East")
    r2 = RegionFactory(code="R2", name="West")
    s1 = StoreFactory(code="S1", name="Downtown", region=r1)
    s2 = StoreFactory(code="S2", name="Airport", region=r1)
    s3 = StoreFactory(code="S3", name="Harbour", region=r2)
    for code, en, zh in [("food_quality", "Food quality", "菜品质量"), ("wait_time", "Waiting time", "等候时间")]:
        CategoryFactory(code=code, name_en=en, name_zh=zh)
    return Org(
        s1=s1,
        s2=s2,
        s3_other_region=s3,
        frontline1=UserFactory(username="frontline1", store=s1),
        frontline2=UserFactory(username="frontline2", store=s1),
        frontline3=UserFactory(username="frontline3", store=s2),
        supervisor1=UserFactory(username="supervisor1", role=Role.SUPERVISOR, store=s1),
        supervisor2=UserFactory(username="supervisor2", role=Role.SUPERVISOR, store=s2),
        manager1=UserFactory(username="manager1", role=Role.MANAGER, store=None, region=r1),
        manager_other_region=UserFactory(username="manager2", role=Role.MANAGER, store=None, region=r2),
        admin=UserFactory(username="admin", role=Role.ADMIN, store=None, is_staff=True, is_superuser=True),
    )


# The design's limits (DESIGN.md, issue 4): per action / per business day / per customer per 30 days.
DESIGN_LIMITS = {
    Role.FRONTLINE: ("50", "100", "150"),
    Role.SUPERVISOR: ("500", "2000", "1000"),
    Role.MANAGER: ("5000", "20000", "5000"),
}
FRONTLINE_KINDS = ["voucher", "free_item", "discount", "replacement", "gift"]  # not refunds


@pytest.fixture
def limits(db) -> dict[str, EmpowermentPolicy]:
    """Each role's default policy, as seed_demo sets it; admins have none (they are never limited)."""
    return {
        role: EmpowermentPolicy.objects.create(
            role=role,
            max_per_action=Decimal(per_action),
            max_per_day=Decimal(per_day),
            max_per_customer=Decimal(per_customer),
            allowed_kinds=FRONTLINE_KINDS if role == Role.FRONTLINE else list(CompensationKind.values),
        )
        for role, (per_action, per_day, per_customer) in DESIGN_LIMITS.items()
    }


MINUTE, HOUR = 60, 3600


@pytest.fixture
def sla(db) -> dict[tuple[str, str | None], SlaPolicy]:
    """SLA windows for the tests: (severity, channel) → policy; channel None is any other channel."""
    windows = {
        # severity, channel: apologize, respond, follow up after, approval, escalate every
        ("critical", "in_person"): (5 * MINUTE, 15 * MINUTE, 24 * HOUR, 10 * MINUTE, 10 * MINUTE),
        ("critical", None): (30 * MINUTE, 2 * HOUR, 24 * HOUR, 10 * MINUTE, 30 * MINUTE),
        ("high", "in_person"): (10 * MINUTE, 30 * MINUTE, 24 * HOUR, 10 * MINUTE, 15 * MINUTE),
        ("high", None): (1 * HOUR, 4 * HOUR, 24 * HOUR, 10 * MINUTE, 1 * HOUR),
        ("medium", None): (2 * HOUR, 8 * HOUR, 24 * HOUR, 10 * MINUTE, 2 * HOUR),
        ("low", None): (24 * HOUR, 72 * HOUR, 24 * HOUR, 10 * MINUTE, 8 * HOUR),
    }
    return {
        key: SlaPolicy.objects.create(
            severity=key[0],
            channel=key[1],
            apologize_within=apologize,
            respond_within=respond,
            follow_up_after=follow_up,
            approval_within=approval,
            escalate_every=escalate,
        )
        for key, (apologize, respond, follow_up, approval, escalate) in windows.items()
    }


@pytest.fixture
def rate_limit_redis():
    """The public form's rate-limit counters, all reset (only theirs: Celery shares this Redis); the client."""
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    keys = list(client.scan_iter(match="ratelimit:*"))
    if keys:
        client.delete(*keys)
    return client


@pytest.fixture
def public_form_media(settings, tmp_path):
    """Customers' photos in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api() -> type[Api]:
    return Api


@pytest.fixture
def supervisor1_pin(org, api) -> str:
    """supervisor1's approval PIN, set the way an approver sets it."""
    response = api(org.supervisor1).client.put(
        "/api/v1/me/approval-pin/", {"pin": "2580", "password": "test-pass-123"}, format="json"
    )
    assert response.status_code == 204
    return "2580"


# --- A small day of complaints, with every figure of the metrics counted by hand ----------------------

METRICS_DAY = "2026-11-23"  # T0 is noon in Shanghai
CLOSE = {"closure_code": "resolved", "servqual_dimension": "reliability", "blueprint_area": "back_stage"}


@pytest.fixture
def day_of_complaints(org, api, limits, sla):
    """Three in-person, high-severity complaints at store S1 on 23 Nov 2026 (windows: apologize 10 min,
    respond 30 min from logging, follow-up 24 h after the response, approval 10 min):

    A  food_quality, customer 138…: apologized after 5 min, responded at 20 min with a ¥20 voucher,
       followed up (5) and closed as resolved by its logger at 2 h.
    B  food_quality, the same customer, 1 h later: apology 15 min late (escalated by the sweep), ¥80
       over the frontline limit approved by supervisor1 in 5 min at 1 h 50 min, followed up (2) and
       closed as resolved_unsatisfied at 2 h 30 min.
    C  wait_time, no customer, at 2 h: apologized after 5 min; its response was due at 2 h 30 min.
    """
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)

    def when(minutes: int):
        return helpers.T0 + minutes * helpers.MINUTE

    a = helpers.at(when(0), frontline1.log, category="food_quality")["id"]
    helpers.at(when(5), frontline1.step, a, "apologize", {"note": ""})
    helpers.at(when(20), frontline1.respond, a, ("voucher", "20.00"))
    b = helpers.at(when(60), frontline1.log, category="food_quality")["id"]
    helpers.sweep(when(72))
    helpers.at(when(75), frontline1.step, b, "apologize", {"note": ""})
    approval = helpers.at(when(105), frontline1.respond, b, ("voucher", "80.00"))["pending_approval"]["id"]
    helpers.at(when(110), supervisor1.post, f"/api/v1/approvals/{approval}/approve/", {"note": "OK"})
    helpers.at(when(120), frontline1.step, a, "follow-up", {"outcome": "Happy", "satisfaction": 5})
    helpers.at(when(120), frontline1.step, a, "close", CLOSE)
    c = helpers.at(when(120), frontline1.log, category="wait_time", customer=None)["id"]
    helpers.at(when(125), frontline1.step, c, "apologize", {"note": ""})
    helpers.at(when(150), frontline1.step, b, "follow-up", {"outcome": "Meh", "satisfaction": 2})
    unsatisfied = {"closure_code": "resolved_unsatisfied", "servqual_dimension": "responsiveness"}
    helpers.at(when(150), frontline1.step, b, "close", CLOSE | unsatisfied | {"blueprint_area": "front_stage"})
    StoreCustomerCount.objects.create(store=org.s1, day=date(2026, 11, 23), customers=600)
    return org


class ReceivedMail:
    """What a real SMTP server on loopback received: each message as a mail client parses it. ``refusals``: the
    replies it gives a recipient instead of accepting it, one a try, in turn (``["450 …"]``: greylisted once)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refusals: dict[str, list[str]] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if replies := self.refusals.get(address):
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def bodies_to(self, address: str) -> list[str]:
        return [message.get_content() for message in self.messages if address in message["To"]]

    def subjects_to(self, address: str) -> list[str]:
        return [message["Subject"] for message in self.messages if address in message["To"]]


@pytest.fixture
def smtp(settings) -> Iterator[ReceivedMail]:
    """Emails go to an aiosmtpd server on 127.0.0.1 (Django's SMTP backend, as in production): what it received."""
    received = ReceivedMail()
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    try:
        yield received
    finally:
        server.stop()
