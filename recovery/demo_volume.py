"""Demo volume: a year of complaint history over many stores, as the services would have written it, in bulk.

``seed_demo --complaints N`` uses it so that recovery metrics can be tried on realistic volumes.
Each complaint is walked through the flow in memory (listen, apologize, respond with or without
compensation, approvals, follow up, close, sometimes reopen), with due times, reminders and
escalations where the sweep would have put them; the rows are then written per chunk, with COPY
on PostgreSQL, because one service call per step would take hours for a million complaints.

The rules are the real ones: the SLA policies and their clocks (``complaints.sla``), the
empowerment limits and who approves (``recovery.compensation.policies``), the deadlines table's semantics
(``complaints.deadlines``) and the services' event shapes. Only the time it takes people to act,
and what they decide, is drawn at random, from a seeded ``random.Random``: the same seed on the same
database gives the same data (the same seed on a database already seeded draws a new history).
"""

import gc
import math
import random
import uuid
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate
from time import monotonic
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, connections, models, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints import sla
from complaints.customers import REPEAT_WINDOW
from complaints.deadlines import MAX_LEVEL
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    Deadline,
    DeadlineStep,
    EventKind,
    ReferenceCounter,
    SlaPolicy,
)
from complaints.references import reference_of
from recovery.compensation import policies
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import Limits, Line, Usage
from recovery.metrics.projection import DAY_SUM_TABLES
from recovery.models import (
    ApprovalPin,
    ApprovalRequest,
    ApprovalStatus,
    CompensationAction,
    CompensationGuideline,
    CompensationStatus,
    ComplaintFacts,
)
from recovery.reminders import LEVEL_ROLES
from staff.models import OpeningHours, Region, Role, Store, StoreCustomerCount, User
from staff.selectors import staff_of_role_for_store


def _plain(choices: type[models.TextChoices]) -> SimpleNamespace:
    """The choices as plain strings: enum members hash in Python, slowly, and the hot loop keys dicts by them."""
    return SimpleNamespace(**{member.name: member.value for member in choices})


S = _plain(ComplaintStatus)
D = _plain(DeadlineStep)
K = _plain(EventKind)

MINUTE, HOUR, DAY = 60, 3600, 86400
HISTORY_DAYS = 365
CHUNK_SIZE = 10_000

# --- Stores -------------------------------------------------------------------------------------

STORES_PER_REGION = 10
REGION_NAMES = ["East", "North", "South", "West", "Central", "Northeast", "Northwest", "Southeast", "Southwest"]
STORE_NAMES = [
    "Riverside", "Old Town", "University", "Station", "Harbour", "Garden Mall", "Tech Park", "Lakeside",
    "Central Plaza", "West Gate", "Hillside", "Expo Centre", "North Square", "Museum", "Sports Park",
]  # fmt: skip


def demo_stores_ensure(count: int) -> list[Store]:
    """Stores S1..S<count>, creating S3 onwards like S1 (opening hours, time zone, currency), each with a
    supervisor and two frontline employees, ten stores to a region, each new region with a manager.

    Idempotent. New staff sign in and approve like the demo users: they take frontline1's password
    and supervisor1's approval PIN (their hashes, copied: hashing each anew would take minutes).
    """
    template = Store.objects.get(code="S1")
    hours = list(template.opening_hours.values_list("weekday", "opens", "closes"))
    password = User.objects.filter(username="frontline1").values_list("password", flat=True).first() or "!"
    pin = ApprovalPin.objects.filter(user__username="supervisor1").values_list("pin_hash", flat=True).first()
    for number in range(3, count + 1):
        region_number = (number - 1) // STORES_PER_REGION + 1
        region, _ = Region.objects.get_or_create(
            code=f"R{region_number}",
            defaults={"name": REGION_NAMES[(region_number - 1) % len(REGION_NAMES)]},
        )
        if region_number > 1:
            _staff_ensure(f"r{region_number}.manager", Role.MANAGER, None, region, password, pin)
        name = STORE_NAMES[(number - 3) % len(STORE_NAMES)]
        store, created = Store.objects.get_or_create(
            code=f"S{number}",
            defaults={
                "name": name if number - 3 < len(STORE_NAMES) else f"{name} {number}",
                "region": region,
                "timezone": template.timezone,
                "currency": template.currency,
            },
        )
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(store=store, weekday=weekday, opens=opens, closes=closes)
                for weekday, opens, closes in hours
            )
        prefix = f"s{number}"
        _staff_ensure(f"{prefix}.supervisor", Role.SUPERVISOR, store, None, password, pin)
        for n in (1, 2):
            _staff_ensure(f"{prefix}.frontline{n}", Role.FRONTLINE, store, None, password, None)
    stores = {store.code: store for store in Store.objects.filter(code__in=[f"S{n}" for n in range(1, count + 1)])}
    return [stores[f"S{n}"] for n in range(1, count + 1) if f"S{n}" in stores]


def _staff_ensure(
    username: str, role: str, store: Store | None, region: Region | None, password: str, pin: str | None
) -> None:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "store": store,
            "region": region,
            "first_name": username.split(".")[-1].rstrip("12").capitalize(),
            "email": f"{username}@example.com",
            "password": password,
        },
    )
    if created and pin:
        ApprovalPin.objects.create(user=user, pin_hash=pin)


# --- What is drawn: shares and texts ------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    "food_quality": 28, "wait_time": 22, "staff_attitude": 14, "billing": 10,
    "cleanliness": 9, "facilities": 6, "promise_broken": 6, "other": 5,
}  # fmt: skip
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_WEIGHTS = {
    None: (30, 45, 20, 5),
    "food_quality": (20, 45, 27, 8),
    "cleanliness": (45, 40, 13, 2),
    "facilities": (40, 42, 15, 3),
    "promise_broken": (20, 45, 27, 8),
    "wait_time": (30, 48, 18, 4),
}
CHANNEL_WEIGHTS = {"in_person": 55, "phone": 12, "online": 12, "social": 6, "qr_form": 10, "email": 5}
# When the store is closed, only remote channels are open.
CLOSED_CHANNEL_WEIGHTS = {"online": 50, "social": 25, "email": 25}
STAGE_WEIGHTS = {"in_person": (8, 84, 8), "remote": (15, 30, 55), "billing": (5, 35, 60)}
STAGES = ("pre_sale", "in_sale", "after_sale")
ANONYMOUS_SHARE = {"qr_form": 0.45, "social": 0.3, "online": 0.08}
ANONYMOUS_SHARE_OTHER = 0.03
# Of the complaints of a customer seen before, within 90 days ("repeat customers").
REPEAT_SHARE = 0.28
REPEAT_SAME_STORE = 0.8
SUPERVISOR_LOGS = 0.15

SERVQUAL = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
SERVQUAL_WEIGHTS = {
    "food_quality": (60, 5, 5, 5, 25),
    "wait_time": (10, 80, 3, 5, 2),
    "staff_attitude": (3, 7, 40, 48, 2),
    "billing": (70, 5, 20, 5, 0),
    "cleanliness": (5, 5, 2, 3, 85),
    "facilities": (10, 5, 3, 2, 80),
    "promise_broken": (80, 10, 5, 5, 0),
    "other": (25, 25, 15, 20, 15),
}
BLUEPRINT = ("front_stage", "back_stage", "support")
BLUEPRINT_WEIGHTS = {
    "food_quality": (15, 70, 15),
    "wait_time": (50, 35, 15),
    "staff_attitude": (95, 3, 2),
    "billing": (40, 5, 55),
    "cleanliness": (60, 35, 5),
    "facilities": (15, 15, 70),
    "promise_broken": (40, 30, 30),
    "other": (40, 30, 30),
}

# How often compensation is offered at the response, by category, then scaled by severity.
COMPENSATION_SHARE = {
    "food_quality": 0.6, "wait_time": 0.5, "staff_attitude": 0.35, "billing": 0.6,
    "cleanliness": 0.3, "facilities": 0.35, "promise_broken": 0.6, "other": 0.3,
}  # fmt: skip
COMPENSATION_SEVERITY = {"low": 0.6, "medium": 1.0, "high": 1.25, "critical": 1.45}
KIND_WEIGHTS = {
    "food_quality": {"replacement": 40, "free_item": 30, "voucher": 20, "discount": 10},
    "wait_time": {"free_item": 50, "voucher": 30, "discount": 20},
    "staff_attitude": {"gift": 40, "voucher": 40, "discount": 20},
    "billing": {"refund": 60, "discount": 25, "voucher": 15},
    "cleanliness": {"free_item": 50, "voucher": 30, "gift": 20},
    "facilities": {"voucher": 50, "discount": 30, "gift": 20},
    "promise_broken": {"voucher": 50, "refund": 20, "discount": 30},
    "other": {"voucher": 60, "gift": 40},
}
# Categories without a compensation guideline: a base range, scaled by severity like seed_demo's.
DEFAULT_RANGE = (10, 40)
SEVERITY_FACTOR = {"low": 0.5, "medium": 1, "high": 2, "critical": 4}
OUTSIDE_GUIDELINE_SHARE = 0.03
TWO_LINES_SHARE = 0.15
APPROVED_SHARE = 0.8
IN_PERSON_APPROVAL_SHARE = 0.35

