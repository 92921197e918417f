"""A year of complaint history, each complaint walked through the domain's own rules, in memory.

Only what people do, and when, is drawn (``demo.draws``, from a seeded random generator: the same seed on the
same database gives the same history). The rest is the domain's, each function given the moment it happens at
(the clock is injected): the SLA policy of the complaint's severity, channel and customer tier and the store's
clock (``complaints.sla``); the deadlines each step opens and closes, when the sweep reminds and escalates, and
whom it tells (``complaints.deadlines``, ``recovery.reminders``); the empowerment limits, who approves, and how a
grant stands against its guideline (``recovery.compensation``); what each event says (the services' own
functions). The records are rows of the models' fields (``core.bulk_rows.row_new``), for ``demo.volume`` to
write in bulk: one service call per step would take hours for a million complaints.
"""

import math
import random
import uuid
from bisect import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate
from typing import Any

from django.db import connection
from django.utils import timezone

from complaints import deadlines, events, sla, tiers
from complaints.customers import REPEAT_WINDOW
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    CustomerTier,
    CustomerTierChange,
    Deadline,
    DeadlineStep,
    EventKind,
    SlaPolicy,
    TierChangeSource,
)
from core.bulk_rows import NewRow, row_new
from demo import draws
from demo.draws import DAY, HOUR, MINUTE, DemoRandom, Pick
from demo.organisation import SEVERITY_FACTOR
from demo.rows import Ids
from recovery import reminders
from recovery.approvals import decisions
from recovery.compensation import grants, policies
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import Limits, Line, Usage
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationAction, CompensationStatus
from staff.models import Role, Store, User
from staff.selectors import staff_by_role_for_stores

S, D, K = ComplaintStatus, DeadlineStep, EventKind
HISTORY_DAYS = 365
RECENT = timedelta(seconds=draws.RECENT)


def _seconds(amount: float) -> timedelta:
    return timedelta(seconds=round(amount))


# --- What the history knows of the organisation -------------------------------------------------------------


@dataclass
class StoreInfo:
    store: Store
    weight: float
    frontline: list[User]
    supervisors: list[User]
    limits: dict[str, Limits]
    roles_present: set[str]
    approvers: dict[str, list[User]]
    above: dict[str, str | None]  # approver role: where an undecided request goes next (policies.role_above)
    open_hours: sla.Clock  # the clock of its remote channels
    told: dict[int, dict[str, Any]]  # escalation level: what its event says of whom it told

    def is_open(self, moment: datetime) -> bool:
        """Open at ``moment``, by its clock: no open time added to an open moment is that moment."""
        return self.open_hours.add(moment, 0) == moment


@dataclass
class World:
    stores: list[StoreInfo]
    store_cumulative: list[float]
    categories: dict[str, int]
    category_pick: Pick
    sla_policies: list[SlaPolicy]
    guidelines: dict[tuple, Any]
    default_tier_id: int | None
    tier_ids: dict[str, int]
    _policies: dict[tuple, SlaPolicy] = field(default_factory=dict)
    _guidelines: dict[tuple, tuple[Decimal, Decimal] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, stores: list[Store], rng: random.Random) -> "World":
        staff = staff_by_role_for_stores(stores, Role.values)
        clocks = sla.open_hours_clocks(stores)
        infos = []
        for store in stores:
            roles_present = compensation_selectors.approver_roles_present(store)
            infos.append(
                StoreInfo(
                    store=store,
                    weight=rng.lognormvariate(0, 0.35),
                    frontline=staff[store.pk, Role.FRONTLINE],
                    supervisors=staff[store.pk, Role.SUPERVISOR],
                    limits=compensation_selectors.limits_by_role(store),
                    roles_present=roles_present,
                    approvers={role: staff[store.pk, role] for role in policies.APPROVER_ROLES},
                    above={
                        role: policies.role_above(role, roles_present=roles_present) for role in policies.APPROVER_ROLES
                    },
                    open_hours=clocks[store.pk],
                    told={
                        level: reminders.escalated_to(*reminders.escalation_group(staff, store, level))
                        for level in range(1, deadlines.MAX_LEVEL + 1)
                    },
                )
            )
        categories = {
            code: pk
            for code, pk in Category.objects.filter(is_active=True).values_list("code", "pk")
            if code in draws.CATEGORY_WEIGHTS
        }
        if not categories:
            raise ValueError("No demo categories: run seed_demo first.")
        return cls(
            stores=infos,
            store_cumulative=list(accumulate(info.weight for info in infos)),
            categories=categories,
            category_pick=Pick({code: draws.CATEGORY_WEIGHTS[code] for code in categories}),
            sla_policies=list(sla.SLA_POLICIES.get()),
            guidelines=compensation_selectors.GUIDELINES.get(),
            default_tier_id=tiers.DEFAULT_TIER_ID.get(),
            tier_ids=dict(CustomerTier.objects.values_list("code", "pk")),
        )

    def policy(self, severity: str, channel: str, tier_id: int | None) -> SlaPolicy:
        key = (severity, channel, tier_id)
        if key not in self._policies:
            self._policies[key] = sla.policy_among(
                self.sla_policies, severity=severity, channel=channel, tier_id=tier_id
            )
        return self._policies[key]

    def guideline(self, category_id: int, severity: str, tier_id: int | None) -> tuple[Decimal, Decimal] | None:
        """The guideline's range for this category, severity and tier, if there is one."""
        key = (category_id, severity, tier_id)
        if key not in self._guidelines:
            guideline = compensation_selectors.guideline_among(
                self.guidelines, category_id=category_id, severity=severity, tier_id=tier_id
            )
            self._guidelines[key] = (guideline.min_amount, guideline.max_amount) if guideline else None
        return self._guidelines[key]


