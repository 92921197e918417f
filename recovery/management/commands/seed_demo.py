"""Create the demo organisation: region R1, stores S1/S2, one user per role, categories, samples.

Idempotent: running it again leaves one of everything (and resets the demo passwords). With
``--complaints N`` it then adds N complaints of history over ``--stores M`` stores
(``recovery.demo_volume``).
"""

import uuid
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from complaints.models import Category, Channel, Complaint, Severity, SlaPolicy
from complaints.services import intake
from complaints.services import steps as complaint_steps
from recovery import demo_volume
from recovery.approvals import pins
from recovery.compensation import grants
from recovery.models import ApprovalPin, CompensationGuideline, CompensationKind, EmpowermentPolicy
from staff.models import OpeningHours, Region, Role, Store, User
from staff.qr import public_form_url

DEMO_PASSWORD = "demo-pass-123"
# Approvers' PIN for approving in person on a frontline tablet.
DEMO_APPROVAL_PIN = "2580"

ALL_KINDS = list(CompensationKind.values)
# role: (max per action, max per staff member per business day, max per customer per 30 days, kinds)
POLICIES = {
    Role.FRONTLINE: ("50", "100", "150", [k for k in ALL_KINDS if k != CompensationKind.REFUND]),
    Role.SUPERVISOR: ("500", "2000", "1000", ALL_KINDS),
    Role.MANAGER: ("5000", "20000", "5000", ALL_KINDS),
    Role.ADMIN: (None, None, None, ALL_KINDS),  # no limits: the last approver
}

# Suggested compensation: a base range per category, scaled by severity.
GUIDELINE_BASE = {
    "food_quality": (20, 50, "换菜或赠送甜品 / a replacement dish or a free dessert"),
    "wait_time": (10, 30, "赠送饮品 / a free drink"),
    "staff_attitude": (0, 30, "真诚道歉，可赠小礼品 / a sincere apology, maybe a small gift"),
    "billing": (0, 50, "退还多收款项 / refund what was overcharged"),
    "cleanliness": (0, 20, "立即清理，赠送饮品 / clean at once, a free drink"),
    "promise_broken": (20, 80, "兑现承诺并补偿 / keep the promise and compensate"),
}
MINUTE, HOUR = 60, 60 * 60
# severity: (apologize within, respond within, escalate every) for remote channels (counted in open
# hours), then the same in person (wall time: the customer is standing there). Follow-up 24 h
# after responding; approvals may wait 10 minutes.
SLA = {
    Severity.CRITICAL: ((30 * MINUTE, 2 * HOUR, 30 * MINUTE), (5 * MINUTE, 15 * MINUTE, 10 * MINUTE)),
    Severity.HIGH: ((1 * HOUR, 8 * HOUR, 1 * HOUR), (10 * MINUTE, 30 * MINUTE, 15 * MINUTE)),
    Severity.MEDIUM: ((4 * HOUR, 24 * HOUR, 4 * HOUR), (15 * MINUTE, 1 * HOUR, 30 * MINUTE)),
    Severity.LOW: ((24 * HOUR, 72 * HOUR, 8 * HOUR), (30 * MINUTE, 2 * HOUR, 1 * HOUR)),
}
# Store code: (opens, closes) every day; 00:00 closes at midnight.
OPENING_HOURS = {"S1": (time(10), time(22)), "S2": (time(6), time(0))}

SEVERITY_FACTOR = {Severity.LOW: Decimal("0.5"), Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 4}

CATEGORIES = [
    # code, English, Chinese (wording of the service-management articles in shared/seeds)
    ("food_quality", "Food or product quality", "菜品/商品质量"),
    ("wait_time", "Waiting time", "等候时间过长"),
    ("staff_attitude", "Staff attitude", "服务态度"),
    ("billing", "Billing and payment", "结账与收费"),
    ("cleanliness", "Cleanliness and environment", "环境卫生"),
    ("facilities", "Facilities and equipment", "设施设备"),
    ("promise_broken", "Promise not kept", "承诺未兑现"),
    ("other", "Other", "其他"),
]

