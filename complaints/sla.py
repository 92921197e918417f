"""Due times: SLA windows measured on the right clock, and the deadlines they set.

In person, the customer is standing there: windows count wall time. For remote channels
(phone, online, social, email, QR form) they count the store's open hours only, skipping
nights, closed days and holidays, so a phone call an hour before closing falls due the next
morning rather than overnight.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from complaints.models import Channel, Customer, SlaPolicy
from complaints.tiers import customer_tier_id
from core.reference import ReferenceTable
from staff.models import OpeningHours, Store, StoreHoliday

# Reminders go out when this much of a window has passed.
REMIND_AT_FRACTION = 0.8
# How far ahead the business clock looks for open hours before giving up (a store closed for
# longer than this counts as always open rather than never falling due).
MAX_DAYS_AHEAD = 400

# Used when no policy matches (an admin deleted them all): better a reminder than silence.
FALLBACK_POLICY = SlaPolicy(
    apologize_within=60 * 60,
    respond_within=24 * 60 * 60,
    follow_up_after=24 * 60 * 60,
    approval_within=10 * 60,
    escalate_every=60 * 60,
)


class WallClock:
    """Every second counts."""

    kind = "wall"

    def add(self, start: datetime, seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> float:
        return max((end - start).total_seconds(), 0.0)


@dataclass(frozen=True)
class BusinessClock:
    """Only the store's open hours count."""

    zone: ZoneInfo
    periods_by_weekday: dict[int, list[tuple[time, time]]]
    holidays: frozenset[date]
    # The open periods of the days asked about so far, worked out once: a sweep batch asks each store's clock
    # about many deadlines, and the demo history about a year of them.
    _timeline: "_OpenTimeline" = field(init=False, repr=False, compare=False)

    kind = "business"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_timeline", _OpenTimeline(self))

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """When the store is open on ``day`` (its local date): none on a holiday; a period may close at midnight."""
        if day in self.holidays:
            return []
        periods = []
        for opens, closes in self.periods_by_weekday.get(day.weekday(), []):
            start = datetime.combine(day, opens, tzinfo=self.zone)
            end = datetime.combine(day + timedelta(days=1) if closes == time(0) else day, closes, tzinfo=self.zone)
            periods.append((start, end))
        return periods

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of open time after ``start``: a sum ending exactly at closing time ends then;
        nothing to add (0) is ``start`` itself when open, else the next opening. A store with no open time in
        ``MAX_DAYS_AHEAD`` days counts wall time."""
        return self._timeline.add(start, timedelta(seconds=seconds))

    def between(self, start: datetime, end: datetime) -> float:
        """The open seconds from ``start`` to ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0.0
        return self._timeline.between(start, end).total_seconds()


class _OpenTimeline:
    """A clock's open periods over consecutive local days, in UTC, each with the open time before it: adding
    open time, or counting it between two moments, is then a search of these lists rather than a walk over
    days. Filled as far as the questions reach, from the clock's ``periods``; overlapping periods count once."""

    def __init__(self, clock: BusinessClock) -> None:
        self.clock = clock
        self.first_day: date | None = None  # the days covered: first_day .. last_day, both included
        self.last_day: date | None = None
        self.opens: list[datetime] = []
        self.closes: list[datetime] = []
        self.before: list[timedelta] = []  # open time before each period, from the first
        self.through: list[timedelta] = []  # … and to its end

    def add(self, start: datetime, amount: timedelta) -> datetime:
        start = start.astimezone(UTC)
        first = self._day(start) - timedelta(days=1)  # a period of the day before may run past midnight
        last_allowed = first + timedelta(days=MAX_DAYS_AHEAD - 1)
        last = min(self._day(start) + timedelta(days=amount.days + 1), last_allowed)
        self._cover(first, last)
        target = self._counted(start) + amount
        while True:
            # The first period that ends after ``start`` and by whose end that much open time has passed.
            found = max(bisect_left(self.through, target), bisect_right(self.closes, start))
            if found < len(self.opens):
                if self.last_day > last_allowed and self._day(self.opens[found]) > last_allowed:
                    return start + amount  # held for another question, beyond this one's look ahead
                return self.opens[found] + (target - self.before[found])
            if last >= last_allowed:
                return start + amount
            last = min(last + timedelta(days=max((last - first).days, 7)), last_allowed)
            self._cover(first, last)

    def between(self, start: datetime, end: datetime) -> timedelta:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        self._cover(self._day(start) - timedelta(days=1), self._day(end))
        return self._counted(end) - self._counted(start)

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.clock.zone).date()

    def _counted(self, moment: datetime) -> timedelta:
        """The open time from the timeline's first period to ``moment`` (covered)."""
        index = bisect_right(self.opens, moment) - 1
        if index < 0:
            return timedelta()
        return self.before[index] + min(moment - self.opens[index], self.closes[index] - self.opens[index])

    def _cover(self, first: date, last: date) -> None:
        """Hold the periods of the days ``first`` .. ``last``, and of those between them and the days held."""
        if self.first_day is None or first < self.first_day:
            # Earlier than anything held: begin again from there (the open time before each period changes).
            last = max(last, self.last_day or last)
            self.first_day, self.last_day = first, first - timedelta(days=1)
            self.opens, self.closes, self.before, self.through = [], [], [], []
        day = self.last_day + timedelta(days=1)
        while day <= last:
            for opens, closes in sorted(self.clock.periods(day)):
                self._append(opens.astimezone(UTC), closes.astimezone(UTC))
            day += timedelta(days=1)
        self.last_day = max(self.last_day, last)

    def _append(self, opens: datetime, closes: datetime) -> None:
        if closes <= opens:
            return
        if self.closes and opens <= self.closes[-1]:
            if closes > self.closes[-1]:
                self.through[-1] += closes - self.closes[-1]
                self.closes[-1] = closes
            return
        before = self.through[-1] if self.through else timedelta()
        self.opens.append(opens)
        self.closes.append(closes)
        self.before.append(before)
        self.through.append(before + (closes - opens))


