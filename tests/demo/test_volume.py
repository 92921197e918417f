"""seed_demo --complaints: a year of history, written in bulk, as consistent as if the services had written it."""

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import sla
from complaints.customers import normalize_phone
from complaints.deadlines import MAX_LEVEL, escalation_time, window_of
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    CustomerTier,
    CustomerTierChange,
    Deadline,
    ReferenceCounter,
    SlaPolicy,
)
from complaints.services import intake
from demo import volume
from recovery import metrics
from recovery.compensation import policies
from recovery.compensation import selectors as compensation_selectors
from recovery.customers.selectors import customer_flags
from recovery.metrics.projection import facts_flush
from recovery.models import ApprovalRequest, CompensationAction, ComplaintFacts
from staff.models import Role, Store, StoreCustomerCount, User
from tests.helpers import Api
from tests.recovery.test_metrics_sources import answers, assert_all_agree

COMPLAINTS, STORES, SEED = 2000, 5, 7
DONE_EVENT = {"apologize": "apologized", "follow_up": "followed_up"}
STATUS_EVENTS = {"logged", "apologized", "responded", "followed_up", "closed", "reopened", "approval_requested"}
STATUS_EVENTS |= {"approved", "rejected"}


@pytest.fixture
def seeded(settings, db) -> set:
    """The demo organisation, then COMPLAINTS complaints over STORES stores; returns the samples' ids."""
    settings.DEBUG = True
    call_command("seed_demo")
    samples = set(Complaint.objects.values_list("pk", flat=True))
    call_command("seed_demo", "--complaints", str(COMPLAINTS), "--stores", str(STORES), "--seed", str(SEED))
    return samples


def test_it_seeds_exactly_that_many_complaints_over_the_stores_with_daily_references(seeded):
    assert Complaint.objects.exclude(pk__in=seeded).count() == COMPLAINTS
    assert list(Store.objects.order_by("id").values_list("code", flat=True)) == [f"S{n}" for n in range(1, 6)]
    per_store = Counter(Complaint.objects.values_list("store__code", flat=True))
    assert set(per_store) == {f"S{n}" for n in range(1, 6)}
    for code in ["S3", "S4", "S5"]:
        store = Store.objects.get(code=code)
        assert (store.timezone, store.currency, store.opening_hours.count()) == ("Asia/Shanghai", "CNY", 7)
        roles = sorted(User.objects.filter(store=store).values_list("role", flat=True))
        assert roles == ["frontline", "frontline", "supervisor"]
    # References: the store, its local date, then 1, 2, 3… that day; the counters are where they ended.
    numbers = defaultdict(list)
    zones = {store.code: store.zone for store in Store.objects.all()}
    for reference, code, created_at in Complaint.objects.values_list("reference", "store__code", "created_at"):
        store_code, day, number = re.fullmatch(r"(S\d+)-(\d{8})-(\d{4})", reference).groups()
        assert store_code == code
        assert day == f"{timezone.localtime(created_at, zones[code]):%Y%m%d}"
        numbers[(code, day)].append(int(number))
    for key, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key
    counters = {
        (code, f"{day:%Y%m%d}"): last
        for code, day, last in ReferenceCounter.objects.values_list("store__code", "day", "last_number")
    }
    assert counters == {key: len(found) for key, found in numbers.items()}
    created = list(Complaint.objects.values_list("created_at", flat=True))
    assert min(created) > timezone.now() - timedelta(days=366)