# Steps done late (past their due time, so escalated), by step; scaled by channel, severity, rush hours.
LATE_SHARE = {D.APOLOGIZE: 0.06, D.RESPOND: 0.09, D.FOLLOW_UP: 0.12, D.APPROVAL: 0.07}
LATE_REMOTE = 1.4
LATE_SEVERITY = {"low": 0.8, "medium": 1.0, "high": 1.1, "critical": 1.3}
# Complaints left open at some step: many of the last three weeks', a few forgotten older ones.
RECENT = 21 * DAY
STALL_SHARE_RECENT = 0.12
STALL_SHARE_OLD = 0.002
STALL_STEPS = {"apologize": 15, "respond": 30, "approval": 10, "follow_up": 35, "close": 10}
EARLY_CLOSE = {"withdrawn": 0.035, "duplicate": 0.015}
NOT_REACHED_SHARE = 0.08
SATISFACTION_WEIGHTS = {
    "plain": (5, 7, 13, 30, 45),
    "compensated": (3, 5, 12, 30, 50),
    "late": (10, 13, 20, 30, 27),
    "rejected": (12, 14, 22, 28, 24),
}
REOPEN_SHARE = {"resolved": 0.015, "resolved_unsatisfied": 0.12, "unresolved": 0.2}
# The sweep runs every few seconds: what it does comes 1-5 s after it is due.
SWEEP_DELAY = 5

# Local hour of day (busy at lunch and in the evening), weekday (weekends), seasonal wave.
HOURLY = (
    0.15, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.9, 1.3,
    1.9, 1.7, 1.0, 0.8, 0.9, 1.3, 2.1, 2.4, 2.0, 1.4, 0.7, 0.35,
)  # fmt: skip
WEEKDAY = (0.9, 0.9, 0.95, 1.0, 1.2, 1.55, 1.45)
HOLIDAYS = {(5, 1): 1.3, (5, 2): 1.3, (5, 3): 1.2, **{(10, day): 1.5 for day in range(1, 8)}, (12, 31): 1.2}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐"
PINYIN = {
    "王": "Wang", "李": "Li", "张": "Zhang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "黄": "Huang",
    "赵": "Zhao", "吴": "Wu", "周": "Zhou", "徐": "Xu", "孙": "Sun", "马": "Ma", "朱": "Zhu", "胡": "Hu",
    "郭": "Guo", "何": "He", "林": "Lin", "高": "Gao", "罗": "Luo", "郑": "Zheng", "梁": "Liang",
    "谢": "Xie", "宋": "Song", "唐": "Tang",
}  # fmt: skip

DESCRIPTIONS = {
    "food_quality": [
        "汤上桌时是凉的。The soup was cold when it arrived.",
        "牛肉没有熟透。The beef was undercooked.",
        "菜里有头发。There was a hair in the dish.",
        "上错了菜。We were served the wrong dish.",
        "米饭太硬了。The rice was hard.",
        "饮料是过期的。The drink was past its date.",
    ],
    "wait_time": [
        "等了四十分钟还没上菜。Forty minutes and no food yet.",
        "排队半小时才点上单。Queued half an hour just to order.",
        "外卖晚到了一个小时。The delivery came an hour late.",
        "结账等了很久没人理。Waited ages to pay with nobody coming.",
    ],
    "staff_attitude": [
        "服务员态度冷淡。The waiter was curt.",
        "收银员没有道歉。The cashier did not apologise.",
        "店员对孩子很不耐烦。Staff were impatient with my child.",
        "打电话时被挂断。They hung up on me.",
    ],
    "billing": [
        "被重复扣款。I was charged twice.",
        "账单多收了一道菜。A dish we did not have was on the bill.",
        "优惠券没有被使用。My coupon was not applied.",
        "发票开错了。The invoice was wrong.",
    ],
    "cleanliness": [
        "桌子很脏。The table was sticky.",
        "洗手间没有纸。No paper in the restroom.",
        "地上有水很滑。The floor was wet and slippery.",
        "餐具上有污渍。The cutlery was stained.",
    ],
    "facilities": [
        "空调坏了太热。The air conditioning was broken; far too hot.",
        "座椅坏了。A broken chair.",
        "无线网络连不上。The Wi-Fi did not work.",
        "扫码点餐系统出错。The QR ordering system failed.",
    ],
    "promise_broken": [
        "预订的位子被别人占了。Our reserved table was given away.",
        "承诺的赠品没有给。The promised gift never came.",
        "说好的回电没有打来。The promised call back never came.",
        "会员折扣没有兑现。The member discount was not honoured.",
    ],
    "other": [
        "停车场太难找。The car park was hard to find.",
        "音乐声音太大。The music was too loud.",
        "营业时间和网上写的不一样。Opening hours differ from the website.",
    ],
}
DESIRED_OUTCOMES = {
    "food_quality": ["换一份 / a replacement", "退款 / a refund", "道歉 / an apology"],
    "wait_time": ["尽快上菜 / serve us now", "打折 / a discount"],
    "staff_attitude": ["道歉 / an apology", "培训员工 / train the staff"],
    "billing": ["退还多收的钱 / refund the overcharge", "重开发票 / a new invoice"],
    "cleanliness": ["马上清理 / clean it now"],
    "facilities": ["换个位子 / another table", "尽快修好 / fix it"],
    "promise_broken": ["兑现承诺 / keep the promise", "补偿 / compensation"],
    "other": ["改进 / do better"],
}
RESOLUTIONS = {
    "food_quality": [
        "重新做了一份 / Remade the dish",
        "换了一道菜 / Replaced the dish",
        "已退该菜款 / Refunded the dish",
    ],
    "wait_time": ["优先出餐 / Served first", "经理跟进出餐 / The manager chased the order"],
    "staff_attitude": ["当面道歉并与员工沟通 / Apologised in person; spoke to the employee"],
    "billing": ["已更正账单 / Corrected the bill", "已退还多收款项 / Refunded the overcharge"],
    "cleanliness": ["已立即清理 / Cleaned at once", "已安排加强清洁 / Extra cleaning scheduled"],
    "facilities": ["已换位子并报修 / Moved tables; repair booked", "已报修 / Repair booked"],
    "promise_broken": ["已兑现承诺 / Kept the promise", "已补发赠品 / Sent the gift"],
    "other": ["已记录并转交店长 / Noted and passed to the store manager"],
}
APOLOGY_NOTES = ["当面致歉 / Apologised in person", "电话致歉 / Apologised by phone", "已道歉 / Apologised", ""]
KIND_NOTES = {
    "refund": "退款 / refund",
    "voucher": "下次消费可用 / for the next visit",
    "free_item": "赠送 / on the house",
    "discount": "本单折扣 / off this bill",
    "replacement": "重新制作 / remade",
    "gift": "小礼品 / a small gift",
}
FOLLOW_UP_OUTCOMES = {
    5: ["顾客非常满意 / Customer delighted", "顾客表示感谢 / Customer thanked us"],
    4: ["顾客满意 / Customer satisfied"],
    3: ["顾客基本接受 / Customer accepts it"],
    2: ["顾客仍不太满意 / Customer still unhappy"],
    1: ["顾客很不满意 / Customer very unhappy", "顾客表示不会再来 / Customer says they won't return"],
}
NOT_REACHED = "未能联系到顾客 / Could not reach the customer"
ANONYMOUS_FOLLOW_UP = "匿名投诉，已内部复盘 / Anonymous: reviewed internally"
APPROVE_NOTES = ["同意 / Approved", "可以 / OK", ""]
REJECT_REASONS = [
    "超出常规补偿，请改用代金券 / Above the usual; offer a voucher instead",
    "金额过高 / Too much",
    "本月已补偿过该顾客 / Already compensated this month",
]
REOPEN_REASONS = ["顾客回电，问题未解决 / Customer called back: not solved", "顾客再次投诉 / Customer complained again"]


class _Pick:
    """A weighted choice with its cumulative weights worked out once (``random.choices`` redoes them each call)."""

    __slots__ = ("cumulative", "population", "total")

    def __init__(self, weights: dict) -> None:
        self.population = tuple(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]


class _Random(random.Random):
    """``random.Random`` with the draws of the hot loop made of one ``random()`` each."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def pick(self, weighted: _Pick):
        return weighted.population[bisect(weighted.cumulative, self.random() * weighted.total)]

    def sweep_delay(self) -> int:
        return 1 + int(self.random() * SWEEP_DELAY)


CHANNELS, CLOSED_CHANNELS = _Pick(CHANNEL_WEIGHTS), _Pick(CLOSED_CHANNEL_WEIGHTS)
SEVERITY_PICKS = {category: _Pick(dict(zip(SEVERITIES, w, strict=True))) for category, w in SEVERITY_WEIGHTS.items()}
STAGE_PICKS = {key: _Pick(dict(zip(STAGES, w, strict=True))) for key, w in STAGE_WEIGHTS.items()}
STALL_PICK = _Pick(STALL_STEPS)
SERVQUAL_PICKS = {category: _Pick(dict(zip(SERVQUAL, w, strict=True))) for category, w in SERVQUAL_WEIGHTS.items()}
BLUEPRINT_PICKS = {category: _Pick(dict(zip(BLUEPRINT, w, strict=True))) for category, w in BLUEPRINT_WEIGHTS.items()}
SATISFACTION_PICKS = {
    mood: _Pick(dict(zip((1, 2, 3, 4, 5), w, strict=True))) for mood, w in SATISFACTION_WEIGHTS.items()
}
_KIND_PICKS: dict[tuple[str, frozenset[str]], _Pick | None] = {}


def _kind_pick(category: str, allowed: frozenset[str]) -> _Pick | None:
    """The category's usual kinds that ``allowed`` permits (a frontline employee grants no refunds)."""
    key = (category, allowed)
    if key not in _KIND_PICKS:
        kinds = {kind: w for kind, w in KIND_WEIGHTS[category].items() if kind in allowed}
        _KIND_PICKS[key] = _Pick(kinds) if kinds else None
    return _KIND_PICKS[key]


