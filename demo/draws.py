"""What the demo history draws at random: how often each thing happens, how long people take, what they say.

Everything else (due times, limits, who approves, what events say) is the domain's own: ``demo.history``.
"""

import random
from bisect import bisect
from itertools import accumulate

from complaints.models import BlueprintArea, DeadlineStep, ServqualDimension, Severity, Stage, TierCode

MINUTE, HOUR, DAY = 60, 3600, 86400

CATEGORY_WEIGHTS = {
    "food_quality": 28, "wait_time": 22, "staff_attitude": 14, "billing": 10,
    "cleanliness": 9, "facilities": 6, "promise_broken": 6, "other": 5,
}  # fmt: skip
SEVERITIES = Severity.values  # the weights below are in this order
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
STAGES = Stage.values
ANONYMOUS_SHARE = {"qr_form": 0.45, "social": 0.3, "online": 0.08}
ANONYMOUS_SHARE_OTHER = 0.03
# Of the complaints of a customer seen before, within 90 days ("repeat customers").
REPEAT_SHARE = 0.28
REPEAT_SAME_STORE = 0.8
SUPERVISOR_LOGS = 0.15
# New customers already on a tier (the membership list, imported), and customers moved up a tier by a supervisor
# when they come back with nothing left open (members to VIP, guests to members).
NEW_CUSTOMER_TIERS = {TierCode.A: 0.015, TierCode.B: 0.08}
TIER_UP_SHARE = 0.06
TIER_UP = {None: TierCode.B, TierCode.B: TierCode.A}

SERVQUAL = ServqualDimension.values
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
BLUEPRINT = BlueprintArea.values
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
# Categories without a compensation guideline: a base range, scaled by severity as the guidelines are.
DEFAULT_RANGE = (10, 40)
# Offers above the top of their guideline (what a customer's "unusual compensation" flag counts), some of them far
# above it (flagged for review: policies.far_above_guideline).
ABOVE_GUIDELINE_SHARE = 0.06
OUTSIDE_GUIDELINE_SHARE = 0.03
TWO_LINES_SHARE = 0.15
APPROVED_SHARE = 0.8
IN_PERSON_APPROVAL_SHARE = 0.35

# Steps done late (past their due time, so escalated), by step; scaled by channel, severity, rush hours.
LATE_SHARE = {
    DeadlineStep.APOLOGIZE: 0.06,
    DeadlineStep.RESPOND: 0.09,
    DeadlineStep.FOLLOW_UP: 0.12,
    DeadlineStep.APPROVAL: 0.07,
}
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
TIER_IMPORTED = "会员名单导入 / From the membership list"
TIER_UP_REASONS = ["常客 / A regular", "多次消费的老顾客 / A loyal customer", "店长推荐升级 / Upgraded by the manager"]
REOPEN_REASONS = ["顾客回电，问题未解决 / Customer called back: not solved", "顾客再次投诉 / Customer complained again"]


class Pick:
    """A weighted choice with its cumulative weights worked out once (``random.choices`` redoes them each call)."""

    __slots__ = ("cumulative", "population", "total")

    def __init__(self, weights: dict) -> None:
        self.population = tuple(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]


class DemoRandom(random.Random):
    """``random.Random`` with the draws of the hot loop made of one ``random()`` each."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def pick(self, weighted: Pick):
        return weighted.population[bisect(weighted.cumulative, self.random() * weighted.total)]

    def sweep_delay(self) -> int:
        return 1 + int(self.random() * SWEEP_DELAY)


CHANNELS, CLOSED_CHANNELS = Pick(CHANNEL_WEIGHTS), Pick(CLOSED_CHANNEL_WEIGHTS)
SEVERITY_PICKS = {category: Pick(dict(zip(SEVERITIES, w, strict=True))) for category, w in SEVERITY_WEIGHTS.items()}
STAGE_PICKS = {key: Pick(dict(zip(STAGES, w, strict=True))) for key, w in STAGE_WEIGHTS.items()}
STALL_PICK = Pick(STALL_STEPS)
SERVQUAL_PICKS = {category: Pick(dict(zip(SERVQUAL, w, strict=True))) for category, w in SERVQUAL_WEIGHTS.items()}
BLUEPRINT_PICKS = {category: Pick(dict(zip(BLUEPRINT, w, strict=True))) for category, w in BLUEPRINT_WEIGHTS.items()}
SATISFACTION_PICKS = {
    mood: Pick(dict(zip((1, 2, 3, 4, 5), w, strict=True))) for mood, w in SATISFACTION_WEIGHTS.items()
}
_KIND_PICKS: dict[tuple[str, frozenset[str]], Pick | None] = {}


def kind_pick(category: str, allowed: frozenset[str]) -> Pick | None:
    """The category's usual kinds that ``allowed`` permits (a frontline employee grants no refunds)."""
    key = (category, allowed)
    if key not in _KIND_PICKS:
        kinds = {kind: w for kind, w in KIND_WEIGHTS[category].items() if kind in allowed}
        _KIND_PICKS[key] = Pick(kinds) if kinds else None
    return _KIND_PICKS[key]