def test_every_complaint_has_its_steps_as_events_in_order_matching_its_times(seeded):
    events = defaultdict(list)
    for event in ComplaintEvent.objects.order_by("at", "id"):
        events[event.complaint_id].append(event)
    complaints = list(Complaint.objects.all())
    closed = [c for c in complaints if c.status == ComplaintStatus.CLOSED]
    assert len(closed) > 0.85 * len(complaints)
    assert {c.status for c in complaints} >= {"new", "apologized", "responded", "closed"}
    for c in complaints:
        log = events[c.id]
        assert log[0].kind == "logged"
        assert log[0].at == c.created_at
        assert [e.at for e in log] == sorted(e.at for e in log)
        # The status moves as the events say, from nothing to where the complaint is now.
        status = ""
        for event in log:
            if event.kind in STATUS_EVENTS:
                assert (event.status_before, event.kind) == (status, event.kind), c.reference
                status = event.status_after
            else:
                assert (event.status_before, event.status_after) == ("", "")
        assert status == c.status
        last = {}
        for event in log:
            last[event.kind] = event.at
        assert c.apologized_at == last.get("apologized")
        assert c.responded_at == max([last[k] for k in ("responded", "approved") if k in last], default=None)
        assert c.followed_up_at == last.get("followed_up")
        assert c.closed_at == last.get("closed")
        assert c.reopened_at == last.get("reopened")
        if c.reopened_at is None or c.status == "closed":  # reopening keeps the first closing time
            times = [c.created_at, c.apologized_at, c.responded_at, c.followed_up_at, c.closed_at]
            present = [t for t in times if t is not None]
            assert present == sorted(present), c.reference
        assert (c.satisfaction is not None) <= (c.followed_up_at is not None)
        if c.status == "closed":
            assert c.closure_code
            assert c.servqual_dimension
            assert c.blueprint_area
            if c.closure_code not in ("withdrawn", "duplicate"):
                kinds = {e.kind for e in log}
                assert {"logged", "apologized", "followed_up", "closed"} <= kinds
                assert kinds & {"responded", "approved"}
    # Satisfaction skews positive; categories, channels and root causes are all used.
    satisfaction = Counter(c.satisfaction for c in complaints if c.satisfaction)
    assert satisfaction[5] > satisfaction[4] > satisfaction[3] > satisfaction[1]
    assert {c.channel for c in complaints} == {"in_person", "phone", "online", "social", "qr_form", "email"}
    assert len({c.category_id for c in complaints}) == Category.objects.count()
    assert {c.servqual_dimension for c in closed} == {
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
        "tangibles",
    }
    assert Counter(c.closure_code for c in closed)["resolved"] > 0.6 * len(closed)
    assert any(c.reopened_at for c in closed)


def test_deadlines_are_what_the_sla_clocks_say_and_done_steps_keep_their_time(seeded):
    clocks = {}
    complaints = {c.id: c for c in Complaint.objects.select_related("store")}
    escalations = Counter(
        (e.complaint_id, e.data["step"])
        for e in ComplaintEvent.objects.filter(kind="escalated").only("complaint", "data")
    )
    levels = Counter()
    open_levels = defaultdict(int)
    within = Counter()
    for d in Deadline.objects.all():
        c = complaints[d.complaint_id]
        key = (c.store_id, c.channel == "in_person")
        if key not in clocks:
            clocks[key] = sla.clock_for(c.store, c.channel)
        clock = clocks[key]
        assert d.clock == clock.kind
        assert d.due_at == clock.add(d.started_at, d.window_seconds)
        assert d.held_seconds == 0
        assert d.paused_at is None
        levels[(d.complaint_id, d.step)] += d.level
        if d.closed_at is not None:
            assert d.next_check_at is None
            assert d.elapsed_seconds == pytest.approx(clock.between(d.started_at, d.closed_at), abs=1e-3)
            if d.step != "approval":
                within[(d.step, d.elapsed_seconds <= d.window_seconds)] += 1
                # The sweep escalates a few seconds after the first escalation is due.
                first_escalation = escalation_time(d, clock, 1)
                if d.closed_at > first_escalation + timedelta(seconds=5):
                    assert d.level >= 1
                elif d.closed_at <= first_escalation:
                    assert d.level == 0
        else:
            assert c.status != "closed"
            open_levels[d.complaint_id] = max(open_levels[d.complaint_id], d.level)
        if d.level:
            assert d.closed_at is None or d.closed_at > d.due_at
    # One escalated event per level reached, and the complaint shows the highest level still open.
    assert escalations == +levels
    assert sum(escalations.values()) > 0
    assert max(levels.values()) >= MAX_LEVEL
    for c in complaints.values():
        assert c.escalation_level == open_levels.get(c.id, 0)
    assert any(c.escalation_level for c in complaints.values())
    # Most steps are done within their window.
    for step in ("apologize", "respond", "follow_up"):
        assert within[(step, True)] > 0.75 * (within[(step, True)] + within[(step, False)]), step
        assert within[(step, False)] > 0, step
    # A done step closed its deadline at that moment.
    closings = defaultdict(set)
    for complaint_id, step, closed_at in Deadline.objects.values_list("complaint_id", "step", "closed_at"):
        closings[(complaint_id, step)].add(closed_at)
    for c in complaints.values():
        for step, done_at in [
            ("apologize", c.apologized_at),
            ("respond", c.responded_at),
            ("follow_up", c.followed_up_at),
        ]:
            assert done_at is None or done_at in closings[(c.id, step)], (c.reference, step)
    # Nothing is left for the sweep that it should have done a while ago: the history is caught up.
    assert not Deadline.objects.filter(closed_at__isnull=True, next_check_at__lt=timezone.now() - timedelta(seconds=30))