Clock = WallClock | BusinessClock
WALL_CLOCK = WallClock()


def clock_for(store: Store, channel: str) -> Clock:
    if channel == Channel.IN_PERSON:
        return WALL_CLOCK
    return open_hours_clocks([store])[store.pk]


def clocks_for(complaints) -> dict:
    """Each complaint's clock (by primary key), for many complaints with their stores: two queries at most."""
    by_store = open_hours_clocks(
        list({c.store_id: c.store for c in complaints if c.channel != Channel.IN_PERSON}.values())
    )
    return {c.pk: channel_clock(c.channel, by_store.get(c.store_id)) for c in complaints}


def channel_clock(channel: str, open_hours: Clock | None) -> Clock:
    """The clock of a complaint that came in by ``channel``, at a store whose open hours are ``open_hours``."""
    return WALL_CLOCK if channel == Channel.IN_PERSON else open_hours


def open_hours_clocks(stores: list[Store]) -> dict[int, Clock]:
    """The clock of each store's remote channels: its open hours, or the wall clock if it has none."""
    periods: dict[int, dict[int, list[tuple[time, time]]]] = {store.pk: {} for store in stores}
    if not stores:
        return {}
    for store_id, weekday, opens, closes in (
        OpeningHours.objects.filter(store__in=stores).order_by().values_list("store_id", "weekday", "opens", "closes")
    ):
        periods[store_id].setdefault(weekday, []).append((opens, closes))
    holidays: dict[int, set[date]] = {store_id: set() for store_id, hours in periods.items() if hours}
    if holidays:
        for store_id, day in (
            StoreHoliday.objects.filter(store__in=list(holidays)).order_by().values_list("store_id", "date")
        ):
            holidays[store_id].add(day)
    clocks: dict[int, Clock] = {}
    for store in stores:
        hours = periods[store.pk]
        if not hours:
            clocks[store.pk] = WallClock()
            continue
        for day_periods in hours.values():
            day_periods.sort()
        clocks[store.pk] = BusinessClock(
            zone=store.zone, periods_by_weekday=hours, holidays=frozenset(holidays[store.pk])
        )
    return clocks


# Every create and step reads them; admins change them rarely (core.reference).
SLA_POLICIES = ReferenceTable(lambda: list(SlaPolicy.objects.all()))


def policy_for(*, severity: str, channel: str, customer: Customer | None = None) -> SlaPolicy:
    """The policy for this severity, channel and the customer's tier (their own, else the default tier)."""
    return policy_among(SLA_POLICIES.get(), severity=severity, channel=channel, tier_id=customer_tier_id(customer))


def policy_among(policies: Iterable[SlaPolicy], *, severity: str, channel: str, tier_id: int | None) -> SlaPolicy:
    """Of ``policies``, the one for this severity, channel and tier (``tier_id``: the customer's, as
    ``customer_tier_id`` gives it).

    The most specific row wins, the tier before the channel: tier and channel, then the tier's
    any-channel row, then the channel's any-tier row, then the severity's row for any channel and tier.
    A tier is a promise to the customer whichever way they come; a channel's row only sets how fast
    that way can go for everyone else.
    """
    chosen = {
        (policy.channel, policy.tier_id is not None): policy
        for policy in policies
        if policy.severity == severity and policy.channel in (channel, None) and policy.tier_id in (tier_id, None)
    }
    for key in ((channel, True), (None, True), (channel, False), (None, False)):
        if key in chosen:
            return chosen[key]
    return FALLBACK_POLICY
