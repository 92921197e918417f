"""Due times: SLA windows measured on the right clock, and the deadlines they set.

In person, the customer is standing there: windows count wall time. For remote channels
(phone, online, social, email, QR form) they count the store's open hours only, skipping
nights, closed days and holidays, so a phone call an hour before closing falls due the next
morning rather than overnight.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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

    kind = "business"

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        periods = []
        for opens, closes in self.periods_by_weekday.get(day.weekday(), []):
            start = datetime.combine(day, opens, tzinfo=self.zone)
            end = datetime.combine(day + timedelta(days=1) if closes == time(0) else day, closes, tzinfo=self.zone)
            periods.append((start, end))
        return periods

    def _days_from(self, moment: datetime):
        day = moment.astimezone(self.zone).date() - timedelta(days=1)  # a period may run past midnight
        for offset in range(MAX_DAYS_AHEAD):
            yield day + timedelta(days=offset)

    def add(self, start: datetime, seconds: float) -> datetime:
        remaining = timedelta(seconds=seconds)
        for day in self._days_from(start):
            for opens, closes in self._periods(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        return start + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        total = timedelta()
        for day in self._days_from(start):
            for opens, closes in self._periods(day):
                if opens >= end:
                    return total.total_seconds()
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
        return total.total_seconds()


Clock = WallClock | BusinessClock


def clock_for(store: Store, channel: str) -> Clock:
    if channel == Channel.IN_PERSON:
        return WallClock()
    return open_hours_clocks([store])[store.pk]


def clocks_for(complaints) -> dict:
    """Each complaint's clock (by primary key), for many complaints with their stores: two queries at most."""
    by_store = open_hours_clocks(
        list({c.store_id: c.store for c in complaints if c.channel != Channel.IN_PERSON}.values())
    )
    return {c.pk: WallClock() if c.channel == Channel.IN_PERSON else by_store[c.store_id] for c in complaints}


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
    """The policy for this severity, channel and the customer's tier (their own, else the default tier).

    The most specific row wins, the tier before the channel: tier and channel, then the tier's
    any-channel row, then the channel's any-tier row, then the severity's row for any channel and tier.
    A tier is a promise to the customer whichever way they come; a channel's row only sets how fast
    that way can go for everyone else.
    """
    tier_id = customer_tier_id(customer)
    policies = {
        (policy.channel, policy.tier_id is not None): policy
        for policy in SLA_POLICIES.get()
        if policy.severity == severity and policy.channel in (channel, None) and policy.tier_id in (tier_id, None)
    }
    for key in ((channel, True), (None, True), (channel, False), (None, False)):
        if key in policies:
            return policies[key]
    return FALLBACK_POLICY