# --- Clocks on epoch seconds ----------------------------------------------------------------------


class _Wall:
    kind = "wall"

    def add(self, start: float, seconds: float) -> float:
        return start + seconds

    def between(self, start: float, end: float) -> float:
        return max(end - start, 0.0)


@dataclass(frozen=True)
class _DailyHours:
    """``sla.BusinessClock`` for a store open the same hours every day, with no holidays, in a zone of one
    UTC offset: the open seconds before a moment are arithmetic, so a million deadlines take no time."""

    offset: int  # seconds east of UTC
    opens: int  # seconds after local midnight
    length: int  # open seconds a day

    kind = "business"

    def _counted(self, moment: float) -> float:
        day, into = divmod(moment + self.offset, DAY)
        return day * self.length + min(max(into - self.opens, 0), self.length)

    def between(self, start: float, end: float) -> float:
        return max(self._counted(end) - self._counted(start), 0.0)

    def add(self, start: float, seconds: float) -> float:
        if seconds <= 0:
            # As BusinessClock: the moment itself when open, else the next opening.
            day, into = divmod(start + self.offset, DAY)
            if self.opens <= into < self.opens + self.length:
                return start
            day += 1 if into >= self.opens + self.length else 0
            return day * DAY + self.opens - self.offset
        target = self._counted(start) + seconds
        day = math.ceil(target / self.length) - 1  # a sum ending exactly at closing time ends that day
        return day * DAY + self.opens + (target - day * self.length) - self.offset


class _Adapted:
    """Any ``sla`` clock (irregular hours, holidays) on epoch seconds: exact, slower."""

    def __init__(self, clock: sla.Clock) -> None:
        self.clock, self.kind = clock, clock.kind

    def add(self, start: float, seconds: float) -> float:
        return self.clock.add(_dt(start), seconds).timestamp()

    def between(self, start: float, end: float) -> float:
        return self.clock.between(_dt(start), _dt(end))


Clock = _Wall | _DailyHours | _Adapted
WALL = _Wall()


def _dt(moment: float | None) -> datetime | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC)


def _fixed_offset(zone, around: datetime) -> int | None:
    """The zone's UTC offset in seconds if it is the same all through the history and a year on; else None."""
    offsets = {zone.utcoffset(around + timedelta(days=days)) for days in range(-400, 430, 15)}
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _remote_clock(store: Store, offset: int | None) -> Clock:
    clock = sla.clock_for(store, "phone")  # any remote channel: open hours
    if isinstance(clock, sla.WallClock):
        return WALL
    periods = {tuple(day) for day in clock.periods_by_weekday.values()}
    if offset is not None and not clock.holidays and len(clock.periods_by_weekday) == 7 and len(periods) == 1:
        [day_periods] = periods
        if len(day_periods) == 1:
            [(opens, closes)] = day_periods
            start = opens.hour * HOUR + opens.minute * MINUTE + opens.second
            end = DAY if closes == time(0) else closes.hour * HOUR + closes.minute * MINUTE + closes.second
            return _DailyHours(offset=offset, opens=start, length=end - start)
    return _Adapted(clock)


# --- What the generator knows of the organisation ------------------------------------------------------


@dataclass
class _Staff:
    id: int
    username: str
    role: str