def test_compensation_follows_the_limits_and_the_approvals_decisions(seeded):
    actions = list(CompensationAction.objects.select_related("requested_by", "approval", "complaint__store"))
    approvals = list(ApprovalRequest.objects.all())
    assert actions
    assert approvals
    by_approval = defaultdict(list)
    for action in actions:
        assert action.currency == "CNY"
        assert action.customer_id == action.complaint.customer_id
        if action.approval_id:
            by_approval[action.approval_id].append(action)
        else:  # within the employee's own limits: granted by them at once
            assert action.status == "granted"
            assert action.granted_by_id == action.requested_by_id
            assert action.granted_at == action.created_at
            if action.requested_by.role == Role.FRONTLINE:
                assert action.amount <= Decimal(50)
                assert action.kind != "refund"
        if action.status == "granted":
            local_day = timezone.localdate(action.granted_at, action.complaint.store.zone)
            assert action.business_day == local_day
    statuses = Counter(a.status for a in approvals)
    assert statuses["approved"] > statuses["rejected"] > 0
    for approval in approvals:
        assert approval.exceeded
        assert approval.approver_role in ("supervisor", "manager", "admin")
        assert approval.decided_by_id != approval.requested_by_id
        for action in by_approval[approval.pk]:
            if approval.status == "approved":
                assert action.status == "granted"
                assert (action.granted_by_id, action.granted_at) == (approval.decided_by_id, approval.decided_at)
            elif approval.status == "rejected":
                assert action.status == "rejected"
                assert action.granted_by_id is None
            else:
                assert action.status == "pending_approval"
                assert Complaint.objects.get(pk=approval.complaint_id).status == "awaiting_approval"
    # The events say the same: each request, decision and grant, with the actions' ids and totals.
    events = ComplaintEvent.objects.filter(kind__in=["approval_requested", "approved", "rejected"])
    assert Counter(e.data["approval"] for e in events if e.kind == "approval_requested") == Counter(
        str(a.pk) for a in approvals
    )
    decided = {str(a.pk): a.status for a in approvals}
    assert {e.data["approval"]: e.kind for e in events if e.kind != "approval_requested"} == {
        pk: status for pk, status in decided.items() if status != "pending"
    }
    granted = {a.pk: a for a in actions if a.status == "granted"}
    seen = []
    for event in ComplaintEvent.objects.filter(kind="compensation_granted"):
        lines = event.data["compensation"]
        seen += [line["id"] for line in lines]
        assert Decimal(event.data["total"]) == sum(granted[line["id"]].amount for line in lines)
        assert all(granted[line["id"]].granted_by_id == event.actor_id for line in lines)
    assert sorted(seen) == sorted(granted)
    assert ComplaintEvent.objects.filter(kind="approval_escalated").exists()