# What to say when apologizing (listen first; then own it, say sorry, and say what happens next).
APOLOGY_SCRIPTS = {
    "food_quality": (
        "I'm very sorry the dish wasn't right. Thank you for telling us; let me put it right for you now.",
        "非常抱歉这道菜没有让您满意，谢谢您告诉我们。我马上为您处理。",
    ),
    "wait_time": (
        "I'm sorry you've had to wait so long; your time matters to us. Let me check on it right away.",
        "让您久等了，非常抱歉，您的时间对我们很重要。我马上为您跟进。",
    ),
    "staff_attitude": (
        "I'm sorry for how you were treated; that isn't how we want anyone to feel here. Please tell me "
        "what happened so I can make it right.",
        "对您受到的接待我们深表歉意，这不是我们希望您感受到的服务。请告诉我发生了什么，我来为您解决。",
    ),
    "billing": (
        "I'm sorry about the mistake on your bill. Let me check it with you now and correct it.",
        "账单出了差错，非常抱歉。我现在就和您一起核对并更正。",
    ),
    "cleanliness": (
        "I'm sorry this wasn't clean; thank you for pointing it out. We'll see to it at once.",
        "非常抱歉这里不够整洁，谢谢您指出。我们马上处理。",
    ),
    "facilities": (
        "I'm sorry this isn't working as it should. Let me find you an alternative right away.",
        "非常抱歉设施没有正常使用。我马上为您找到替代方案。",
    ),
    "promise_broken": (
        "I'm sorry we didn't do what we promised. Let me see what we can do to keep our word now.",
        "非常抱歉我们没有兑现承诺。我来看看现在怎样兑现对您的承诺。",
    ),
    "other": (
        "I'm sorry for the trouble, and thank you for telling us. Let me help you with it now.",
        "给您添麻烦了，非常抱歉，也谢谢您告诉我们。我现在就为您处理。",
    ),
}

USERS = [
    # username, role, store code, region code, first name
    ("frontline1", Role.FRONTLINE, "S1", None, "Li"),
    ("frontline2", Role.FRONTLINE, "S1", None, "Wang"),
    ("frontline3", Role.FRONTLINE, "S2", None, "Zhang"),
    ("supervisor1", Role.SUPERVISOR, "S1", None, "Chen"),
    ("supervisor2", Role.SUPERVISOR, "S2", None, "Liu"),
    ("manager1", Role.MANAGER, None, "R1", "Zhao"),
    ("admin", Role.ADMIN, None, None, "Admin"),
]

SAMPLE_NAMESPACE = uuid.UUID("8c5f3c52-3b0e-4f5e-9d43-5a1d2b7c9e10")