@dataclass
class _StoreInfo:
    store: Store
    weight: float
    frontline: list[_Staff]
    supervisors: list[_Staff]
    limits: dict[str, Limits]
    roles_present: set[str]
    approvers: dict[str, list[_Staff]]
    escalation: dict[int, tuple[str, list[str]]]  # level: (role told, usernames)
    above: dict[str, str | None]  # approver role: where an undecided request goes next (policies.role_above)
    remote_clock: Clock
    offset: int | None
    periods: dict[int, list[tuple[int, int]]]  # weekday: open (start, end) seconds, local

    def local_date(self, moment: float) -> date:
        if self.offset is not None:
            return date.fromordinal(EPOCH_ORDINAL + int((moment + self.offset) // DAY))
        return datetime.fromtimestamp(moment, self.store.zone).date()

    def weekday_and_seconds(self, moment: float) -> tuple[int, int]:
        """The local weekday (Monday 0) and seconds since local midnight."""
        if self.offset is not None:
            day, seconds = divmod(int(moment) + self.offset, DAY)
            return (day + EPOCH_WEEKDAY) % 7, seconds
        local = datetime.fromtimestamp(moment, self.store.zone)
        return local.weekday(), local.hour * HOUR + local.minute * MINUTE + local.second

    def is_open(self, weekday: int, seconds: int) -> bool:
        """Open then (a store without opening hours is always open)."""
        return not self.periods or any(start <= seconds < end for start, end in self.periods.get(weekday, ()))


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
EPOCH_WEEKDAY = date(1970, 1, 1).weekday()


@dataclass
class _World:
    stores: list[_StoreInfo]
    store_cumulative: list[float]
    categories: dict[str, int]
    category_pick: _Pick
    policies: dict[tuple[str, str | None], SlaPolicy]
    guidelines: dict[tuple[int, str], tuple[Decimal, Decimal]]

    @classmethod
    def load(cls, stores: list[Store], rng: random.Random, now: datetime) -> "_World":
        infos = []
        for store in stores:
            staff = {role: _staff_of(store, role) for role in Role.values}
            offset = _fixed_offset(store.zone, now)
            roles_present = compensation_selectors.approver_roles_present(store)
            periods: dict[int, list[tuple[int, int]]] = {}
            for weekday, opens, closes in store.opening_hours.values_list("weekday", "opens", "closes"):
                end = DAY if closes == time(0) else closes.hour * HOUR + closes.minute * MINUTE
                periods.setdefault(weekday, []).append((opens.hour * HOUR + opens.minute * MINUTE, end))
            infos.append(
                _StoreInfo(
                    store=store,
                    weight=rng.lognormvariate(0, 0.35),
                    frontline=staff[Role.FRONTLINE],
                    supervisors=staff[Role.SUPERVISOR],
                    limits=compensation_selectors.limits_by_role(store),
                    roles_present=roles_present,
                    approvers={role: staff[role] for role in policies.APPROVER_ROLES},
                    escalation={level: _escalation_group(staff, level) for level in range(1, MAX_LEVEL + 1)},
                    above={
                        role: policies.role_above(role, roles_present=roles_present) for role in policies.APPROVER_ROLES
                    },
                    remote_clock=_remote_clock(store, offset),
                    offset=offset,
                    periods=periods,
                )
            )
        categories = {
            code: pk
            for code, pk in Category.objects.filter(is_active=True).values_list("code", "pk")
            if code in CATEGORY_WEIGHTS
        }
        if not categories:
            raise ValueError("No demo categories: run seed_demo first.")
        return cls(
            stores=infos,
            store_cumulative=list(accumulate(info.weight for info in infos)),
            categories=categories,
            category_pick=_Pick({code: CATEGORY_WEIGHTS[code] for code in categories}),
            policies={(p.severity, p.channel): p for p in SlaPolicy.objects.all()},
            guidelines={
                (g.category_id, g.severity): (g.min_amount, g.max_amount) for g in CompensationGuideline.objects.all()
            },
        )

    def policy(self, severity: str, channel: str) -> SlaPolicy:
        return self.policies.get((severity, channel)) or self.policies.get((severity, None)) or sla.FALLBACK_POLICY


def _staff_of(store: Store, role: str) -> list[_Staff]:
    users = staff_of_role_for_store(store, role).order_by("username").values_list("pk", "username", "role")
    return [_Staff(*user) for user in users]


def _escalation_group(staff: dict[str, list[_Staff]], level: int) -> tuple[str, list[str]]:
    """As the sweep: level 1 the store's supervisors, 2 the region's managers, 3 admins; an empty group passes it up."""
    for candidate in range(level, MAX_LEVEL + 1):
        role = LEVEL_ROLES[candidate]
        if staff[role]:
            return role, sorted(user.username for user in staff[role])
    return Role.ADMIN, []


# --- The simulated records ------------------------------------------------------------------------------


class _Customer:
    __slots__ = ("created_at", "email", "grants", "id", "name", "phone", "store")

    def __init__(self, name: str, phone: str, email: str, created_at: float, store: _StoreInfo) -> None:
        self.id: int | None = None
        self.name, self.phone, self.email, self.created_at, self.store = name, phone, email, created_at, store
        self.grants: list[tuple[float, Decimal]] = []  # (granted at, total), for the 30-day cap


class _Deadline:
    __slots__ = (
        "clock",
        "closed_at",
        "cycle",
        "due_at",
        "elapsed",
        "escalate_every",
        "level",
        "next_check_at",
        "remind_at",
        "reminded_at",
        "started_at",
        "step",
        "window",
    )

    def __init__(self, step: str, cycle: int, clock: Clock, started_at: float, window: int, every: int) -> None:
        self.step, self.cycle, self.clock, self.started_at = step, cycle, clock, started_at
        self.window, self.escalate_every = window, every
        self.due_at = clock.add(started_at, window)
        if step == D.FOLLOW_UP:
            self.remind_at = self.due_at
        elif step == D.APPROVAL:
            self.remind_at = started_at
        else:
            self.remind_at = clock.add(started_at, window * sla.REMIND_AT_FRACTION)
        self.reminded_at: float | None = None
        self.level = 0
        self.closed_at: float | None = None
        self.elapsed: float | None = None
        self.next_check_at: float | None = None

    def escalation_time(self, level: int) -> float:
        """As ``complaints.deadlines.escalation_time``."""
        intervals = level if self.step == D.FOLLOW_UP else level - 1
        return self.clock.add(self.due_at, intervals * self.escalate_every)


class _Action:
    __slots__ = (
        "amount", "approval", "business_day", "created_at", "far_above", "granted_at", "granted_by", "id", "kind",
        "note", "refs", "requested_by", "status",
    )  # fmt: skip

    def __init__(self, kind: str, amount: Decimal, note: str, requested_by: int, created_at: float) -> None:
        self.id: int | None = None
        self.kind, self.amount, self.note = kind, amount, note
        self.requested_by, self.created_at = requested_by, created_at
        self.status = CompensationStatus.PENDING_APPROVAL
        self.approval: _Approval | None = None
        self.granted_by: int | None = None
        self.granted_at: float | None = None
        self.business_day: date | None = None
        self.far_above = False
        self.refs: list[dict[str, Any]] = []  # this action in events' data: its id is known only when written

    def data(self) -> dict[str, Any]:
        """As ``grants._action_data``."""
        shown = {"id": None, "kind": self.kind, "amount": str(self.amount), "note": self.note}
        if self.far_above:
            shown["far_above_guideline"] = True
        self.refs.append(shown)
        return shown


@dataclass
class _Approval:
    id: uuid.UUID
    requested_by: _Staff
    approver_role: str
    exceeded: list[dict[str, str]]
    resolution: str
    status_before: str
    created_at: float
    status: str = ApprovalStatus.PENDING
    decided_at: float | None = None
    decided_by: int | None = None
    decision_note: str = ""
    in_person: bool = False


@dataclass(slots=True)
class _Complaint:
    id: uuid.UUID
    store: _StoreInfo
    customer: _Customer | None
    channel: str
    category: str
    severity: str
    stage: str
    description: str
    desired_outcome: str
    assignee: _Staff
    digest: str
    created_at: float
    clock: Clock
    policy: SlaPolicy
    reference_day: date
    category_id: int
    late_factor: float
    status: str = S.NEW
    servqual_dimension: str = ""
    blueprint_area: str = ""
    resolution: str = ""
    follow_up_outcome: str = ""
    satisfaction: int | None = None
    closure_code: str = ""
    apologized_at: float | None = None
    responded_at: float | None = None
    followed_up_at: float | None = None
    closed_at: float | None = None
    reopened_at: float | None = None
    events: list[tuple] = field(default_factory=list)
    deadlines: list[_Deadline] = field(default_factory=list)
    open: dict[str, _Deadline] = field(default_factory=dict)
    cycles: dict[str, int] = field(default_factory=dict)
    actions: list[_Action] = field(default_factory=list)
    approvals: list[_Approval] = field(default_factory=list)
    late: bool = False
    compensated: bool = False
    rejected: bool = False


@dataclass
class VolumeSummary:
    complaints: int = 0
    events: int = 0
    deadlines: int = 0
    compensation_actions: int = 0
    approval_requests: int = 0
    customers: int = 0
    stores: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.complaints / self.seconds if self.seconds else 0.0


# --- The simulation ----------------------------------------------------------------------------------------

# Phones: +86 138 then eight digits, k-th customer ↦ a permutation of 0..10^8 (looks random, never repeats).
PHONE_SPACE = 10**8
PHONE_STEP = 73_939_133  # prime, so coprime with 10^8
PHONE_SHIFT = 20_250_917


def _uuid7(rng: random.Random, moment: float) -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7: milliseconds, then random bits).

    History is written oldest first: with ids in the same order, the complaint's primary key and
    every index on ``complaint_id`` grow at their right edge instead of at random pages (random ids
    made loading 100,000 complaints 15% slower, and it gets worse as the indexes outgrow memory).
    """
    random_bits = rng.getrandbits(74)
    return uuid.UUID(
        int=(int(moment * 1000) << 80)
        | (0x7 << 76)
        | ((random_bits >> 62) << 64)
        | (0b10 << 62)
        | (random_bits & ((1 << 62) - 1))
    )


def _phone_digits(k: int) -> str:
    return f"{(k * PHONE_STEP + PHONE_SHIFT) % PHONE_SPACE:08d}"


class _Simulation:
    def __init__(self, world: _World, rng: _Random, now: float, first_customer: int) -> None:
        self.world, self.rng, self.now = world, rng, now
        self.recent: list[tuple[float, _Customer]] = []  # identified complaints of the last 90 days, oldest first
        self.recent_head = 0
        self.granted_today: dict[tuple[int, date], Decimal] = {}
        self.next_customer = first_customer
        self.phones: deque[int] = deque()  # customer numbers free to use, in order
        self.new_customers: list[_Customer] = []  # created in this chunk, to be written with it

    # Arrivals: complaint times, oldest first, in chunks --------------------------------------------------

    def arrivals(self, total: int, chunk_size: int) -> Iterator[list[float]]:
        """``total`` moments over the last year, by hour: the hour's share of the year's weight, drawn
        binomially hour after hour (exactly ``total`` in all, in order, without holding them all)."""
        start = self.now - HISTORY_DAYS * DAY
        zone = self.world.stores[0].store.zone if self.world.stores else UTC
        weights = []
        for hour in range(HISTORY_DAYS * 24):
            local = datetime.fromtimestamp(start + hour * HOUR + HOUR / 2, zone)
            season = 1 + 0.18 * math.sin(2 * math.pi * (local.timetuple().tm_yday - 100) / 365.25)
            trend = 0.9 + 0.2 * hour / (HISTORY_DAYS * 24)  # a growing business
            holiday = HOLIDAYS.get((local.month, local.day), 1.0)
            weights.append(HOURLY[local.hour] * WEEKDAY[local.weekday()] * season * trend * holiday)
        left, left_weight, chunk = total, sum(weights), []
        for hour, weight in enumerate(weights):
            count = self.rng.binomialvariate(left, min(weight / left_weight, 1.0)) if left else 0
            left, left_weight = left - count, left_weight - weight
            begins = start + hour * HOUR
            chunk.extend(sorted(int(begins + self.rng.random() * HOUR) for _ in range(count)))
            while len(chunk) >= chunk_size:
                yield chunk[:chunk_size]
                chunk = chunk[chunk_size:]
        if chunk:
            yield chunk

    # One complaint ---------------------------------------------------------------------------------------

    def complaint(self, created: float) -> _Complaint:
        rng, world = self.rng, self.world
        customer = self._repeat_customer(created)
        if customer is not None and rng.random() < REPEAT_SAME_STORE:
            store = customer.store
        else:
            store = world.stores[bisect(world.store_cumulative, rng.random() * world.store_cumulative[-1])]
        weekday, seconds = store.weekday_and_seconds(created)
        channel = rng.pick(CHANNELS if store.is_open(weekday, seconds) else CLOSED_CHANNELS)
        if customer is None and rng.random() >= ANONYMOUS_SHARE.get(channel, ANONYMOUS_SHARE_OTHER):
            customer = self._new_customer(created, store, channel)
        if customer is not None:
            self.recent.append((created, customer))
        category = rng.pick(world.category_pick)
        severity = rng.pick(SEVERITY_PICKS.get(category, SEVERITY_PICKS[None]))
        stages = STAGE_PICKS[
            "billing" if category == "billing" else "in_person" if channel == "in_person" else "remote"
        ]
        logger = (
            rng.choice(store.supervisors)
            if not store.frontline or (store.supervisors and rng.random() < SUPERVISOR_LOGS)
            else rng.choice(store.frontline)
        )
        c = _Complaint(
            id=_uuid7(rng, created),
            store=store,
            customer=customer,
            channel=channel,
            category=category,
            severity=severity,
            stage=rng.pick(stages),
            description=rng.choice(DESCRIPTIONS[category]),
            desired_outcome=rng.choice(DESIRED_OUTCOMES[category]) if rng.random() < 0.6 else "",
            assignee=logger,
            digest=f"{rng.getrandbits(256):064x}",
            created_at=created,
            clock=WALL if channel == "in_person" else store.remote_clock,
            policy=world.policy(severity, channel),
            reference_day=store.local_date(created),
            category_id=world.categories[category],
            # Late more often on remote channels, for graver complaints, and in the rush hours.
            late_factor=(LATE_REMOTE if channel != "in_person" else 1.0)
            * LATE_SEVERITY[severity]
            * (0.8 + 0.6 * HOURLY[seconds // HOUR] / max(HOURLY)),
        )
        stall_share = STALL_SHARE_RECENT if self.now - created < RECENT else STALL_SHARE_OLD
        stall = rng.pick(STALL_PICK) if rng.random() < stall_share else None
        self._walk(c, stall)
        for deadline in list(c.open.values()):
            self._settle(c, deadline, self.now, closing=False)
        c.events.sort(key=lambda event: event[0])  # stable: same-moment events keep the services' order
        return c

    def _walk(self, c: _Complaint, stall: str | None) -> None:
        """The flow, step after step, until it closes, stalls (``stall``), or reaches now."""
        rng = self.rng
        actor = c.assignee
        logged = {"channel": c.channel, "severity": c.severity, "assignee": actor.username}
        self._event(c, K.LOGGED, c.created_at, actor, logged, to=S.NEW)
        self._open(c, D.APOLOGIZE, c.created_at)
        self._open(c, D.RESPOND, c.created_at)
        early = rng.random()
        early_close = (
            "duplicate"
            if early < EARLY_CLOSE["duplicate"]
            else "withdrawn"
            if early < EARLY_CLOSE["duplicate"] + EARLY_CLOSE["withdrawn"]
            else None
        )
        if early_close == "duplicate":
            self._close(c, c.clock.add(c.created_at, rng.uniform(MINUTE, HOUR)), "duplicate")
            return
        apologized = self._when(c, c.open[D.APOLOGIZE])
        if stall == "apologize" or apologized > self.now:
            return
        c.apologized_at = apologized
        self._event(c, K.APOLOGIZED, apologized, actor, {"note": rng.choice(APOLOGY_NOTES)}, to=S.APOLOGIZED)
        self._after(c, (D.APOLOGIZE,), (), apologized)
        withdrawn_after = rng.choice((S.APOLOGIZED, S.RESPONDED)) if early_close else None
        if withdrawn_after == S.APOLOGIZED:
            self._close(c, c.clock.add(apologized, rng.uniform(10 * MINUTE, 8 * HOUR)), "withdrawn")
            return
        responded = self._respond(c, apologized, stall)
        if responded is None:
            return
        if withdrawn_after == S.RESPONDED:
            self._close(c, c.clock.add(responded, rng.uniform(HOUR, 12 * HOUR)), "withdrawn")
            return
        if not self._follow_up_and_close(c, stall):
            return
        reopen_share = REOPEN_SHARE.get(c.closure_code, 0.0)
        if rng.random() >= reopen_share:
            return
        reopened = c.closed_at + rng.uniform(DAY, 10 * DAY)
        if reopened > self.now:
            return
        previous = c.closure_code
        c.closure_code, c.reopened_at = "", reopened
        self._event(
            c, K.REOPENED, reopened, actor, {"reason": rng.choice(REOPEN_REASONS), "previous_closure_code": previous},
            to=S.REOPENED,
        )  # fmt: skip
        self._after(c, ("*",), (D.RESPOND,), reopened)
        if self._respond(c, reopened, None) is not None:
            self._follow_up_and_close(c, None)

    def _follow_up_and_close(self, c: _Complaint, stall: str | None) -> bool:
        rng, actor = self.rng, c.assignee
        followed_up = self._when(c, c.open[D.FOLLOW_UP])
        if stall == "follow_up" or followed_up > self.now:
            return False
        if c.customer is None:
            outcome, satisfaction = ANONYMOUS_FOLLOW_UP, None
        elif rng.random() < NOT_REACHED_SHARE:
            outcome, satisfaction = NOT_REACHED, None
        else:
            mood = "rejected" if c.rejected else "late" if c.late else "compensated" if c.compensated else "plain"
            satisfaction = rng.pick(SATISFACTION_PICKS[mood])
            outcome = rng.choice(FOLLOW_UP_OUTCOMES[satisfaction])
        c.followed_up_at, c.follow_up_outcome, c.satisfaction = followed_up, outcome, satisfaction
        self._event(
            c, K.FOLLOWED_UP, followed_up, actor, {"outcome": outcome, "satisfaction": satisfaction, "note": ""},
            to=S.FOLLOWED_UP,
        )  # fmt: skip
        self._after(c, (D.FOLLOW_UP,), (), followed_up)
        closes = c.clock.add(followed_up, rng.uniform(MINUTE, 3 * HOUR))
        if stall == "close" or closes > self.now:
            return False
        if satisfaction is None:
            code = "resolved" if rng.random() < 0.9 else "unresolved"
        elif satisfaction >= 4:
            code = "resolved"
        elif satisfaction == 3:
            code = "resolved" if rng.random() < 0.8 else "resolved_unsatisfied"
        else:
            code = "resolved_unsatisfied" if rng.random() < (0.65 if satisfaction == 2 else 0.4) else "unresolved"
        self._close(c, closes, code)
        return True

    def _close(self, c: _Complaint, at: float, code: str) -> None:
        if at > self.now:
            return
        rng = self.rng
        c.servqual_dimension = c.servqual_dimension or rng.pick(SERVQUAL_PICKS[c.category])
        c.blueprint_area = c.blueprint_area or rng.pick(BLUEPRINT_PICKS[c.category])
        c.closure_code, c.closed_at = code, at
        data = {
            "closure_code": code,
            "servqual_dimension": c.servqual_dimension,
            "blueprint_area": c.blueprint_area,
            "note": "",
        }
        self._event(c, K.CLOSED, at, c.assignee, data, to=S.CLOSED)
        self._after(c, ("*",), (), at)

    # The response, compensation and approvals ---------------------------------------------------------------

    def _respond(self, c: _Complaint, earliest: float, stall: str | None) -> float | None:
        """The respond step from apologized or reopened; None when it has not happened (yet)."""
        rng, actor = self.rng, c.assignee
        at = max(self._when(c, c.open[D.RESPOND]), c.clock.add(earliest, rng.uniform(MINUTE, 15 * MINUTE)))
        if stall == "respond" or at > self.now:
            return None
        resolution = rng.choice(RESOLUTIONS[c.category])
        lines = self._proposal(c, actor)
        if lines:
            exceeded = self._excesses(c, actor, lines, at)
            if exceeded:
                return self._through_approval(c, lines, exceeded, resolution, at, stall)
            self._grant(c, [self._action(c, line, actor, at) for line in lines], actor, at)
        self._responded(c, at, resolution)
        return at

    def _responded(self, c: _Complaint, at: float, resolution: str) -> None:
        c.resolution, c.responded_at = resolution, at
        self._event(c, K.RESPONDED, at, c.assignee, {"resolution": resolution, "note": ""}, to=S.RESPONDED)
        self._after(c, (D.RESPOND,), (D.FOLLOW_UP,), at)

    def _proposal(self, c: _Complaint, actor: _Staff, *, below: Decimal | None = None) -> list[Line]:
        """What ``actor`` offers (empty: a response without compensation); ``below``: each line at most this."""
        rng = self.rng
        share = COMPENSATION_SHARE[c.category] * COMPENSATION_SEVERITY[c.severity]
        if below is None and rng.random() >= share:
            return []
        limits = c.store.limits[actor.role]
        kinds = _kind_pick(c.category, limits.allowed_kinds)
        if kinds is None:
            return []
        low, high = self._range(c)
        lines = []
        for _ in range(2 if rng.random() < TWO_LINES_SHARE else 1):
            kind = rng.pick(kinds)
            amount = rng.uniform(float(low), float(high))
            if below is None and rng.random() < OUTSIDE_GUIDELINE_SHARE:
                amount = float(high) * rng.uniform(2.1, 3.0)
            if below is not None:
                amount = min(amount, float(below))
            amount = round(amount)
            if amount <= 0 and kind not in limits.zero_amount_kinds:
                amount = 5
            lines.append(Line(kind=kind, amount=Decimal(max(amount, 0)).quantize(Decimal("0.01"))))
        return lines

    def _range(self, c: _Complaint) -> tuple[Decimal, Decimal]:
        guideline = self.world.guidelines.get((self.world.categories[c.category], c.severity))
        if guideline:
            return guideline
        factor = Decimal(str(SEVERITY_FACTOR[c.severity]))
        return Decimal(DEFAULT_RANGE[0]) * factor, Decimal(DEFAULT_RANGE[1]) * factor

    def _usage(self, c: _Complaint, user: _Staff, at: float) -> Usage:
        """As ``recovery.compensation.selectors.usage``: granted by ``user`` today and to the customer in 30 days."""
        today = self.granted_today.get((user.id, c.store.local_date(at)), policies.ZERO)
        customer = c.customer
        if customer is None:
            return Usage(granted_today=today, customer_30_days=None)
        # Complaints are walked in the order they were logged, but a grant may come days after: what
        # was recorded counts whatever its time (so no window ever ends up over a cap), and 40 days
        # are kept for grants walked later but given earlier.
        customer.grants = [grant for grant in customer.grants if grant[0] > at - 40 * DAY]
        since = at - 30 * DAY
        return Usage(
            granted_today=today,
            customer_30_days=sum((amount for moment, amount in customer.grants if moment > since), policies.ZERO),
        )

    def _excesses(self, c: _Complaint, user: _Staff, lines: list[Line], at: float) -> list[policies.Excess]:
        return policies.excesses(c.store.limits[user.role], self._usage(c, user, at), lines)

    def _action(self, c: _Complaint, line: Line, requested_by: _Staff, at: float) -> _Action:
        action = _Action(line.kind, line.amount, KIND_NOTES[line.kind], requested_by.id, at)
        c.actions.append(action)
        return action

    def _grant(self, c: _Complaint, actions: list[_Action], granter: _Staff, at: float) -> None:
        """As ``grants._mark_granted`` and ``_record_grant``: the actions, their usage, one event."""
        day = c.store.local_date(at)
        guideline_max = self.world.guidelines.get((self.world.categories[c.category], c.severity), (None, None))[1]
        total = policies.ZERO
        for action in actions:
            action.status = CompensationStatus.GRANTED
            action.granted_by, action.granted_at, action.business_day = granter.id, at, day
            action.far_above = policies.far_above_guideline(action.amount, guideline_max)
            total += action.amount
        key = (granter.id, day)
        self.granted_today[key] = self.granted_today.get(key, policies.ZERO) + total
        if c.customer is not None:
            c.customer.grants.append((at, total))
        c.compensated = True
        data = {
            "compensation": [action.data() for action in actions],
            "total": str(total),
            "currency": c.store.store.currency,
        }
        self._event(c, K.COMPENSATION_GRANTED, at, granter, data)

    def _through_approval(
        self,
        c: _Complaint,
        lines: list[Line],
        exceeded: list[policies.Excess],
        resolution: str,
        at: float,
        stall: str | None,
    ) -> float | None:
        """Above the employee's limits: the request, its sends up, the decision (as ``grants`` and
        ``recovery.approvals.decisions``). Returns when the complaint was responded, or None."""
        rng, store, actor = self.rng, c.store, c.assignee
        approval = _Approval(
            id=_uuid7(rng, at),
            requested_by=actor,
            approver_role=policies.approver_role_for(
                above=actor.role,
                limits_by_role=store.limits,
                customer_30_days=self._usage(c, actor, at).customer_30_days,
                lines=lines,
                roles_present=store.roles_present,
            ),
            exceeded=[excess.as_dict() for excess in exceeded],
            resolution=resolution,
            status_before=c.status,
            created_at=at,
        )
        c.approvals.append(approval)
        actions = [self._action(c, line, actor, at) for line in lines]
        for action in actions:
            action.approval = approval
        data = {
            "approval": str(approval.id),
            "approver_role": approval.approver_role,
            "exceeded": approval.exceeded,
            "compensation": [action.data() for action in actions],
            "resolution": resolution,
            "note": "",
        }
        self._event(c, K.APPROVAL_REQUESTED, at, actor, data, to=S.AWAITING_APPROVAL)
        deadline = self._after(c, (), (D.APPROVAL,), at)[0]
        while True:
            decides = math.inf if stall == "approval" else self._when(c, deadline)
            above = store.above[approval.approver_role]
            swept = deadline.due_at + rng.sweep_delay()
            if above is not None and swept < min(decides, self.now):
                # Not decided in time: the sweep sends it up, and the new approvers get a fresh window.
                deadline = self._send_up(c, approval, above, None, "not decided in time", swept)
                continue
            if decides > self.now:
                return None
            candidates = [u for u in store.approvers[approval.approver_role] if u.id != actor.id]
            decider = rng.choice(candidates or store.approvers[Role.ADMIN])
            approve = rng.random() < APPROVED_SHARE
            if not approve:
                break
            # Approving is checked against the approver's own limits (a rejection is not).
            limits = store.limits[decider.role]
            over = [excess.as_dict() for excess in policies.excesses(limits, self._usage(c, decider, decides), lines)]
            over += [{"limit": "kind", "detail": message} for message in policies.refusals(limits, lines)]
            if not over:
                break
            to_role = policies.approver_role_for(
                above=decider.role,
                limits_by_role=store.limits,
                customer_30_days=self._usage(c, decider, decides).customer_30_days,
                lines=lines,
                roles_present=store.roles_present,
            )
            deadline = self._send_up(c, approval, to_role, decider, "over the approver's own limits", decides, over)
        approval.decided_at, approval.decided_by = decides, decider.id
        # With the PIN on the employee's tablet: a supervisor standing by, the customer at the counter.
        approval.in_person = (
            c.channel == "in_person" and decider.role == Role.SUPERVISOR and rng.random() < IN_PERSON_APPROVAL_SHARE
        )
        decision = {"approval": str(approval.id), "requested_by": actor.username}
        if approve:
            approval.status, approval.decision_note = ApprovalStatus.APPROVED, rng.choice(APPROVE_NOTES)
            self._grant(c, actions, decider, decides)
            decision["note"] = approval.decision_note
            if approval.in_person:
                decision |= {"in_person": True, "on_tablet_of": actor.username}
            c.resolution, c.responded_at = resolution, decides
            self._event(c, K.APPROVED, decides, decider, decision, to=S.RESPONDED)
            self._after(c, (D.APPROVAL, D.RESPOND), (D.FOLLOW_UP,), decides)
            return decides
        approval.status, approval.decision_note = ApprovalStatus.REJECTED, rng.choice(REJECT_REASONS)
        for action in actions:
            action.status = CompensationStatus.REJECTED
        c.rejected = True
        decision["reason"] = approval.decision_note
        if approval.in_person:
            decision |= {"in_person": True, "on_tablet_of": actor.username}
        self._event(c, K.REJECTED, decides, decider, decision, to=approval.status_before)
        self._after(c, (D.APPROVAL,), (), decides)
        # The employee responds otherwise: less, within their own limits, or no compensation.
        again = c.clock.add(decides, rng.uniform(MINUTE, 15 * MINUTE))
        if again > self.now:
            return None
        resolution = rng.choice(RESOLUTIONS[c.category])
        limits = store.limits[actor.role]
        below = limits.max_per_action if limits.max_per_action is not None else self._range(c)[1]
        smaller = self._proposal(c, actor, below=below) if rng.random() < 0.6 else []
        if smaller and not self._excesses(c, actor, smaller, again):
            self._grant(c, [self._action(c, line, actor, again) for line in smaller], actor, again)
        self._responded(c, again, resolution)
        return again

    def _send_up(
        self,
        c: _Complaint,
        approval: _Approval,
        to_role: str,
        actor: _Staff | None,
        reason: str,
        at: float,
        exceeded: list[dict[str, str]] | None = None,
    ) -> _Deadline:
        """As ``approvals.approval_send_up``: one ``approval_escalated`` event and a fresh approval deadline."""
        data: dict[str, Any] = {
            "approval": str(approval.id),
            "from_role": approval.approver_role,
            "to_role": to_role,
            "reason": reason,
        }
        if exceeded:
            data["exceeded"] = exceeded
        approval.approver_role = to_role
        self._event(c, K.APPROVAL_ESCALATED, at, actor, data)
        return self._after(c, (), (D.APPROVAL,), at)[0]

    # Deadlines -----------------------------------------------------------------------------------------

    def _open(self, c: _Complaint, step: str, at: float) -> _Deadline:
        policy = c.policy
        window = {
            D.APOLOGIZE: policy.apologize_within,
            D.RESPOND: policy.respond_within,
            D.FOLLOW_UP: policy.follow_up_after,
            D.APPROVAL: policy.approval_within,
        }[step]
        cycle = c.cycles.get(step, 0)
        c.cycles[step] = cycle + 1
        deadline = _Deadline(step, cycle, c.clock, at, window, policy.escalate_every)
        if step == D.APPROVAL:
            deadline.reminded_at = at  # approvers are told at once (``grants.approvers_tell_now``)
        c.deadlines.append(deadline)
        c.open[step] = deadline
        return deadline

    def _after(self, c: _Complaint, closes: tuple[str, ...], opens: tuple[str, ...], at: float) -> list[_Deadline]:
        """As ``deadlines_after_step``: close what the step closes (and what it opens anew), open the rest."""
        for step in list(c.open):
            if "*" in closes or step in closes or step in opens:
                self._settle(c, c.open.pop(step), at, closing=True)
        return [self._open(c, step, at) for step in opens]

    def _settle(self, c: _Complaint, deadline: _Deadline, until: float, *, closing: bool) -> None:
        """What the sweep did on ``deadline`` before ``until`` (the reminder, escalations); then close it
        there (the step is done), or leave it open with its next check."""
        rng = self.rng
        if deadline.step != D.APPROVAL and until > deadline.remind_at:
            reminded = deadline.remind_at + rng.sweep_delay()
            if reminded < until:
                deadline.reminded_at = reminded
            # Escalations come at the due time at the earliest.
            for level in range(1, MAX_LEVEL + 1 if until > deadline.due_at else 1):
                escalated = deadline.escalation_time(level) + rng.sweep_delay()
                if escalated >= until:
                    break
                deadline.level = level
                if deadline.reminded_at is None or deadline.reminded_at > escalated:
                    deadline.reminded_at = escalated
                role, notified = c.store.escalation[level]
                data = {
                    "step": deadline.step,
                    "level": level,
                    "due_at": _dt(deadline.due_at).isoformat(),
                    "to_role": role,
                    "notified": notified,
                }
                self._event(c, K.ESCALATED, escalated, None, data)
                c.late = True
        if closing:
            deadline.closed_at = until
            deadline.elapsed = deadline.clock.between(deadline.started_at, until)
            return
        # As ``deadlines.next_check`` (and the sweep's: an approval above admins is checked no more).
        if deadline.step == D.APPROVAL:
            pending = next(a for a in c.approvals if a.status == ApprovalStatus.PENDING)
            above = c.store.above[pending.approver_role]
            deadline.next_check_at = None if deadline.due_at <= self.now and above is None else deadline.due_at
        elif deadline.reminded_at is None:
            deadline.next_check_at = deadline.remind_at
        elif deadline.level < MAX_LEVEL:
            deadline.next_check_at = deadline.escalation_time(deadline.level + 1)

    def _when(self, c: _Complaint, deadline: _Deadline) -> float:
        """When the step of ``deadline`` is done: mostly within its window, sometimes late (escalated)."""
        rng, window, step = self.rng, deadline.window, deadline.step
        if rng.random() < LATE_SHARE[step] * c.late_factor:
            spread = window if step == D.APPROVAL else 1.3 * deadline.escalate_every
            elapsed = window + rng.expovariate(1 / spread)
        elif step == D.FOLLOW_UP:
            elapsed = window * rng.uniform(0.55, 1.0)
        elif step == D.APPROVAL:
            elapsed = window * rng.betavariate(1.2, 3)
        elif step == D.APOLOGIZE:
            elapsed = window * rng.betavariate(1.3, 3.5)
        else:
            elapsed = window * rng.betavariate(2.2, 2.6)
        return float(math.ceil(deadline.clock.add(deadline.started_at, max(elapsed, 1.0))))

    # Customers ------------------------------------------------------------------------------------------

    def _repeat_customer(self, created: float) -> _Customer | None:
        recent, since = self.recent, created - REPEAT_WINDOW.total_seconds()
        while self.recent_head < len(recent) and recent[self.recent_head][0] < since:
            self.recent_head += 1
        if self.recent_head > 10_000 and self.recent_head * 4 > len(recent):
            del recent[: self.recent_head]
            self.recent_head = 0
        if self.recent_head == len(recent) or self.rng.random() >= REPEAT_SHARE:
            return None
        return recent[self.rng.randrange(self.recent_head, len(recent))][1]

    def _new_customer(self, created: float, store: _StoreInfo, channel: str) -> _Customer:
        rng = self.rng
        if not self.phones:
            self.customers_reserve(1000)
        number = self.phones.popleft()
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.1:
            name = ""
        elif rng.random() < 0.8:
            name = surname + rng.choice(("先生", "女士"))
        else:
            name = f"{rng.choice(('Mr.', 'Ms.'))} {PINYIN[surname]}"
        digits = _phone_digits(number)
        email = f"c{digits}@example.com" if channel in ("email", "online") and rng.random() < 0.5 else ""
        customer = _Customer(name, f"+86138{digits}", email, created, store)
        self.new_customers.append(customer)
        return customer

    def customers_reserve(self, count: int) -> None:
        """At least ``count`` customer numbers whose phone (and email) nobody has, for one chunk.

        Numbers are used densely (those left over go to the next chunk), so that a later run, which
        starts after the customers there are, rarely meets the numbers of this one; it skips any it does.
        """
        while True:
            wanted = max(count - len(self.phones), 0)
            candidates = [*self.phones, *range(self.next_customer, self.next_customer + wanted)]
            self.next_customer += wanted
            taken = set()
            for start in range(0, len(candidates), 5000):
                digits = {_phone_digits(k): k for k in candidates[start : start + 5000]}
                phones, emails = [f"+86138{d}" for d in digits], [f"c{d}@example.com" for d in digits]
                for phone, email in _customers_with(phones, emails):
                    taken |= {digits[d] for d in (phone[6:], email[1:9]) if d in digits}
            self.phones = deque(k for k in candidates if k not in taken)
            if len(self.phones) >= count:
                return

    def forget_before(self, moment: float) -> None:
        """Daily usage older than a few days no longer counts against anything."""
        cutoff = datetime.fromtimestamp(moment - 3 * DAY, UTC).date()  # a margin of days: any zone will do
        self.granted_today = {key: total for key, total in self.granted_today.items() if key[1] >= cutoff}

    def _event(
        self,
        c: _Complaint,
        kind: str,
        at: float,
        actor: _Staff | None,
        data: dict[str, Any],
        *,
        to: str | None = None,
    ) -> None:
        before = ""
        if to is not None:
            before, c.status = c.status if kind != K.LOGGED else "", to
        c.events.append((at, kind, actor.id if actor else None, before, to or "", data))


def _customers_with(phones: list[str], emails: list[str]) -> list[tuple[str, str]]:
    """(phone, email) of the customers who have one of these phones or emails."""
    with connection.cursor() as cursor:
        # Two arrays rather than 10,000 placeholders; "<> ''" lets the unique (partial) indexes serve.
        cursor.execute(
            f"SELECT phone, email FROM {Customer._meta.db_table} "
            "WHERE (phone <> '' AND phone = ANY(%s)) OR (email <> '' AND email = ANY(%s))",
            [phones, emails],
        )
        return cursor.fetchall()


# --- Writing ------------------------------------------------------------------------------------------------


class _Writer:
    """Rows into one table: binary COPY on PostgreSQL, else INSERTs of values prepared as the ORM would."""

    def __init__(self, use_copy: bool) -> None:
        self.use_copy = use_copy
        self.types: dict[str, list[int]] = {}

    def write(self, model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(column) for column in columns)
        fields = [model._meta.get_field(column) for column in columns]
        with connection.cursor() as cursor:
            if self.use_copy:
                # Binary: nothing to format or parse as text (a third faster); JSON columns take dicts.
                types = self._types(cursor, model._meta.db_table, columns)
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(types)
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                prepared = [
                    [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows
                ]
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)

    def _types(self, cursor, table: str, columns: tuple[str, ...]) -> list[int]:
        """The columns' type oids, as the table has them."""
        if table not in self.types:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                [table, list(columns)],
            )
            oids = dict(cursor.fetchall())
            self.types[table] = [oids[column] for column in columns]
        return self.types[table]


