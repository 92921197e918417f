"""SLA clocks: wall time in person; the store's open hours for remote channels."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.sla import MAX_DAYS_AHEAD, BusinessClock, WallClock, clock_for, policy_for
from staff.models import OpeningHours, StoreHoliday

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """November ``day``, 2026, in Shanghai. The 23rd is a Monday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def store_clock(periods: list[tuple[time, time]], holidays: frozenset[date] = frozenset()) -> BusinessClock:
    return BusinessClock(zone=SHANGHAI, periods_by_weekday=dict.fromkeys(range(7), periods), holidays=holidays)


TEN_TO_TEN = store_clock([(time(10), time(22))])


def test_an_hour_before_closing_a_two_hour_window_ends_the_next_morning():
    assert TEN_TO_TEN.add(local(23, 21), 2 * HOUR) == local(24, 11)


def test_a_window_started_at_night_starts_counting_at_opening():
    assert TEN_TO_TEN.add(local(23, 2), 30 * 60) == local(23, 10, 30)
    assert TEN_TO_TEN.add(local(23, 22, 30), 60) == local(24, 10, 1)


def test_a_window_ending_exactly_at_closing_ends_then():
    assert TEN_TO_TEN.add(local(23, 20), 2 * HOUR) == local(23, 22)


def test_long_windows_span_several_days_of_open_hours():
    assert TEN_TO_TEN.add(local(23, 10), 72 * HOUR) == local(28, 22)  # six twelve-hour days


def test_holidays_do_not_count():
    clock = store_clock([(time(10), time(22))], holidays=frozenset({date(2026, 11, 24)}))
    assert clock.add(local(23, 21), 2 * HOUR) == local(25, 11)


def test_a_lunch_break_does_not_count():
    clock = store_clock([(time(9), time(12)), (time(14), time(18))])
    assert clock.add(local(23, 11), 2 * HOUR) == local(23, 15)


def test_midnight_closing_and_utc_input():
    clock = store_clock([(time(6), time(0))])
    start = local(23, 23, 30).astimezone(UTC)
    assert clock.add(start, HOUR) == local(24, 6, 30)


def test_between_counts_open_hours_only():
    assert TEN_TO_TEN.between(local(23, 21), local(24, 11)) == 2 * HOUR
    assert TEN_TO_TEN.between(local(24, 11), local(23, 21)) == 0


def test_wall_time_counts_every_second():
    clock = WallClock()
    assert clock.add(local(23, 21), 2 * HOUR) == local(23, 23)
    assert clock.between(local(23, 21), local(24, 11)) == 14 * HOUR


def test_in_person_counts_wall_time_and_remote_channels_open_hours(org):
    for weekday in range(7):
        OpeningHours.objects.create(store=org.s1, weekday=weekday, opens=time(10), closes=time(22))
    StoreHoliday.objects.create(store=org.s1, date=date(2026, 12, 25), name="Christmas")
    assert isinstance(clock_for(org.s1, "in_person"), WallClock)
    phone = clock_for(org.s1, "phone")
    assert isinstance(phone, BusinessClock)
    assert phone.holidays == frozenset({date(2026, 12, 25)})
    # A store without opening hours counts as always open.
    assert isinstance(clock_for(org.s2, "phone"), WallClock)


@pytest.mark.parametrize(
    ("severity", "channel", "expected_apologize"),
    [("critical", "in_person", 5 * 60), ("critical", "phone", 30 * 60), ("medium", "email", 2 * HOUR)],
)
def test_a_channel_policy_wins_over_the_severitys_any_channel_policy(sla, severity, channel, expected_apologize):
    assert policy_for(severity=severity, channel=channel).apologize_within == expected_apologize


def test_without_any_policy_there_is_still_a_due_time(db):
    assert policy_for(severity="low", channel="email").respond_within == 24 * HOUR
    assert policy_for(severity="low", channel="email").approval_within == 10 * 60
    assert timedelta(seconds=policy_for(severity="high", channel="phone").apologize_within) == timedelta(hours=1)


# --- The open-hours clock against its definition, walked day by day ---------------------------------------


def walked_add(clock: BusinessClock, start: datetime, seconds: float) -> datetime:
    """``clock.add`` as its definition reads: walk the days' open periods until that much open time has passed."""
    remaining, start = timedelta(seconds=seconds), start.astimezone(UTC)
    first = start.astimezone(clock.zone).date() - timedelta(days=1)
    for offset in range(MAX_DAYS_AHEAD):
        for opens, closes in sorted(clock.periods(first + timedelta(days=offset))):
            opens, closes = opens.astimezone(UTC), closes.astimezone(UTC)
            if closes <= start:
                continue
            begin = max(opens, start)
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
    return start + timedelta(seconds=seconds)


def walked_between(clock: BusinessClock, start: datetime, end: datetime) -> float:
    total, day = timedelta(), start.astimezone(clock.zone).date() - timedelta(days=1)
    while day <= end.astimezone(clock.zone).date():
        for opens, closes in clock.periods(day):
            opens, closes = opens.astimezone(UTC), closes.astimezone(UTC)  # a night the clocks go forward is short
            total += max(min(closes, end) - max(opens, start), timedelta())
        day += timedelta(days=1)
    return total.total_seconds()


HOURS = st.lists(st.integers(min_value=0, max_value=24), min_size=0, max_size=4, unique=True).map(sorted)


@st.composite
def open_hours_clocks(draw) -> BusinessClock:
    """A week of open hours (none, one or two periods a day, some closing at midnight), holidays, a zone."""
    week = {}
    for weekday in range(7):
        edges = draw(HOURS)
        periods = [(time(opens), time(closes % 24)) for opens, closes in zip(edges[::2], edges[1::2], strict=False)]
        if periods:
            week[weekday] = periods
    start = date(2026, 1, 1)
    holidays = draw(st.frozensets(st.integers(min_value=0, max_value=500), max_size=30))
    zone = draw(st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]))
    return BusinessClock(
        zone=ZoneInfo(zone),
        periods_by_weekday=week,
        holidays=frozenset(start + timedelta(days=day) for day in holidays),
    )


MOMENTS = st.integers(min_value=0, max_value=420 * 24 * 3600).map(
    lambda offset: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=offset)
)
AMOUNTS = st.one_of(st.sampled_from([0, 1, 60, 3600, 12 * 3600, 72 * 3600]), st.floats(min_value=0, max_value=9e5))


@settings(max_examples=300, deadline=None)
@given(
    clock=open_hours_clocks(),
    questions=st.lists(st.tuples(MOMENTS, AMOUNTS, MOMENTS), min_size=1, max_size=8),
)
def test_the_open_hours_clock_adds_and_counts_as_walking_the_days(clock, questions):
    """Whatever the hours, holidays, zone (summer time too) and the order it is asked in, later or earlier."""
    for start, seconds, other in questions:
        assert clock.add(start, seconds) == walked_add(clock, start, seconds)
        end = max(start, other) + timedelta(microseconds=1)
        assert clock.between(start, end) == pytest.approx(walked_between(clock, start, end), abs=1e-6)
        assert clock.between(end, start) == 0.0
