"""The metrics agree whatever they are summed from: the day sums, the kept facts, or facts computed from
the records now. The first two are kept current by the database as complaints change; these tests
change complaints at random, through the services and in bulk, and compare the three answers."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint
from recovery import metrics
from recovery.metrics import days
from staff.models import Role, Store, User
from tests import helpers
from tests.conftest import CLOSE

SOURCES = ("days", "rows", "computed")


def answers(user: User, filters: metrics.MetricsFilter, *, group_by: str = "", now) -> dict[str, dict]:
    return {
        source: metrics.recovery_metrics(user=user, filters=filters, group_by=group_by, now=now, source=source)
        for source in SOURCES
    }


def assert_all_agree(found: dict[str, dict]) -> None:
    reference = found["computed"]
    assert reference["totals"]["volume"] > 0
    for source in ("days", "rows"):
        assert found[source] == reference, source


@pytest.mark.parametrize("seed", [3, 11])
def test_seeded_random_history_gives_the_same_figures_from_every_source(db, settings, seed):
    """A year of random history over three stores, written in bulk with COPY."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo", "--complaints", "1500", "--stores", "3", "--seed", str(seed))
    store = Store.objects.get(code="S1")
    last = timezone.localdate(timezone.now(), store.zone)
    admin = User.objects.get(username="admin")
    supervisor = User.objects.filter(role=Role.SUPERVISOR, store=store).first()
    rng = random.Random(seed)
    for user, extra in [(admin, {}), (supervisor, {}), (admin, {"stores": ("S2",)}), (admin, {"region": "R1"})]:
        length = rng.choice([30, 90, 120])
        first = last - timedelta(days=rng.randrange(0, 150) + length)
        period = metrics.MetricsFilter(
            date_from=first, date_to=first + timedelta(days=length), zone=store.zone, **extra
        )
        for group_by in ("", "day", "week", "month", "store"):
            assert_all_agree(answers(user, period, group_by=group_by, now=timezone.now()))


def test_complaints_walked_at_random_through_the_services_keep_every_source_equal(
    org, api, limits, sla, supervisor1_pin
):
    """Forty complaints over two stores and two days, each taken a random way through the flow
    (compensation within and above the limits, approvals and rejections, escalations by the sweep,
    follow-ups with scores, closes and reopens), checked against each other as they go."""
    rng = random.Random(20261129)
    staff = {org.s1: api(org.frontline1), org.s2: api(org.frontline3)}
    supervisors = {org.s1: api(org.supervisor1), org.s2: api(org.supervisor2)}
    phones = [f"138 0013 80{n:02d}" for n in range(12)]
    moment = helpers.T0
    period = metrics.MetricsFilter(date_from=date(2026, 11, 22), date_to=date(2026, 11, 24), zone=org.s1.zone)
    for number in range(40):
        store = rng.choice([org.s1, org.s2])
        frontline, supervisor = staff[store], supervisors[store]
        moment += rng.randrange(5, 90) * helpers.MINUTE
        customer = {"name": "Guest", "phone": rng.choice(phones)} if rng.random() < 0.8 else None
        complaint = helpers.at(
            moment,
            frontline.log,
            category=rng.choice(["food_quality", "wait_time"]),
            severity=rng.choice(["low", "medium", "high"]),
            channel=rng.choice(["in_person", "phone"]),
            customer=customer,
        )["id"]
        later = moment
        for step in _random_path(rng):
            later += rng.randrange(1, 50) * helpers.MINUTE
            if rng.random() < 0.3:
                helpers.sweep(later)
            _take(step, complaint, frontline, supervisor, rng, later)
        if number % 10 == 9:
            helpers.sweep(later)
            assert_all_agree(answers(org.admin, period, group_by="day", now=later))
            assert_all_agree(answers(org.manager1, period, group_by="store", now=later))
            assert_all_agree(answers(org.supervisor1, period, now=later))


def _random_path(rng: random.Random) -> list[str]:
    if rng.random() < 0.1:
        return ["withdraw"] if rng.random() < 0.5 else []
    path = ["apologize"]
    if rng.random() < 0.8:
        path.append(rng.choice(["respond", "respond_within", "respond_above"]))
        if rng.random() < 0.7:
            path += ["follow-up", "close"]
            if rng.random() < 0.2:
                path += ["reopen", "respond"]
    return path