COMPLAINT_COLUMNS = (
    "id", "reference", "store_id", "customer_id", "channel", "category_id", "severity", "stage",
    "servqual_dimension", "blueprint_area", "description", "desired_outcome", "status", "assignee_id",
    "created_by_id", "resolution", "follow_up_outcome", "satisfaction", "closure_code", "intake_digest",
    "created_at", "updated_at", "apologized_at", "responded_at", "followed_up_at", "closed_at", "reopened_at",
    "escalation_level", "on_hold_until", "hold_reason", "next_due_at", "contact_consent",
)  # fmt: skip
EVENT_COLUMNS = ("complaint_id", "kind", "actor_id", "at", "status_before", "status_after", "data")
DEADLINE_COLUMNS = (
    "complaint_id", "step", "cycle", "clock", "started_at", "window_seconds", "escalate_every", "held_seconds",
    "due_at", "remind_at", "reminded_at", "level", "paused_at", "next_check_at", "closed_at", "elapsed_seconds",
)  # fmt: skip
CUSTOMER_COLUMNS = ("id", "name", "phone", "email", "created_at")
APPROVAL_COLUMNS = (
    "id", "complaint_id", "store_id", "requested_by_id", "approver_role", "status", "exceeded", "resolution",
    "note", "complaint_status_before", "created_at", "decided_at", "decided_by_id", "decision_note", "in_person",
    "complaint_logged_at",
)  # fmt: skip
ACTION_COLUMNS = (
    "id", "complaint_id", "store_id", "customer_id", "kind", "amount", "currency", "note", "status",
    "requested_by_id", "approval_id", "granted_by_id", "granted_at", "business_day", "far_above_guideline",
    "created_at",
)  # fmt: skip