# --- The records being walked ---------------------------------------------------------------------------------


class WalkedCustomer:
    """A customer's row, and what the walk remembers of them."""

    __slots__ = ("grants", "row", "settled_at", "store")

    def __init__(self, row: NewRow, store: StoreInfo) -> None:
        self.row, self.store = row, store
        self.grants: list[tuple[datetime, Decimal]] = []  # (granted at, total), for the 30-day cap
        # Until when all their complaints so far are closed (None: one is still open): a tier changed then
        # moves no due times.
        self.settled_at: datetime | None = row.created_at


@dataclass(slots=True)
class WalkedComplaint:
    """A complaint as it is walked: what its row will say, its clock and policy, and the records it makes."""

    id: uuid.UUID
    store: StoreInfo
    customer: WalkedCustomer | None
    channel: str
    category: str
    category_id: int
    severity: str
    stage: str
    description: str
    desired_outcome: str
    assignee: User
    digest: str
    created_at: datetime
    clock: sla.Clock
    policy: SlaPolicy
    guideline: tuple[Decimal, Decimal] | None  # its range (of the customer's tier)
    late_factor: float
    status: str = ""
    servqual_dimension: str = ""
    blueprint_area: str = ""
    resolution: str = ""
    follow_up_outcome: str = ""
    satisfaction: int | None = None
    closure_code: str = ""
    apologized_at: datetime | None = None
    responded_at: datetime | None = None
    followed_up_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    events: list[NewRow] = field(default_factory=list)
    deadlines: list[NewRow] = field(default_factory=list)
    open: dict[str, NewRow] = field(default_factory=dict)
    cycles: dict[str, int] = field(default_factory=dict)
    actions: list[NewRow] = field(default_factory=list)
    approvals: list[NewRow] = field(default_factory=list)
    late: bool = False
    compensated: bool = False
    rejected: bool = False

    def row(self) -> NewRow:
        """The complaint's row (its reference is taken when it is written)."""
        return row_new(
            Complaint,
            id=self.id,
            store_id=self.store.store.pk,
            customer_id=self.customer.row.id if self.customer else None,
            channel=self.channel,
            category_id=self.category_id,
            severity=self.severity,
            stage=self.stage,
            servqual_dimension=self.servqual_dimension,
            blueprint_area=self.blueprint_area,
            description=self.description,
            desired_outcome=self.desired_outcome,
            status=self.status,
            assignee_id=self.assignee.id,
            created_by_id=self.assignee.id,
            resolution=self.resolution,
            follow_up_outcome=self.follow_up_outcome,
            satisfaction=self.satisfaction,
            closure_code=self.closure_code,
            intake_digest=self.digest,
            created_at=self.created_at,
            updated_at=self.events[-1].at,
            apologized_at=self.apologized_at,
            responded_at=self.responded_at,
            followed_up_at=self.followed_up_at,
            closed_at=self.closed_at,
            reopened_at=self.reopened_at,
            **deadlines.open_deadlines_figures(list(self.open.values())),
        )


# Phones: +86 138 then eight digits, k-th customer ↦ a permutation of 0..10^8 (looks random, never repeats).
PHONE_SPACE = 10**8
PHONE_STEP = 73_939_133  # prime, so coprime with 10^8
PHONE_SHIFT = 20_250_917