class Command(BaseCommand):
    help = "Load demo data (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False.")
        parser.add_argument(
            "--complaints",
            type=int,
            metavar="N",
            help="Then add N complaints of history over the last 365 days (bulk inserts; a million take minutes).",
        )
        parser.add_argument(
            "--stores",
            type=int,
            metavar="M",
            help="With --complaints: spread them over stores S1..SM, creating the missing ones (default 2).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            metavar="S",
            help="With --complaints: the random seed (default 1): the same seed gives the same data.",
        )

    def handle(self, *args, force: bool = False, complaints=None, seed=None, **options):
        store_count = options.get("stores")  # --stores; ``stores`` below are the demo's own
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load demo data anyway.")
        if complaints is None and (store_count is not None or seed is not None):
            raise CommandError("--stores and --seed go with --complaints N.")
        if complaints is not None and complaints < 0:
            raise CommandError("--complaints must be 0 or more.")
        if store_count is not None and store_count < 1:
            raise CommandError("--stores must be 1 or more.")
        with transaction.atomic():
            region, _ = Region.objects.update_or_create(code="R1", defaults={"name": "East"})
            stores = {
                code: Store.objects.update_or_create(
                    code=code,
                    defaults={"name": name, "region": region, "timezone": "Asia/Shanghai", "currency": "CNY"},
                )[0]
                for code, name in [("S1", "Downtown"), ("S2", "Airport")]
            }
            for order, (code, name_en, name_zh) in enumerate(CATEGORIES):
                script_en, script_zh = APOLOGY_SCRIPTS[code]
                Category.objects.update_or_create(
                    code=code,
                    defaults={
                        "name_en": name_en,
                        "name_zh": name_zh,
                        "apology_script_en": script_en,
                        "apology_script_zh": script_zh,
                        "sort_order": order * 10,
                    },
                )
            users = {}
            for username, role, store_code, region_code, first_name in USERS:
                user, _ = User.objects.update_or_create(
                    username=username,
                    defaults={
                        "role": role,
                        "store": stores.get(store_code),
                        "region": region if region_code else None,
                        "first_name": first_name,
                        "email": f"{username}@example.com",
                        "is_staff": role == Role.ADMIN,
                        "is_superuser": role == Role.ADMIN,
                        "is_active": True,
                    },
                )
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                users[username] = user
            self._empowerment(users)
            self._service_levels(stores)
            created = self._sample_complaints(users, stores)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: region R1, stores S1/S2, {len(USERS)} users (password {DEMO_PASSWORD}), "
                f"{len(CATEGORIES)} categories, {created} new sample complaints."
            )
        )
        for store in stores.values():
            self.stdout.write(f"  {store.code}'s public complaint form (its QR code's link): {public_form_url(store)}")
        if complaints is not None:
            self._volume(complaints, store_count or 2, 1 if seed is None else seed)

    def _volume(self, complaints: int, stores: int, seed: int) -> None:
        self.stdout.write(f"Generating {complaints:,} complaints over {stores} stores (seed {seed})...")

        def progress(done: int, total: int, seconds: float) -> None:
            rate = done / seconds if seconds else 0
            self.stdout.write(f"  {done:,} / {total:,} complaints ({rate:,.0f}/s)")

        summary = demo_volume.volume_seed(complaints=complaints, stores=stores, seed=seed, progress=progress)
        statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(summary.by_status.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.complaints:,} complaints over {summary.stores} stores in {summary.seconds:.1f} s "
                f"({summary.rate:,.0f} complaints/s): {summary.events:,} events, {summary.deadlines:,} deadlines, "
                f"{summary.compensation_actions:,} compensation actions, {summary.approval_requests:,} approval "
                f"requests, {summary.customers:,} new customers. By status: {statuses or 'none'}."
            )
        )

    def _service_levels(self, stores: dict[str, Store]) -> None:
        for severity, (remote, in_person) in SLA.items():
            for channel, (apologize, respond, escalate) in [(None, remote), (Channel.IN_PERSON, in_person)]:
                SlaPolicy.objects.update_or_create(
                    severity=severity,
                    channel=channel,
                    defaults={
                        "apologize_within": apologize,
                        "respond_within": respond,
                        "follow_up_after": 24 * HOUR,
                        "approval_within": 10 * MINUTE,
                        "escalate_every": escalate,
                    },
                )
        for code, (opens, closes) in OPENING_HOURS.items():
            if not stores[code].opening_hours.exists():
                OpeningHours.objects.bulk_create(
                    OpeningHours(store=stores[code], weekday=day, opens=opens, closes=closes) for day in range(7)
                )

    def _empowerment(self, users: dict[str, User]) -> None:
        for role, (per_action, per_day, per_customer, kinds) in POLICIES.items():
            EmpowermentPolicy.objects.update_or_create(
                role=role,
                store=None,
                defaults={
                    "max_per_action": per_action and Decimal(per_action),
                    "max_per_day": per_day and Decimal(per_day),
                    "max_per_customer": per_customer and Decimal(per_customer),
                    "allowed_kinds": kinds,
                    "allow_zero_amount": True,
                },
            )
        for category in Category.objects.filter(code__in=GUIDELINE_BASE):
            low, high, note = GUIDELINE_BASE[category.code]
            for severity, factor in SEVERITY_FACTOR.items():
                CompensationGuideline.objects.update_or_create(
                    category=category,
                    severity=severity,
                    defaults={"min_amount": low * factor, "max_amount": high * factor, "note": note},
                )
        for user in users.values():
            if user.has_role_at_least(Role.SUPERVISOR):
                ApprovalPin.objects.filter(user=user).delete()
                pins.approval_pin_set(user=user, pin=DEMO_APPROVAL_PIN, password=DEMO_PASSWORD)

    def _sample_complaints(self, users: dict[str, User], stores: dict[str, Store]) -> int:
        category = {c.code: c for c in Category.objects.all()}
        samples = [
            # (key, actor, store, channel, category, severity, stage, description, customer, steps)
            (
                "cold-soup",
                "frontline1",
                "S1",
                "in_person",
                "food_quality",
                "high",
                "in_sale",
                "汤上桌时是凉的，而且等了四十分钟。The soup arrived cold after a forty-minute wait.",
                {"name": "王女士", "phone": "13800138000"},
                [],
            ),
            (
                "rude-cashier",
                "frontline2",
                "S1",
                "in_person",
                "staff_attitude",
                "medium",
                "in_sale",
                "收银员态度冷淡，没有道歉。The cashier was curt and did not apologise.",
                {"name": "Mr. Zhou", "phone": "13900139000"},
                ["apologize"],
            ),
            (
                "double-charge",
                "frontline1",
                "S1",
                "phone",
                "billing",
                "medium",
                "after_sale",
                "信用卡被重复扣款两次。My card was charged twice for one meal.",
                {"name": "Ms. Sun", "email": "sun@example.com"},
                ["apologize", "respond-with-voucher"],
            ),
            (
                "wrong-order",
                "frontline2",
                "S1",
                "in_person",
                "food_quality",
                "high",
                "in_sale",
                "上错了菜，还是客人过敏的虾。Served the wrong dish, with shrimp the customer is allergic to.",
                {"name": "Ms. Lin", "phone": "13600136000"},
                ["apologize", "respond-above-limit"],
            ),
            (
                "dirty-table",
                "frontline3",
                "S2",
                "qr_form",
                "cleanliness",
                "low",
                "in_sale",
                "桌子很脏，没人清理。The table was sticky and nobody cleaned it.",
                None,
                ["apologize", "respond", "follow-up", "close"],
            ),
            (
                "late-flight-meal",
                "frontline3",
                "S2",
                "in_person",
                "wait_time",
                "critical",
                "in_sale",
                "赶飞机，餐点二十分钟还没上。Meal not served after twenty minutes; about to miss a flight.",
                {"name": "Mr. Wu", "phone": "+86 137 0013 7000"},
                [],
            ),
        ]
        created = 0
        for key, actor, store, channel, category_code, severity, stage, description, customer, steps in samples:
            complaint_id = uuid.uuid5(SAMPLE_NAMESPACE, key)
            if Complaint.objects.filter(pk=complaint_id).exists():
                continue
            actor_user = users[actor]
            complaint, _ = intake.complaint_log(
                actor=actor_user,
                id=complaint_id,
                store=stores[store],
                channel=channel,
                category=category[category_code],
                severity=severity,
                stage=stage,
                description=description,
                customer=customer,
            )
            for step in steps:
                if step == "apologize":
                    complaint_steps.complaint_apologize(complaint=complaint, actor=actor_user, note="当面致歉")
                elif step == "respond":
                    complaint_steps.complaint_respond(
                        complaint=complaint, actor=actor_user, resolution="Refund issued / 已退款"
                    )
                elif step == "respond-with-voucher":  # within a frontline employee's limits: granted
                    grants.complaint_respond_with_compensation(
                        complaint=complaint,
                        actor=actor_user,
                        resolution="Second charge refunded; a voucher for the trouble / 已退款并赠代金券",
                        compensation=[{"kind": "voucher", "amount": "30.00", "note": "下次消费可用"}],
                    )
                elif step == "respond-above-limit":  # above it: waits in supervisor1's approval queue
                    grants.complaint_respond_with_compensation(
                        complaint=complaint,
                        actor=actor_user,
                        resolution="Meal on the house and a voucher / 本餐免单并赠代金券",
                        compensation=[
                            {"kind": "free_item", "amount": "48.00", "note": "免单"},
                            {"kind": "voucher", "amount": "80.00", "note": "代金券"},
                        ],
                    )
                elif step == "follow-up":
                    complaint_steps.complaint_follow_up(
                        complaint=complaint, actor=actor_user, outcome="Customer satisfied", satisfaction=5
                    )
                elif step == "close":
                    complaint_steps.complaint_close(
                        complaint=complaint,
                        actor=actor_user,
                        closure_code="resolved",
                        servqual_dimension="tangibles",
                        blueprint_area="back_stage",
                    )
            created += 1
        return created