def _ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``, from its sequence."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _references_take(keys: list[tuple[int, date, str]]) -> list[str]:
    """References for complaints logged in this order (``keys``: store id, store's local day, store code),
    taken from the reference counters as the intake does, but one upsert for the lot, so
    that complaints logged later continue after them."""
    wanted: dict[tuple[int, date], int] = {}
    for store_id, day, _ in keys:
        wanted[(store_id, day)] = wanted.get((store_id, day), 0) + 1
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    upsert = (
        f" ON CONFLICT (store_id, day) DO UPDATE SET last_number = {table}.last_number + excluded.last_number"
        " RETURNING store_id, day, last_number"
    )
    days = list(wanted)
    with connection.cursor() as cursor:
        # Three arrays: no statement of a thousand parameters to build.
        cursor.execute(
            f"INSERT INTO {table} (store_id, day, last_number) "
            "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[])" + upsert,
            [[key[0] for key in days], [key[1] for key in days], [wanted[key] for key in days]],
        )
        counted = cursor.fetchall()
    last = {(store_id, str(day)): number for store_id, day, number in counted}
    following = {key: last[(key[0], str(key[1]))] - count for key, count in wanted.items()}
    references = []
    for store_id, day, code in keys:
        following[(store_id, day)] += 1
        references.append(reference_of(code, day, following[(store_id, day)]))
    return references


