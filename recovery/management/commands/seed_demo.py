"""Create the demo organisation: region R1, stores S1/S2, one user per role, categories, samples.

Idempotent: running it again leaves one of everything (and resets the demo passwords).
"""

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from complaints import services as complaint_services
from complaints.models import Category, Complaint
from staff.models import Region, Role, Store, User

DEMO_PASSWORD = "demo-pass-123"

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

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load demo data anyway.")
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
                Category.objects.update_or_create(
                    code=code, defaults={"name_en": name_en, "name_zh": name_zh, "sort_order": order * 10}
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
            created = self._sample_complaints(users, stores)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: region R1, stores S1/S2, {len(USERS)} users (password {DEMO_PASSWORD}), "
                f"{len(CATEGORIES)} categories, {created} new sample complaints."
            )
        )

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
                ["apologize", "respond"],
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
            complaint, _ = complaint_services.complaint_log(
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
                    complaint_services.complaint_apologize(complaint=complaint, actor=actor_user, note="当面致歉")
                elif step == "respond":
                    complaint_services.complaint_respond(
                        complaint=complaint, actor=actor_user, resolution="Refund issued / 已退款"
                    )
                elif step == "follow-up":
                    complaint_services.complaint_follow_up(
                        complaint=complaint, actor=actor_user, outcome="Customer satisfied", satisfaction=5
                    )
                elif step == "close":
                    complaint_services.complaint_close(
                        complaint=complaint,
                        actor=actor_user,
                        closure_code="resolved",
                        servqual_dimension="tangibles",
                        blueprint_area="back_stage",
                    )
            created += 1
        return created