def test_customers_come_back_and_have_their_own_valid_phone(seeded):
    generated = Complaint.objects.exclude(pk__in=seeded)
    complaints = list(generated.order_by("created_at").values_list("customer_id", "created_at"))
    last_seen, repeats = {}, 0
    for customer_id, created_at in complaints:
        if customer_id in last_seen and created_at - last_seen[customer_id] <= timedelta(days=90):
            repeats += 1
        if customer_id is not None:
            last_seen[customer_id] = created_at
    assert 0.15 < repeats / len(complaints) < 0.35
    assert 0.02 < sum(1 for customer_id, _ in complaints if customer_id is None) / len(complaints) < 0.2
    phones = list(Customer.objects.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) == len(set(phones))
    assert all(normalize_phone(phone) == phone and phone.startswith("+86") for phone in phones)


def test_the_same_seed_gives_the_same_data_with_copy_or_inserts(settings, db):
    settings.DEBUG = True
    call_command("seed_demo")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)

    def run(**options) -> dict:
        """Seed inside a savepoint, take a snapshot, and roll it all back."""
        snapshots = []
        with pytest.raises(Rollback), transaction.atomic():
            _seed_and_snapshot(snapshots, now=now, **options)
        return snapshots[0]

    first = run()
    assert run() == first
    assert run(use_copy=False) == first
    other = volume.volume_seed(complaints=400, stores=3, seed=12, now=now)
    assert other.complaints == 400
    assert _snapshot() != first


class Rollback(Exception):
    pass


def _seed_and_snapshot(snapshots: list, **options) -> None:
    summary = volume.volume_seed(complaints=400, stores=3, seed=11, chunk_size=150, **options)
    assert summary.complaints == 400
    snapshots.append(_snapshot())
    raise Rollback


def _snapshot() -> dict:
    def clean(data):
        lines = data.get("compensation")
        return (
            {**data, "compensation": [{k: v for k, v in line.items() if k != "id"} for line in lines]}
            if lines
            else data
        )

    complaints = Complaint.objects.filter(created_at__lt=datetime(2026, 6, 1, 12, tzinfo=UTC))
    return {
        "complaints": list(
            complaints.order_by("reference").values_list(
                "id",
                "reference",
                "store__code",
                "customer__phone",
                "channel",
                "category__code",
                "severity",
                "status",
                "assignee__username",
                "created_at",
                "responded_at",
                "closed_at",
                "satisfaction",
                "escalation_level",
            )
        ),
        "events": [
            (e.complaint_id, e.kind, e.actor.username if e.actor else None, e.at, e.status_after, clean(e.data))
            for e in ComplaintEvent.objects.filter(complaint__in=complaints).select_related("actor").order_by("id")
        ],
        "deadlines": list(
            Deadline.objects.filter(complaint__in=complaints)
            .order_by("complaint_id", "step", "cycle")
            .values_list("complaint_id", "step", "cycle", "due_at", "level", "closed_at", "elapsed_seconds")
        ),
        "compensation": list(
            CompensationAction.objects.filter(complaint__in=complaints)
            .order_by("complaint_id", "created_at", "kind", "amount")
            .values_list("complaint_id", "kind", "amount", "status", "granted_by__username", "business_day")
        ),
    }