@dataclass
class _ChunkRows:
    """One chunk, ready to write: every table's rows (complaints' references still to take)."""

    summary: VolumeSummary
    reference_keys: list[tuple[int, date, str]]
    customers: list[tuple] = field(default_factory=list)
    complaints: list[list] = field(default_factory=list)
    approvals: list[tuple] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    deadlines: list[tuple] = field(default_factory=list)


def _chunk_rows(complaints: list[_Complaint], new_customers: list[_Customer]) -> _ChunkRows:
    """The chunk's rows, with fresh ids for its new customers and compensation actions (sequences
    are outside transactions: taking them here is safe whoever writes the rows)."""
    for customer, pk in zip(new_customers, _ids_reserve(Customer, len(new_customers)), strict=True):
        customer.id = pk
    actions = [action for c in complaints for action in c.actions]
    for action, pk in zip(actions, _ids_reserve(CompensationAction, len(actions)), strict=True):
        action.id = pk
        for shown in action.refs:
            shown["id"] = pk
    dt = _dt
    chunk = _ChunkRows(
        summary=VolumeSummary(complaints=len(complaints), customers=len(new_customers)),
        reference_keys=[(c.store.store.pk, c.reference_day, c.store.store.code) for c in complaints],
        customers=[(cu.id, cu.name, cu.phone, cu.email, dt(cu.created_at)) for cu in new_customers],
    )
    by_status = chunk.summary.by_status
    for c in complaints:
        store_id = c.store.store.pk
        customer_id = c.customer.id if c.customer else None
        level = max((deadline.level for deadline in c.open.values()), default=0)
        next_due = min((deadline.due_at for deadline in c.open.values()), default=None)
        by_status[c.status] = by_status.get(c.status, 0) + 1
        chunk.complaints.append(
            [
                c.id, "", store_id, customer_id, c.channel, c.category_id, c.severity, c.stage,
                c.servqual_dimension, c.blueprint_area, c.description, c.desired_outcome, c.status,
                c.assignee.id, c.assignee.id, c.resolution, c.follow_up_outcome, c.satisfaction, c.closure_code,
                c.digest, dt(c.created_at), dt(c.events[-1][0]), dt(c.apologized_at), dt(c.responded_at),
                dt(c.followed_up_at), dt(c.closed_at), dt(c.reopened_at), level, None, "", dt(next_due),
                False,  # the history is seeded without consent: nobody is surveyed about it
            ]
        )  # fmt: skip
        for at, kind, actor, before, after, data in c.events:
            chunk.events.append((c.id, kind, actor, dt(at), before, after, data))
        for d in c.deadlines:
            chunk.deadlines.append(
                (
                    c.id, d.step, d.cycle, d.clock.kind, dt(d.started_at), d.window, d.escalate_every, 0.0,
                    dt(d.due_at), dt(d.remind_at), dt(d.reminded_at), d.level, None, dt(d.next_check_at),
                    dt(d.closed_at), d.elapsed,
                )
            )  # fmt: skip
        for a in c.approvals:
            chunk.approvals.append(
                (
                    a.id, c.id, store_id, a.requested_by.id, a.approver_role, a.status, a.exceeded, a.resolution,
                    "", a.status_before, dt(a.created_at), dt(a.decided_at), a.decided_by, a.decision_note,
                    a.in_person, dt(c.created_at),
                )
            )  # fmt: skip
        for a in c.actions:
            chunk.actions.append(
                (
                    a.id, c.id, store_id, customer_id, a.kind, a.amount, c.store.store.currency, a.note, a.status,
                    a.requested_by, a.approval.id if a.approval else None, a.granted_by, dt(a.granted_at),
                    a.business_day, a.far_above, dt(a.created_at),
                )
            )  # fmt: skip
    summary = chunk.summary
    summary.events, summary.deadlines = len(chunk.events), len(chunk.deadlines)
    summary.compensation_actions, summary.approval_requests = len(chunk.actions), len(chunk.approvals)
    return chunk