def _take(step: str, complaint: str, frontline, supervisor, rng: random.Random, moment) -> None:
    if step in ("respond_within", "respond_above"):
        amount = rng.randrange(5, 20) if step == "respond_within" else rng.randrange(60, 90)
        answer = helpers.at(moment, frontline.respond, complaint, ("voucher", f"{amount}.00"))
        if answer.get("pending_approval"):  # above the limits, or past the day's or the customer's
            _decide(answer["pending_approval"]["id"], complaint, frontline, supervisor, rng, moment)
    elif step == "follow-up":
        score = rng.choice([None, 1, 2, 3, 4, 5])
        body = {"outcome": "Called back", "satisfaction": score} if score else {"outcome": "Called back"}
        helpers.at(moment, frontline.step, complaint, "follow-up", body)
    elif step == "withdraw":
        helpers.at(moment, frontline.step, complaint, "close", CLOSE | {"closure_code": "withdrawn"})
    elif step == "close":
        close = CLOSE | {"servqual_dimension": rng.choice(["reliability", "empathy", "tangibles"])}
        helpers.at(moment, frontline.step, complaint, "close", close)
    else:
        helpers.at(moment, frontline.step, complaint, step, helpers.STEP_BODIES[step])


def _decide(approval: str, complaint: str, frontline, supervisor, rng: random.Random, moment) -> None:
    moment += rng.randrange(1, 9) * helpers.MINUTE
    if rng.random() < 0.7:
        helpers.at(moment, supervisor.post, f"/api/v1/approvals/{approval}/approve/", {"note": "OK"})
    else:
        helpers.at(moment, supervisor.post, f"/api/v1/approvals/{approval}/reject/", {"reason": "Too much"})
        helpers.at(moment, frontline.step, complaint, "respond", helpers.STEP_BODIES["respond"])


def test_the_day_sums_answer_only_what_they_can(org):
    zone = org.s1.zone
    plain = metrics.MetricsFilter(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30), zone=zone)
    assert days.DaySums.able(org.admin, plain) is not None
    assert days.DaySums.able(org.admin, plain, group_by="category") is None
    for narrowed in ({"category": "wait_time"}, {"channel": "phone"}, {"severity": "high"}):
        assert days.DaySums.able(org.admin, metrics.MetricsFilter(**vars(plain) | narrowed)) is None
    Store.objects.filter(pk=org.s2.pk).update(timezone="Europe/Paris")
    assert days.DaySums.able(org.admin, plain) is None, "a day in Paris is not a day in Shanghai"
    assert days.DaySums.able(org.supervisor1, plain) is not None


def test_the_day_sums_table_has_a_column_for_every_figure_the_code_adds_up(db):
    """The figures summed by column; what is counted by value (kinds, roles, categories…) is in rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'recovery_facts_day' "
            "AND column_name NOT IN ('store_id', 'day')"
        )
        columns = {row[0] for row in cursor.fetchall()}
    assert columns == set(days.COLUMNS)
    assert Complaint.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_two_periods_are_read_side_by_side_and_agree(settings):
    """Committed data: the previous period is read on a second connection, and still agrees."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo", "--complaints", "600", "--stores", "2", "--seed", "5")
    store = Store.objects.get(code="S1")
    last = timezone.localdate(timezone.now(), store.zone)
    period = metrics.MetricsFilter(date_from=last - timedelta(days=59), date_to=last, zone=store.zone)
    admin = User.objects.get(username="admin")
    assert not connection.in_atomic_block
    now = timezone.now()
    side_by_side = metrics.recovery_metrics(user=admin, filters=period, now=now, source="days")
    assert side_by_side["previous"]["volume"] > 0
    days.side_connection_close()
    assert side_by_side == metrics.recovery_metrics(user=admin, filters=period, now=now, source="rows")


def test_escalations_level_by_level_keep_the_day_sums_and_facts_equal_to_the_records(org, api, sla):
    """The sweep's escalations refresh only the level in the kept facts and the days' level counts:
    each beat they still agree with the records, up to the highest level, across two stores."""
    frontline1, frontline3 = api(org.frontline1), api(org.frontline3)
    for staff, minutes in ((frontline1, 0), (frontline1, 0), (frontline3, 1)):
        helpers.log_at(staff, helpers.T0 + minutes * helpers.MINUTE, severity="critical")
    helpers.log_at(frontline1, helpers.T0, severity="low")  # due in a day: never escalated here
    period = metrics.MetricsFilter(date_from=date(2026, 11, 23), date_to=date(2026, 11, 23), zone=org.s1.zone)
    highest = []
    for minutes in (6, 16, 26, 40):
        moment = helpers.T0 + minutes * helpers.MINUTE
        helpers.sweep(moment)
        for group_by in ("", "store"):
            found = answers(org.admin, period, group_by=group_by, now=moment)
            assert_all_agree(found)
        highest.append(found["days"]["totals"]["highest_escalation_level"])
    assert highest == [1, 2, 3, 3]
    totals = answers(org.admin, period, now=helpers.T0 + 40 * helpers.MINUTE)["days"]["totals"]
    assert totals["escalation_rate"] == 0.75