def test_the_services_and_the_api_carry_on_after_seeding(seeded):
    # The seed wrote its complaints' facts at the end; what is logged after it keeps its facts at once.
    assert ComplaintFacts.objects.count() == Complaint.objects.count()
    frontline = User.objects.get(username="s4.frontline1")
    store = frontline.store
    # A complaint logged now takes the next number of the day: none of the seeded ones.
    complaint, created = intake.complaint_log(
        actor=frontline,
        store=store,
        channel="in_person",
        category=Category.objects.get(code="wait_time"),
        stage="in_sale",
        description="Still waiting.",
    )
    assert created
    facts_flush()
    assert ComplaintFacts.objects.filter(complaint=complaint).exists()
    day = f"{timezone.localdate(complaint.created_at, store.zone):%Y%m%d}"
    taken = Complaint.objects.filter(store=store, reference__contains=f"-{day}-").exclude(pk=complaint.pk)
    assert complaint.reference == f"S4-{day}-{taken.count() + 1:04d}"
    # New staff sign in with the demo password; an open seeded complaint moves on through the API.
    signed_in = APIClient().post(
        "/api/v1/auth/token/", {"username": "s4.frontline1", "password": "demo-pass-123"}, format="json"
    )
    assert signed_in.status_code == 200
    api = Api(frontline)
    response = api.log(customer={"name": "Ms. Wang", "phone": "13800138000"})
    assert response.status_code == 201, response.json()
    open_one = Complaint.objects.filter(store=store, status="apologized").order_by("-created_at").first()
    if open_one is not None:
        body = {"resolution": "Served at once.", "note": ""}
        assert api.step(str(open_one.pk), "respond", body).status_code == 200
        assert Deadline.objects.get(complaint=open_one, step="follow_up", closed_at__isnull=True)
    listing = Api(User.objects.get(username="admin")).get("/api/v1/complaints/", page_size=5, ordering="due")
    assert listing.status_code == 200
    assert listing.json()["count"] == Complaint.objects.count()


def test_stores_and_seed_go_with_complaints(settings, db):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--complaints"):
        call_command("seed_demo", "--stores", "3")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_writer_thread_writes_the_same_data(settings):
    """The command runs outside any transaction: chunks are written by a thread with its own connection."""
    settings.DEBUG = True
    call_command("seed_demo")
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    snapshots = []
    with pytest.raises(Rollback), transaction.atomic():
        _seed_and_snapshot(snapshots, now=now)  # inside a transaction: written inline
    summary = volume.volume_seed(complaints=400, stores=3, seed=11, chunk_size=150, now=now)
    assert summary.complaints == 400
    assert _snapshot() == snapshots[0]


def test_every_seeded_store_day_has_a_customer_count_for_the_complaint_rate(seeded):
    seeded_stores = Store.objects.filter(code__in=[f"S{n}" for n in range(1, STORES + 1)])
    complaint_days = set(
        Complaint.objects.filter(store__in=seeded_stores)
        .annotate(day=TruncDate("created_at", tzinfo=seeded_stores[0].zone))
        .values_list("store_id", "day")
        .annotate(n=Count("pk"))
        .values_list("store_id", "day")
    )
    counted = set(StoreCustomerCount.objects.values_list("store_id", "day"))
    assert complaint_days <= counted

    admin = User.objects.get(username="admin")
    last = max(day for _store, day in complaint_days)
    period = metrics.MetricsFilter(date_from=last - timedelta(days=89), date_to=last, zone=seeded_stores[0].zone)
    figures = metrics.recovery_metrics(user=admin, filters=period)["totals"]
    rate = figures["complaints_per_1000_customers"]
    assert 1000 / 220 <= rate <= 1000 / 120