def _chunk_commit(chunk: _ChunkRows, writer: _Writer) -> VolumeSummary:
    """Write one chunk in one transaction: its references, then every table's rows."""
    with transaction.atomic():
        _facts_deferred(True)
        for row, reference in zip(chunk.complaints, _references_take(chunk.reference_keys), strict=True):
            row[1] = reference
        writer.write(Customer, CUSTOMER_COLUMNS, chunk.customers)
        writer.write(Complaint, COMPLAINT_COLUMNS, chunk.complaints)
        writer.write(ApprovalRequest, APPROVAL_COLUMNS, chunk.approvals)
        writer.write(CompensationAction, ACTION_COLUMNS, chunk.actions)
        writer.write(Deadline, DEADLINE_COLUMNS, chunk.deadlines)
        # Events last, as every change writes them (complaints/events.py).
        writer.write(ComplaintEvent, EVENT_COLUMNS, chunk.events)
        _facts_deferred(False)  # for the rest of a caller's transaction
    return chunk.summary


def _facts_deferred(deferred: bool) -> None:
    """Skip (or stop skipping) the facts' upkeep for this transaction's events: the complaints' facts are
    filled in once, for the lot, when the seed ends (``facts_fill``)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('recovery.facts_deferred', %s, true)", ["on" if deferred else "off"])


# --- The entry point ----------------------------------------------------------------------------------------


def volume_seed(
    *,
    complaints: int,
    stores: int = 2,
    seed: int = 1,
    now: datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
    use_copy: bool | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> VolumeSummary:
    """Generate ``complaints`` complaints over stores S1..S<stores> and the year before ``now``.

    Needs the demo organisation (``seed_demo``). One transaction per chunk of ``chunk_size``
    complaints; ``use_copy`` (default) writes with COPY rather than INSERTs.
    """
    started = timezone.now()
    now = now or started
    use_copy = True if use_copy is None else use_copy
    # Reproducible on purpose (demo data); a second run on the same database draws a new history.
    rng = _Random(f"{seed}:{Complaint.objects.count()}")
    with transaction.atomic():
        store_list = demo_stores_ensure(stores)
    world = _World.load(store_list, rng, now)
    simulation = _Simulation(world, rng, now.timestamp(), first_customer=Customer.objects.count())
    writer = _Writer(use_copy)
    total = VolumeSummary(stores=len(store_list))
    clock_started = monotonic()

    def committed(chunk: VolumeSummary) -> None:
        _add(total, chunk)
        if progress:
            progress(total.complaints, complaints, monotonic() - clock_started)

    # On two cores, Python draws the next chunk while the database takes this one (COPY, then the
    # deferred foreign-key checks at commit): a writer thread with its own connection, one chunk
    # behind. Not inside a caller's transaction, whose rows another connection could not see.
    pool = ThreadPoolExecutor(max_workers=1) if use_copy and not connection.in_atomic_block else None
    writing: Future | None = None
    # The simulation makes no reference cycles: the cyclic collector would only walk the live objects
    # (a quarter of a million recent customers at a million complaints) again and again, which took
    # 40% of Python's time at a million; reference counting frees everything.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for moments in simulation.arrivals(complaints, chunk_size):
            simulation.customers_reserve(len(moments))
            rows = _chunk_rows([simulation.complaint(moment) for moment in moments], simulation.new_customers)
            job = partial(_chunk_commit, rows, writer)
            simulation.new_customers = []
            simulation.forget_before(moments[-1])
            if pool is None:
                committed(job())
                continue
            if writing is not None:
                committed(writing.result())
            writing = pool.submit(job)
        if writing is not None:
            committed(writing.result())
    finally:
        if collecting:
            gc.enable()
        if pool is not None:
            pool.submit(connections.close_all)  # the writer thread's connection
            pool.shutdown(wait=True)
    customer_counts_fill(store_list, rng)
    if total.complaints:
        # Fresh statistics, so that the facts' fill and the metrics' first queries plan for the volume.
        loaded = (Customer, Complaint, ComplaintEvent, Deadline, ApprovalRequest, CompensationAction)
        _analyze(*loaded)
        facts_fill()
        _analyze(ComplaintFacts)
        if not connection.in_atomic_block:
            # Rows just loaded are not yet marked all-visible: until autovacuum gets to them, an index-only
            # scan (the metrics', the lists') reads the table too, which made them twice as slow.
            _vacuum(*(model._meta.db_table for model in (ComplaintFacts, *loaded)), *DAY_SUM_TABLES)
    total.seconds = monotonic() - clock_started
    return total


def facts_fill() -> int:
    """Give every complaint written with the facts' upkeep deferred its facts for the metrics, and count
    their days' sums again (recovery.metrics.projection): the number of complaints filled."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT recovery_facts_fill()")
        return cursor.fetchone()[0]


def _analyze(*tables: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables))


def _vacuum(*tables: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(connection.ops.quote_name(table) for table in tables))


def customer_counts_fill(stores: list[Store], rng: random.Random) -> int:
    """A customer count for every store-day with complaints (120 to 220 customers a complaint), so that the
    metrics can show complaints per 1,000 customers; a day already counted keeps its count."""
    counts = []
    for store in stores:
        days = (
            Complaint.objects.filter(store=store)
            .annotate(day=TruncDate("created_at", tzinfo=ZoneInfo(store.timezone)))
            .values("day")
            .annotate(complaints=Count("pk"))
            .order_by("day")
        )
        counts += [
            StoreCustomerCount(store=store, day=row["day"], customers=row["complaints"] * rng.randint(120, 220))
            for row in days
        ]
    StoreCustomerCount.objects.bulk_create(counts, batch_size=5000, ignore_conflicts=True)
    return len(counts)


def _add(total: VolumeSummary, chunk: VolumeSummary) -> None:
    for name in ("complaints", "events", "deadlines", "compensation_actions", "approval_requests", "customers"):
        setattr(total, name, getattr(total, name) + getattr(chunk, name))
    for status, count in chunk.by_status.items():
        total.by_status[status] = total.by_status.get(status, 0) + count