def _uuid7(rng: random.Random, moment: datetime) -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7: milliseconds, then random bits).

    History is written oldest first: with ids in the same order, the complaint's primary key and
    every index on ``complaint_id`` grow at their right edge instead of at random pages (random ids
    made loading 100,000 complaints 15% slower, and it gets worse as the indexes outgrow memory).
    """
    random_bits = rng.getrandbits(74)
    return uuid.UUID(
        int=(int(moment.timestamp() * 1000) << 80)
        | (0x7 << 76)
        | ((random_bits >> 62) << 64)
        | (0b10 << 62)
        | (random_bits & ((1 << 62) - 1))
    )


def _phone_digits(k: int) -> str:
    return f"{(k * PHONE_STEP + PHONE_SHIFT) % PHONE_SPACE:08d}"


# --- The walk -------------------------------------------------------------------------------------------------


class History:
    """Complaints walked one after another, oldest first, up to ``now``; what each chunk made is collected for
    writing (``chunk_taken``)."""

    def __init__(self, world: World, rng: DemoRandom, now: datetime, first_customer: int) -> None:
        self.world, self.rng, self.now = world, rng, now
        self.recent: list[tuple[datetime, WalkedCustomer]] = []  # identified complaints of the last 90 days
        self.recent_head = 0
        self.granted_today: dict[tuple[int, date], Decimal] = {}
        self.anonymous_today: dict[tuple[int, date], Decimal] = {}
        self.next_customer = first_customer
        self.phones: deque[int] = deque()  # customer numbers free to use, in order
        self.customer_ids, self.action_ids = Ids(Customer), Ids(CompensationAction)
        self.new_deadline = partial(row_new, Deadline)
        # Made in this chunk, to be written with it: new customers, tier changes, customers of earlier chunks
        # whose tier changed.
        self.new_customers: list[WalkedCustomer] = []
        self.tier_changes: list[NewRow] = []
        self.tiers_changed: dict[int, WalkedCustomer] = {}

    def chunk_taken(self) -> tuple[list[WalkedCustomer], list[NewRow], list[WalkedCustomer]]:
        """The chunk's new customers, tier changes and earlier customers whose tier changed; the next starts afresh."""
        new = {customer.row.id for customer in self.new_customers}
        taken = (
            self.new_customers,
            self.tier_changes,
            [customer for pk, customer in self.tiers_changed.items() if pk not in new],
        )
        self.new_customers, self.tier_changes, self.tiers_changed = [], [], {}
        return taken

    # Arrivals: complaint times, oldest first, in chunks ----------------------------------------------------

    def arrivals(self, total: int, chunk_size: int) -> Iterator[list[datetime]]:
        """``total`` moments over the last year, by hour: the hour's share of the year's weight, drawn
        binomially hour after hour (exactly ``total`` in all, in order, without holding them all)."""
        start = int(self.now.timestamp()) - HISTORY_DAYS * DAY
        zone = self.world.stores[0].store.zone if self.world.stores else UTC
        weights = []
        for hour in range(HISTORY_DAYS * 24):
            local = datetime.fromtimestamp(start + hour * HOUR + HOUR / 2, zone)
            season = 1 + 0.18 * math.sin(2 * math.pi * (local.timetuple().tm_yday - 100) / 365.25)
            trend = 0.9 + 0.2 * hour / (HISTORY_DAYS * 24)  # a growing business
            holiday = draws.HOLIDAYS.get((local.month, local.day), 1.0)
            weights.append(draws.HOURLY[local.hour] * draws.WEEKDAY[local.weekday()] * season * trend * holiday)
        left, left_weight, chunk = total, sum(weights), []
        for hour, weight in enumerate(weights):
            count = self.rng.binomialvariate(left, min(weight / left_weight, 1.0)) if left else 0
            left, left_weight = left - count, left_weight - weight
            begins = start + hour * HOUR
            moments = sorted(int(begins + self.rng.random() * HOUR) for _ in range(count))
            chunk.extend(datetime.fromtimestamp(moment, UTC) for moment in moments)
            while len(chunk) >= chunk_size:
                yield chunk[:chunk_size]
                chunk = chunk[chunk_size:]
        if chunk:
            yield chunk

    # One complaint -------------------------------------------------------------------------------------------

    def complaint(self, created: datetime) -> WalkedComplaint:
        rng, world = self.rng, self.world
        customer = self._repeat_customer(created)
        if customer is not None and rng.random() < draws.REPEAT_SAME_STORE:
            store = customer.store
        else:
            store = world.stores[bisect(world.store_cumulative, rng.random() * world.store_cumulative[-1])]
        channel = rng.pick(draws.CHANNELS if store.is_open(created) else draws.CLOSED_CHANNELS)
        if customer is None and rng.random() >= draws.ANONYMOUS_SHARE.get(channel, draws.ANONYMOUS_SHARE_OTHER):
            customer = self._new_customer(created, store, channel)
        elif customer is not None:
            self._tier_up_maybe(customer, store, created)
        if customer is not None:
            self.recent.append((created, customer))
        category = rng.pick(world.category_pick)
        severity = rng.pick(draws.SEVERITY_PICKS.get(category, draws.SEVERITY_PICKS[None]))
        stages = draws.STAGE_PICKS[
            "billing" if category == "billing" else "in_person" if channel == "in_person" else "remote"
        ]
        logger = (
            rng.choice(store.supervisors)
            if not store.frontline or (store.supervisors and rng.random() < draws.SUPERVISOR_LOGS)
            else rng.choice(store.frontline)
        )
        tier_id = tiers.customer_tier_id(customer.row if customer else None, default_tier_id=world.default_tier_id)
        hour = created.astimezone(store.store.zone).hour
        c = WalkedComplaint(
            id=_uuid7(rng, created),
            store=store,
            customer=customer,
            channel=channel,
            category=category,
            category_id=world.categories[category],
            severity=severity,
            stage=rng.pick(stages),
            description=rng.choice(draws.DESCRIPTIONS[category]),
            desired_outcome=rng.choice(draws.DESIRED_OUTCOMES[category]) if rng.random() < 0.6 else "",
            assignee=logger,
            digest=f"{rng.getrandbits(256):064x}",
            created_at=created,
            clock=sla.channel_clock(channel, store.open_hours),
            policy=world.policy(severity, channel, tier_id),
            guideline=world.guideline(world.categories[category], severity, tier_id),
            # Late more often on remote channels, for graver complaints, and in the rush hours.
            late_factor=(draws.LATE_REMOTE if channel != "in_person" else 1.0)
            * draws.LATE_SEVERITY[severity]
            * (0.8 + 0.6 * draws.HOURLY[hour] / max(draws.HOURLY)),
        )
        stall_share = draws.STALL_SHARE_RECENT if self.now - created < RECENT else draws.STALL_SHARE_OLD
        stall = rng.pick(draws.STALL_PICK) if rng.random() < stall_share else None
        self._walk(c, stall)
        for deadline in list(c.open.values()):
            self._swept(c, deadline, self.now)
            if deadline.step == D.APPROVAL:
                self._approval_left(c, deadline)
        c.events.sort(key=lambda event: event.at)  # stable: same-moment events keep the services' order
        if customer is not None:
            settled = c.closed_at if c.status == S.CLOSED else None
            customer.settled_at = settled and customer.settled_at and max(customer.settled_at, settled)
        return c

    def _walk(self, c: WalkedComplaint, stall: str | None) -> None:
        """The flow, step after step, until it closes, stalls (``stall``), or reaches now."""
        rng = self.rng
        actor = c.assignee
        logged = events.logged_data(channel=c.channel, severity=c.severity, assignee=actor.username)
        self._event(c, K.LOGGED, c.created_at, actor, logged, to=S.NEW)
        self._after(c, "log", c.created_at)
        early = rng.random()
        early_close = (
            "duplicate"
            if early < draws.EARLY_CLOSE["duplicate"]
            else "withdrawn"
            if early < draws.EARLY_CLOSE["duplicate"] + draws.EARLY_CLOSE["withdrawn"]
            else None
        )
        if early_close == "duplicate":
            self._close(c, self._later(c, c.created_at, MINUTE, HOUR), "duplicate")
            return
        apologized = self._when(c, c.open[D.APOLOGIZE])
        if stall == "apologize" or apologized > self.now:
            return
        c.apologized_at = apologized
        note = rng.choice(draws.APOLOGY_NOTES)
        self._event(c, K.APOLOGIZED, apologized, actor, events.apologized_data(note=note), to=S.APOLOGIZED)
        self._after(c, "apologize", apologized)
        withdrawn_after = rng.choice((S.APOLOGIZED, S.RESPONDED)) if early_close else None
        if withdrawn_after == S.APOLOGIZED:
            self._close(c, self._later(c, apologized, 10 * MINUTE, 8 * HOUR), "withdrawn")
            return
        responded = self._respond(c, apologized, stall)
        if responded is None:
            return
        if withdrawn_after == S.RESPONDED:
            self._close(c, self._later(c, responded, HOUR, 12 * HOUR), "withdrawn")
            return
        if not self._follow_up_and_close(c, stall):
            return
        if rng.random() >= draws.REOPEN_SHARE.get(c.closure_code, 0.0):
            return
        reopened = c.closed_at + _seconds(rng.uniform(DAY, 10 * DAY))
        if reopened > self.now:
            return
        data = events.reopened_data(reason=rng.choice(draws.REOPEN_REASONS), previous_closure_code=c.closure_code)
        c.closure_code, c.reopened_at = "", reopened
        self._event(c, K.REOPENED, reopened, actor, data, to=S.REOPENED)
        self._after(c, "reopen", reopened)
        if self._respond(c, reopened, None) is not None:
            self._follow_up_and_close(c, None)

    def _follow_up_and_close(self, c: WalkedComplaint, stall: str | None) -> bool:
        rng, actor = self.rng, c.assignee
        followed_up = self._when(c, c.open[D.FOLLOW_UP])
        if stall == "follow_up" or followed_up > self.now:
            return False
        if c.customer is None:
            outcome, satisfaction = draws.ANONYMOUS_FOLLOW_UP, None
        elif rng.random() < draws.NOT_REACHED_SHARE:
            outcome, satisfaction = draws.NOT_REACHED, None
        else:
            mood = "rejected" if c.rejected else "late" if c.late else "compensated" if c.compensated else "plain"
            satisfaction = rng.pick(draws.SATISFACTION_PICKS[mood])
            outcome = rng.choice(draws.FOLLOW_UP_OUTCOMES[satisfaction])
        c.followed_up_at, c.follow_up_outcome, c.satisfaction = followed_up, outcome, satisfaction
        data = events.followed_up_data(outcome=outcome, satisfaction=satisfaction, note="")
        self._event(c, K.FOLLOWED_UP, followed_up, actor, data, to=S.FOLLOWED_UP)
        self._after(c, "follow-up", followed_up)
        closes = self._later(c, followed_up, MINUTE, 3 * HOUR)
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

    def _close(self, c: WalkedComplaint, at: datetime, code: str) -> None:
        if at > self.now:
            return
        rng = self.rng
        c.servqual_dimension = c.servqual_dimension or rng.pick(draws.SERVQUAL_PICKS[c.category])
        c.blueprint_area = c.blueprint_area or rng.pick(draws.BLUEPRINT_PICKS[c.category])
        c.closure_code, c.closed_at = code, at
        data = events.closed_data(
            closure_code=code, servqual_dimension=c.servqual_dimension, blueprint_area=c.blueprint_area, note=""
        )
        self._event(c, K.CLOSED, at, c.assignee, data, to=S.CLOSED)
        self._after(c, "close", at)

    # The response, compensation and approvals ----------------------------------------------------------------

    def _respond(self, c: WalkedComplaint, earliest: datetime, stall: str | None) -> datetime | None:
        """The respond step from apologized or reopened; None when it has not happened (yet)."""
        rng, actor = self.rng, c.assignee
        at = max(self._when(c, c.open[D.RESPOND]), self._later(c, earliest, MINUTE, 15 * MINUTE))
        if stall == "respond" or at > self.now:
            return None
        resolution = rng.choice(draws.RESOLUTIONS[c.category])
        lines = self._proposal(c, actor)
        if lines:
            exceeded = self._excesses(c, actor, lines, at)
            if exceeded:
                return self._through_approval(c, lines, exceeded, resolution, at, stall)
            self._grant(c, [self._action(c, line, actor, at) for line in lines], actor, at)
        self._responded(c, at, resolution)
        return at

    def _responded(self, c: WalkedComplaint, at: datetime, resolution: str) -> None:
        c.resolution, c.responded_at = resolution, at
        data = events.responded_data(resolution=resolution, note="")
        self._event(c, K.RESPONDED, at, c.assignee, data, to=S.RESPONDED)
        self._after(c, "respond", at)

    def _proposal(self, c: WalkedComplaint, actor: User, *, below: Decimal | None = None) -> list[Line]:
        """What ``actor`` offers (empty: a response without compensation); ``below``: each line at most this."""
        rng = self.rng
        share = draws.COMPENSATION_SHARE[c.category] * draws.COMPENSATION_SEVERITY[c.severity]
        if below is None and rng.random() >= share:
            return []
        limits = c.store.limits[actor.role]
        kinds = draws.kind_pick(c.category, limits.allowed_kinds)
        if kinds is None:
            return []
        low, high = self._range(c)
        lines = []
        for _ in range(2 if rng.random() < draws.TWO_LINES_SHARE else 1):
            kind = rng.pick(kinds)
            amount = rng.uniform(float(low), float(high))
            if below is None:
                above = rng.random()
                if above < draws.OUTSIDE_GUIDELINE_SHARE:
                    amount = float(high) * rng.uniform(2.1, 3.0)
                elif above < draws.OUTSIDE_GUIDELINE_SHARE + draws.ABOVE_GUIDELINE_SHARE:
                    amount = float(high) * rng.uniform(1.1, 1.9)
            else:
                amount = min(amount, float(below))
            amount = round(amount)
            if amount <= 0 and kind not in limits.zero_amount_kinds:
                amount = 5
            lines.append(Line(kind=kind, amount=Decimal(max(amount, 0)).quantize(Decimal("0.01"))))
        return lines

    def _range(self, c: WalkedComplaint) -> tuple[Decimal, Decimal]:
        """What is usually offered: the guideline's range, else the demo's base range scaled by severity."""
        if c.guideline:
            return c.guideline
        factor = Decimal(SEVERITY_FACTOR[c.severity])
        return Decimal(draws.DEFAULT_RANGE[0]) * factor, Decimal(draws.DEFAULT_RANGE[1]) * factor

    def _usage(self, c: WalkedComplaint, user: User, at: datetime) -> Usage:
        """As ``recovery.compensation.selectors.usage``, from what was granted in this history: by ``user`` this
        business day, and to the customer in ``CUSTOMER_WINDOW`` (else to the store's complaints without one)."""
        day = timezone.localdate(at, c.store.store.zone)
        today = self.granted_today.get((user.id, day), policies.ZERO)
        customer = c.customer
        if customer is None:
            anonymous = self.anonymous_today.get((c.store.store.pk, day), policies.ZERO)
            return Usage(granted_today=today, customer_30_days=None, anonymous_today=anonymous)
        # Complaints are walked in the order they were logged, but a grant may come days after: what
        # was recorded counts whatever its time (so no window ever ends up over a cap), and ten days more
        # are kept for grants walked later but given earlier.
        since = at - compensation_selectors.CUSTOMER_WINDOW
        customer.grants = [grant for grant in customer.grants if grant[0] > since - timedelta(days=10)]
        return Usage(
            granted_today=today,
            customer_30_days=sum((amount for moment, amount in customer.grants if moment > since), policies.ZERO),
        )

    def _excesses(self, c: WalkedComplaint, user: User, lines: list[Line], at: datetime) -> list[policies.Excess]:
        return policies.excesses(c.store.limits[user.role], self._usage(c, user, at), lines)

    def _action(self, c: WalkedComplaint, line: Line, requested_by: User, at: datetime) -> NewRow:
        action = row_new(
            CompensationAction,
            id=self.action_ids.take(),
            complaint_id=c.id,
            store_id=c.store.store.pk,
            customer_id=c.customer.row.id if c.customer else None,
            kind=line.kind,
            amount=line.amount,
            currency=c.store.store.currency,
            note=draws.KIND_NOTES[line.kind],
            status=CompensationStatus.PENDING_APPROVAL,
            requested_by_id=requested_by.id,
            created_at=at,
        )
        c.actions.append(action)
        return action

    def _grant(self, c: WalkedComplaint, actions: list[NewRow], granter: User, at: datetime) -> None:
        """As ``grants.actions_grant``: the actions granted (against the guideline of the customer's tier), their
        usage counted, one event."""
        for action in actions:
            action.granted_by_id = granter.id
            guideline_max = c.guideline[1] if c.guideline else None
            grants.action_granted(action, now=at, zone=c.store.store.zone, guideline_max=guideline_max)
        total = sum((action.amount for action in actions), policies.ZERO)
        day = actions[0].business_day
        self.granted_today[(granter.id, day)] = self.granted_today.get((granter.id, day), policies.ZERO) + total
        if c.customer is not None:
            c.customer.grants.append((at, total))
        else:
            key = (c.store.store.pk, day)
            self.anonymous_today[key] = self.anonymous_today.get(key, policies.ZERO) + total
        c.compensated = True
        data = grants.granted_data(actions, currency=c.store.store.currency)
        self._event(c, K.COMPENSATION_GRANTED, at, granter, data)

    def _through_approval(
        self,
        c: WalkedComplaint,
        lines: list[Line],
        exceeded: list[policies.Excess],
        resolution: str,
        at: datetime,
        stall: str | None,
    ) -> datetime | None:
        """Above the employee's limits: the request, its sends up, the decision (as ``grants`` and
        ``recovery.approvals.decisions``). Returns when the complaint was responded, or None."""
        rng, store, actor = self.rng, c.store, c.assignee
        approval = row_new(
            ApprovalRequest,
            id=_uuid7(rng, at),
            complaint_id=c.id,
            store_id=store.store.pk,
            requested_by_id=actor.id,
            approver_role=policies.approver_role_for(
                above=actor.role,
                limits_by_role=store.limits,
                customer_30_days=self._usage(c, actor, at).customer_30_days,
                lines=lines,
                roles_present=store.roles_present,
            ),
            exceeded=[excess.as_dict() for excess in exceeded],
            resolution=resolution,
            complaint_status_before=c.status,
            created_at=at,
            complaint_logged_at=c.created_at,
        )
        c.approvals.append(approval)
        actions = [self._action(c, line, actor, at) for line in lines]
        for action in actions:
            action.approval_id = approval.id
        data = grants.approval_requested_data(approval, actions)
        self._event(c, K.APPROVAL_REQUESTED, at, actor, data, to=S.AWAITING_APPROVAL)
        deadline = self._approval_opened(c, at)
        while True:
            decides = self.now + timedelta(days=1) if stall == "approval" else self._when(c, deadline)
            above = store.above[approval.approver_role]
            swept = deadline.due_at + timedelta(seconds=rng.sweep_delay())
            if above is not None and swept < min(decides, self.now):
                # Not decided in time: the sweep sends it up, and the new approvers get a fresh window.
                deadline = self._send_up(c, approval, above, None, "not decided in time", swept)
                continue
            if decides > self.now:
                return None
            candidates = [u for u in store.approvers[approval.approver_role] if u.id != actor.id]
            decider = rng.choice(candidates or store.approvers[Role.ADMIN])
            approve = rng.random() < draws.APPROVED_SHARE
            if not approve:
                break
            # Approving is checked against the approver's own limits (a rejection is not).
            limits = store.limits[decider.role]
            usage = self._usage(c, decider, decides)
            over = [excess.as_dict() for excess in policies.excesses(limits, usage, lines)]
            over += [{"limit": "kind", "detail": message} for message in policies.refusals(limits, lines)]
            if not over:
                break
            to_role = policies.approver_role_for(
                above=decider.role,
                limits_by_role=store.limits,
                customer_30_days=usage.customer_30_days,
                lines=lines,
                roles_present=store.roles_present,
                anonymous_today=usage.anonymous_today,
            )
            deadline = self._send_up(c, approval, to_role, decider, "over the approver's own limits", decides, over)
        # With the PIN on the employee's tablet: a supervisor standing by, the customer at the counter.
        in_person = (
            c.channel == "in_person"
            and decider.role == Role.SUPERVISOR
            and rng.random() < draws.IN_PERSON_APPROVAL_SHARE
        )
        approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.decided_at, approval.decided_by_id, approval.in_person = decides, decider.id, in_person
        approval.decision_note = rng.choice(draws.APPROVE_NOTES if approve else draws.REJECT_REASONS)
        decision = decisions.decision_data(
            approval, requested_by=actor.username, on_tablet_of=actor.username if in_person else None
        )
        if approve:
            self._grant(c, actions, decider, decides)
            c.resolution, c.responded_at = resolution, decides
            self._event(c, K.APPROVED, decides, decider, decision, to=S.RESPONDED)
            self._after(c, "approve", decides)
            return decides
        for action in actions:
            action.status = CompensationStatus.REJECTED
        c.rejected = True
        self._event(c, K.REJECTED, decides, decider, decision, to=approval.complaint_status_before)
        self._after(c, "reject", decides)
        # The employee responds otherwise: less, within their own limits, or no compensation.
        again = self._later(c, decides, MINUTE, 15 * MINUTE)
        if again > self.now:
            return None
        resolution = rng.choice(draws.RESOLUTIONS[c.category])
        limits = store.limits[actor.role]
        below = limits.max_per_action if limits.max_per_action is not None else self._range(c)[1]
        smaller = self._proposal(c, actor, below=below) if rng.random() < 0.6 else []
        if smaller and not self._excesses(c, actor, smaller, again):
            self._grant(c, [self._action(c, line, actor, again) for line in smaller], actor, again)
        self._responded(c, again, resolution)
        return again

    def _send_up(
        self,
        c: WalkedComplaint,
        approval: NewRow,
        to_role: str,
        actor: User | None,
        reason: str,
        at: datetime,
        exceeded: list[dict[str, str]] | None = None,
    ) -> NewRow:
        """As ``decisions.approval_send_up``: one ``approval_escalated`` event and a fresh approval deadline."""
        from_role, approval.approver_role = approval.approver_role, to_role
        data = decisions.sent_up_data(approval, from_role=from_role, reason=reason, exceeded=exceeded)
        self._event(c, K.APPROVAL_ESCALATED, at, actor, data)
        return self._approval_opened(c, at)

    def _approval_opened(self, c: WalkedComplaint, at: datetime) -> NewRow:
        """A request's fresh window to decide, whose approvers are told at once (``grants.approvers_tell_now``)."""
        [deadline] = self._after(c, "request-approval", at)
        deadlines.deadline_remind(deadline=deadline, clock=c.clock, now=at)
        return deadline

    def _approval_left(self, c: WalkedComplaint, deadline: NewRow) -> None:
        """A request still undecided now: past its due time with nobody above its approvers (admins were told),
        the sweep looks at it no more (``reminders``)."""
        pending = next(a for a in c.approvals if a.status == ApprovalStatus.PENDING)
        if deadline.due_at <= self.now and c.store.above[pending.approver_role] is None:
            deadline.next_check_at = None

    # Deadlines -------------------------------------------------------------------------------------------------

    def _after(self, c: WalkedComplaint, step: str, at: datetime) -> list[NewRow]:
        """As ``deadlines.deadlines_after_step``: what the sweep did on the deadlines ``step`` ends, their
        closing, and the deadlines it opens."""
        for deadline in deadlines.deadlines_ended_by(step, list(c.open.values())):
            self._swept(c, deadline, at)
            deadlines.deadline_close(deadline, c.clock, at)
            del c.open[deadline.step]
        opened = []
        for opens in deadlines.AFTER_STEP[step][1]:
            cycle = c.cycles.get(opens, 0)
            c.cycles[opens] = cycle + 1
            deadline = deadlines.deadline_new(
                step=opens,
                cycle=cycle,
                policy=c.policy,
                clock=c.clock,
                now=at,
                make=self.new_deadline,
                complaint_id=c.id,
            )
            c.deadlines.append(deadline)
            c.open[opens] = deadline
            opened.append(deadline)
        return opened

    def _swept(self, c: WalkedComplaint, deadline: NewRow, until: datetime) -> None:
        """What the sweep did on ``deadline`` before ``until``: it looks a few seconds after each next check, and
        does what is due then (``deadlines.sweep_due``), as ``reminders`` does. An approval's deadline is the
        walk's (``_through_approval``)."""
        if deadline.step == D.APPROVAL:
            return
        while deadline.next_check_at is not None:
            visit = deadline.next_check_at + timedelta(seconds=self.rng.sweep_delay())
            if visit >= until:
                return
            due = deadlines.sweep_due(deadline, c.clock, visit)
            if due == deadlines.ESCALATE:
                told = c.store.told[deadline.level + 1]
                escalated = deadlines.deadline_escalate(
                    complaint_id=c.id, deadline=deadline, clock=c.clock, now=visit, data=told
                )
                c.events.append(escalated)
                c.late = True
            elif due == deadlines.REMIND:
                deadlines.deadline_remind(deadline=deadline, clock=c.clock, now=visit)
            else:
                return

    def _later(self, c: WalkedComplaint, start: datetime, shortest: int, longest: int) -> datetime:
        """Some whole seconds, drawn between ``shortest`` and ``longest``, after ``start`` on the complaint's clock."""
        return c.clock.add(start, round(self.rng.uniform(shortest, longest)))

    def _when(self, c: WalkedComplaint, deadline: NewRow) -> datetime:
        """When the step of ``deadline`` is done: mostly within its window, sometimes late (escalated)."""
        rng, window, step = self.rng, deadline.window_seconds, deadline.step
        if rng.random() < draws.LATE_SHARE[step] * c.late_factor:
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
        return c.clock.add(deadline.started_at, max(round(elapsed), 1))

    # Customers -------------------------------------------------------------------------------------------------

    def _repeat_customer(self, created: datetime) -> WalkedCustomer | None:
        recent, since = self.recent, created - REPEAT_WINDOW
        while self.recent_head < len(recent) and recent[self.recent_head][0] < since:
            self.recent_head += 1
        if self.recent_head > 10_000 and self.recent_head * 4 > len(recent):
            del recent[: self.recent_head]
            self.recent_head = 0
        if self.recent_head == len(recent) or self.rng.random() >= draws.REPEAT_SHARE:
            return None
        return recent[self.rng.randrange(self.recent_head, len(recent))][1]

    def _new_customer(self, created: datetime, store: StoreInfo, channel: str) -> WalkedCustomer:
        rng = self.rng
        if not self.phones:
            self.customers_reserve(1000)
        number = self.phones.popleft()
        surname = rng.choice(draws.SURNAMES)
        if rng.random() < 0.1:
            name = ""
        elif rng.random() < 0.8:
            name = surname + rng.choice(("先生", "女士"))
        else:
            name = f"{rng.choice(('Mr.', 'Ms.'))} {draws.PINYIN[surname]}"
        digits = _phone_digits(number)
        email = f"c{digits}@example.com" if channel in ("email", "online") and rng.random() < 0.5 else ""
        row = row_new(
            Customer, id=self.customer_ids.take(), name=name, phone=f"+86138{digits}", email=email, created_at=created
        )
        customer = WalkedCustomer(row, store)
        self.new_customers.append(customer)
        drawn = rng.random()
        for code, share in draws.NEW_CUSTOMER_TIERS.items():
            if drawn < share and code in self.world.tier_ids:
                self._tier_set(customer, self.world.tier_ids[code], None, draws.TIER_IMPORTED, created)
                break
            drawn -= share
        return customer

    def _tier_up_maybe(self, customer: WalkedCustomer, store: StoreInfo, at: datetime) -> None:
        """A customer who comes back with nothing left open may be moved up a tier by the store's supervisor
        (then no open complaint's due times move, which ``customer_tier_set`` would reschedule)."""
        if customer.settled_at is None or customer.settled_at > at or not store.supervisors:
            return
        if self.rng.random() >= draws.TIER_UP_SHARE:
            return
        codes = {pk: code for code, pk in self.world.tier_ids.items()}
        higher = draws.TIER_UP.get(codes.get(customer.row.tier_id))
        if higher in self.world.tier_ids:
            reason = self.rng.choice(draws.TIER_UP_REASONS)
            self._tier_set(customer, self.world.tier_ids[higher], self.rng.choice(store.supervisors), reason, at)

    def _tier_set(self, customer: WalkedCustomer, tier_id: int, actor: User | None, reason: str, at: datetime) -> None:
        """As ``complaints.services.customers.customer_tier_set``: the customer's tier, and its change in their
        history (set by staff, or imported)."""
        self.tier_changes.append(
            row_new(
                CustomerTierChange,
                customer_id=customer.row.id,
                tier_before_id=customer.row.tier_id,
                tier_after_id=tier_id,
                source=TierChangeSource.STAFF if actor else TierChangeSource.IMPORT,
                actor_id=actor.id if actor else None,
                reason=reason,
                at=at,
            )
        )
        customer.row.tier_id = tier_id
        self.tiers_changed[customer.row.id] = customer

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

    def forget_before(self, moment: datetime) -> None:
        """Daily usage older than a few days no longer counts against anything."""
        cutoff = (moment - timedelta(days=3)).date()  # a margin of days: any zone will do
        self.granted_today = {key: total for key, total in self.granted_today.items() if key[1] >= cutoff}
        self.anonymous_today = {key: total for key, total in self.anonymous_today.items() if key[1] >= cutoff}

    def _event(
        self,
        c: WalkedComplaint,
        kind: str,
        at: datetime,
        actor: User | None,
        data: dict[str, Any],
        *,
        to: str | None = None,
    ) -> None:
        """An event of the complaint; ``to``: the status the step moves it to (``complaint_move``)."""
        before = ""
        if to is not None:
            before, c.status = c.status, to
        c.events.append(
            row_new(
                ComplaintEvent,
                complaint_id=c.id,
                kind=kind,
                actor_id=actor.id if actor else None,
                at=at,
                status_before=before,
                status_after=to or "",
                data=data,
            )
        )


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