def test_customers_have_tiers_and_each_complaint_is_served_at_its_customers_tier_then(seeded):
    """Some customers come on a tier (imported) or are moved up one later (by a supervisor): each change is in
    their history, their complaints' due times follow the SLA policy of the tier they had when they complained,
    and the customer's page shows the tier and its history."""
    default = CustomerTier.objects.get(is_default=True)
    changes = defaultdict(list)
    for change in CustomerTierChange.objects.order_by("at", "id"):
        changes[change.customer_id].append(change)
    tiered = Customer.objects.exclude(tier=None).exclude(tier=default)
    assert tiered.filter(tier__code="A").exists()
    assert tiered.filter(tier__code="B").exists()
    assert tiered.count() < 0.25 * Customer.objects.count()
    assert {c.source for history in changes.values() for c in history} == {"import", "staff"}
    for customer in Customer.objects.filter(pk__in=changes):
        history = changes[customer.pk]
        assert history[-1].tier_after_id == customer.tier_id
        assert [c.tier_before_id for c in history] == [None, *(c.tier_after_id for c in history[:-1])]
        assert all(c.actor.role == Role.SUPERVISOR for c in history if c.source == "staff")

    def tier_then(complaint) -> int | None:
        then = [c for c in changes[complaint.customer_id] if c.at <= complaint.created_at]
        return then[-1].tier_after_id if then else None

    vip_complaints = 0
    complaints = {c.pk: c for c in Complaint.objects.exclude(pk__in=seeded).select_related("customer")}
    for deadline in Deadline.objects.filter(complaint__in=list(complaints)):
        complaint = complaints[deadline.complaint_id]
        tier_id = tier_then(complaint) if complaint.customer_id else None
        policy = sla.policy_among(
            SlaPolicy.objects.all(),
            severity=complaint.severity,
            channel=complaint.channel,
            tier_id=tier_id if tier_id is not None else default.pk,
        )
        assert deadline.window_seconds == window_of(policy, deadline.step), complaint.reference
        vip_complaints += policy.tier_id is not None
    assert vip_complaints > 0

    upgraded = next(pk for pk, history in changes.items() if history[-1].source == "staff")
    page = Api(User.objects.get(username="admin")).get(f"/api/v1/customers/{upgraded}/").json()
    assert page["tier"]["code"] == Customer.objects.get(pk=upgraded).tier.code
    assert page["tier_changes"][0]["source"] == "staff"  # newest first


def test_grants_above_their_guideline_are_marked_and_flag_their_customers(seeded):
    """A grant above the top of its guideline (of the customer's tier) is marked so, as the services mark it, and
    customers whose complaints mostly got one are flagged for unusual compensation; repeat complainants too."""
    guidelines = compensation_selectors.GUIDELINES.get()
    changes = defaultdict(list)
    for change in CustomerTierChange.objects.order_by("at", "id"):
        changes[change.customer_id].append(change)
    granted = CompensationAction.objects.filter(status="granted").select_related("complaint")
    above = 0
    for action in granted:
        complaint = action.complaint
        then = [c for c in changes[complaint.customer_id] if c.at <= complaint.created_at]
        guideline = compensation_selectors.guideline_among(
            guidelines,
            category_id=complaint.category_id,
            severity=complaint.severity,
            tier_id=then[-1].tier_after_id if then else CustomerTier.objects.get(is_default=True).pk,
        )
        top = guideline.max_amount if guideline else None
        assert action.above_guideline == policies.above_guideline(action.amount, top)
        assert action.far_above_guideline == policies.far_above_guideline(action.amount, top)
        above += action.above_guideline
    assert 0.02 * len(granted) < above < 0.2 * len(granted)
    assert granted.filter(far_above_guideline=True).exists()

    now = timezone.now()
    flags = [customer_flags(customer, now=now) for customer in Customer.objects.filter(complaints__isnull=False)]
    unusual = sum(flag.unusual_compensation for flag in flags)
    assert 0 < unusual < 0.2 * len(flags)
    assert any(flag.repeat_complainant for flag in flags)
    # The grant's event says it was far outside, as the services' events do.
    assert ComplaintEvent.objects.filter(
        kind="compensation_granted", data__compensation__contains=[{"far_above_guideline": True}]
    ).exists()


def test_the_metrics_agree_from_every_source_over_the_seeded_history(seeded):
    admin = User.objects.get(username="admin")
    store = Store.objects.get(code="S1")
    last = timezone.localdate(timezone.now(), store.zone)
    for days in (30, 200):
        period = metrics.MetricsFilter(date_from=last - timedelta(days=days), date_to=last, zone=store.zone)
        for group_by in ("", "store", "month"):
            found = answers(admin, period, group_by=group_by, now=timezone.now())
            assert_all_agree(found)
            assert found["days"]["totals"]["compensation"]["far_above_guideline_rate"] > 0
