"""Every figure of the recovery metrics, on random histories, against the same figures computed from the records.

Hypothesis draws a history: complaints logged by staff and on the public QR form in three stores (one of them
sometimes in another time zone), with and without customers (a few phone numbers, so customers come back), in
every channel, category, severity, stage, SERVQUAL dimension and blueprint area; then, at moments that only move
forward, the steps of the flow by any role, compensation within and above the limits (so that approvals are
requested, approved, rejected or sent up), follow-ups with scores, closes with every closure code, reopenings,
holds and resumes, severity changes, customer tiers, customer counts, forgotten customers, and the sweep at later
moments (reminders, escalations level by level, approvals sent up when undecided). Everything goes through the
services, at a frozen clock. Then the metrics API answers an admin and a store's supervisor, over the whole
history and a narrower period, without and with each grouping (a region's manager too), and each source of the
figures is asked too; every answer must equal ``metrics_oracle``'s, computed in plain Python from the records.

Each example runs in a savepoint that is rolled back: the organisation, limits and SLA policies stay, the history
goes.
"""

import json
import os
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from complaints.customers import normalize_phone
from complaints.models import (
    BlueprintArea,
    Category,
    Channel,
    ClosureCode,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    CustomerTier,
    Deadline,
    ServqualDimension,
    Severity,
    SlaPolicy,
    Stage,
    TierCode,
)
from complaints.services.customers import customer_tier_set
from complaints.services.intake import complaint_log
from complaints.services.public_intake import complaint_log_from_public_form
from complaints.services.steps import (
    complaint_apologize,
    complaint_assign,
    complaint_change_severity,
    complaint_close,
    complaint_follow_up,
    complaint_hold,
    complaint_reopen,
    complaint_resume,
)
from core.errors import ApplicationError
from core.reference import reference_data_renew
from recovery import metrics
from recovery.approvals.decisions import approval_approve, approval_reject
from recovery.compensation.grants import complaint_compensate, complaint_respond_with_compensation
from recovery.customers.privacy import customer_anonymize
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationGuideline, CompensationKind
from recovery.surveys.invitations import survey_answer, survey_send, survey_token
from staff.models import OpeningHours, Role, Store, User
from staff.services import store_customer_count_set
from tests import helpers
from tests.conftest import FRONTLINE_KINDS
from tests.factories import CategoryFactory, UserFactory
from tests.recovery import metrics_oracle as oracle

URL = "/api/v1/metrics/recovery/"
T0 = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # noon in Shanghai on a Saturday: weeks and a month end follow
CATEGORIES = ("food_quality", "wait_time", "other")  # "other": the public form's
PHONES = ("138 0013 8000", "138 0013 8001", "138 0013 8002", "139 0013 9000", "139 0013 9001")
GAPS = (1, 4, 9, 16, 30, 55, 120, 300, 720)  # minutes between two steps
MONTH = 30 * 24 * 60  # now and then a month passes: periods longer than the 90 days of a repeat customer
LONGEST_PERIOD = 366  # days the API answers at most
AMOUNTS = ("20", "0", "5", "45", "80", "150", "600", "1200", "6000")
# "next": the flow's next step from the complaint's status (apologize, respond, decide, follow up, close, reopen).
STEPS = ("next", "next", "next", "next", "next", "compensation", "close", "hold", "resume", "severity", "reopen")
STEPS += ("assign", "survey")
NEXT_STEP = {
    ComplaintStatus.NEW: "apologize",
    ComplaintStatus.APOLOGIZED: "respond",
    ComplaintStatus.REOPENED: "respond",
    ComplaintStatus.AWAITING_APPROVAL: "decide",
    ComplaintStatus.RESPONDED: "follow-up",
    ComplaintStatus.FOLLOWED_UP: "close",
    ComplaintStatus.CLOSED: "reopen",
}


# --- The organisation every example shares --------------------------------------------------------------


@pytest.fixture
def world(org, limits, sla, api):
    """The org (three stores, one user per role) with a frontline employee and a supervisor at S3, the public form's
    category, guidelines (one per tier A), a faster SLA for tier A, and open hours at S2 (remote channels there
    run on the open-hours clock). Metrics readers as API clients."""
    UserFactory(username="frontline4", store=org.s3_other_region)
    UserFactory(username="supervisor3", role=Role.SUPERVISOR, store=org.s3_other_region)
    CategoryFactory(code="other", name_en="Other", name_zh="其他", sort_order=99)
    categories = {category.code: category for category in Category.objects.all()}
    tier_a = CustomerTier.objects.get(code=TierCode.A)
    for code, severity, tier, low, high in [
        ("food_quality", Severity.HIGH, None, "10", "30"),
        ("food_quality", Severity.HIGH, tier_a, "20", "60"),
        ("food_quality", Severity.MEDIUM, None, "5", "15"),
        ("wait_time", Severity.LOW, None, "0", "10"),
        ("other", Severity.HIGH, None, "10", "40"),
    ]:
        CompensationGuideline.objects.create(
            category=categories[code], severity=severity, tier=tier, min_amount=Decimal(low), max_amount=Decimal(high)
        )
    SlaPolicy.objects.create(
        severity=Severity.HIGH,
        channel=None,
        tier=tier_a,
        apologize_within=5 * 60,
        respond_within=20 * 60,
        follow_up_after=12 * 3600,
        approval_within=5 * 60,
        escalate_every=10 * 60,
    )
    for weekday in range(7):
        OpeningHours.objects.create(store=org.s2, weekday=weekday, opens=time(10), closes=time(22))
    readers = {user.username: (user, api(user)) for user in (org.admin, org.supervisor1, org.manager1)}
    return {"org": org, "readers": readers}


def staff_of(store: Store, role: str, *, second: bool = False) -> User:
    """Who of ``role`` acts at ``store``: its frontline employee (S1 has two) or supervisor, its region's manager,
    an admin."""
    if role == Role.ADMIN:
        return User.objects.get(username="admin")
    if role == Role.MANAGER:
        return User.objects.filter(role=Role.MANAGER, region_id=store.region_id).order_by("pk").first()
    found = User.objects.filter(role=role, store=store).order_by("pk")
    return (found[1] if second and found.count() > 1 else found.first()) if found.exists() else None


# --- Histories ----------------------------------------------------------------------------------------------

# Who acts: any role, the frontline most often (it is they who hit the limits and ask for approval).
roles = st.one_of(st.just(Role.FRONTLINE.value), st.sampled_from(Role.values))
# Every kind; the frontline's first, so that the simplest history grants rather than being refused.
kinds = st.sampled_from(sorted(CompensationKind.values, key=lambda kind: kind not in FRONTLINE_KINDS))
optional_servqual = st.sampled_from(["", *ServqualDimension.values])
optional_blueprint = st.sampled_from(["", *BlueprintArea.values])

logs = st.fixed_dictionaries(
    {
        "kind": st.just("log"),
        "form": st.sampled_from(["staff", "staff", "public"]),
        "store": st.integers(0, 2),
        "by": roles,
        "channel": st.sampled_from(Channel.values),
        "category": st.sampled_from(CATEGORIES),
        "severity": st.sampled_from(Severity.values),
        "stage": st.sampled_from(Stage.values),
        "servqual_dimension": optional_servqual,
        "blueprint_area": optional_blueprint,
        "customer": st.none() | st.integers(0, len(PHONES) - 1),
        "consent": st.booleans(),  # to be contacted (the survey), when they give a phone number
        "still_in_store": st.booleans(),
    }
)
steps = st.fixed_dictionaries(
    {
        "kind": st.just("step"),
        "target": st.integers(0, 40),  # which complaint logged so far (modulo their number)
        "step": st.sampled_from(STEPS),
        # A "next" goes this many steps along the flow, ``pace`` minutes apart.
        "walk": st.sampled_from([1, 2, 3, 4, 5, 6]),
        "pace": st.sampled_from(GAPS),
        "by": roles,
        "second_frontline": st.booleans(),
        "without_compensation": st.booleans(),  # the response comes without the compensation below
        "compensation": st.lists(st.tuples(kinds, st.sampled_from(AMOUNTS)), min_size=1, max_size=2),
        "by_survey": st.booleans(),  # the follow-up is the customer's answer to the survey, if they consented
        "approve": st.booleans(),  # an approval, or the customer's answer to the survey: solved
        "answer_after": st.none() | st.sampled_from(GAPS),  # minutes until the customer answers the survey
        "satisfaction": st.none() | st.integers(1, 5),
        "closure_code": st.sampled_from(ClosureCode.values),
        # Closing leaves the cause to what the intake said (if nothing, the close is refused); else names it.
        "cause_from_intake": st.booleans(),
        "servqual_dimension": st.sampled_from(ServqualDimension.values),
        "blueprint_area": st.sampled_from(BlueprintArea.values),
        "severity": st.sampled_from(Severity.values),
        "hold_minutes": st.sampled_from([30, 240, 1440]),
    }
)
sweeps = st.fixed_dictionaries({"kind": st.just("sweep")})
forgets = st.fixed_dictionaries({"kind": st.just("forget"), "customer": st.integers(0, len(PHONES) - 1)})
tiers = st.fixed_dictionaries(
    {
        "kind": st.just("tier"),
        "customer": st.integers(0, len(PHONES) - 1),
        "tier": st.none() | st.sampled_from(TierCode.values),
    }
)
counts = st.fixed_dictionaries(
    {
        "kind": st.just("count"),
        "store": st.integers(0, 2),
        "day": st.integers(0, 4),
        "customers": st.integers(0, 2000),
    }
)


EVENTS = {"step": steps, "log": logs, "sweep": sweeps, "count": counts, "forget": forgets, "tier": tiers}
# How often each kind of event comes (sampled_from draws a list's items evenly). A count first: what a failing
# history shrinks its padding to is a count of no customers, which changes no figure.
EVENT_KINDS = ("count",) + ("step",) * 8 + ("log",) * 3 + ("sweep",) * 2 + ("forget", "tier")


@st.composite
def histories(draw) -> dict:
    """A history as data (what hypothesis shrinks and prints): the time zone of S3, then events, each after a
    gap in minutes; the first logs a complaint. ``asked_after``: minutes from the last event to the question."""
    first = draw(logs)
    kinds_ = draw(st.lists(st.sampled_from(EVENT_KINDS), min_size=8, max_size=40))
    rest = [draw(EVENTS[kind]) for kind in kinds_]
    gaps = st.sampled_from((*GAPS, MONTH))
    events = [{"gap": 0, **first}] + [{"gap": draw(gaps), **event_} for event_ in rest]
    return {
        "s3_zone": draw(st.sampled_from(["Asia/Shanghai", "Europe/Paris"])),
        "events": events,
        "asked_after": draw(st.sampled_from([5, 60, 600, 3000])),
        "narrow_grouping": draw(st.sampled_from(list(metrics.GROUPINGS))),
        "source_grouping": draw(st.sampled_from(["", *metrics.GROUPINGS])),
    }


class History:
    """Plays a drawn history through the services, at each event's moment; a step the services refuse (not
    allowed now, over a hard limit, missing a field) changes nothing and is told in the story."""

    def __init__(self) -> None:
        self.stores = list(Store.objects.order_by("code"))
        self.categories = {category.code: category for category in Category.objects.all()}
        self.admin = User.objects.get(username="admin")
        self.complaints: list = []
        self.story: list[str] = []

    def play(self, events: list[dict]) -> datetime:
        self.moment = T0
        for number, drawn in enumerate(events):
            self.moment += timedelta(minutes=drawn["gap"])
            moment = self.moment
            with time_machine.travel(moment, tick=False):
                try:
                    with transaction.atomic():
                        told = getattr(self, f"_{drawn['kind']}")(drawn, moment)
                except (ApplicationError, ValidationError) as refused:
                    told = f"refused: {type(refused).__name__}"
            self.story.append(f"{number} {moment:%m-%d %H:%M} {drawn['kind']}: {told}")
        for kind in ComplaintEvent.objects.values_list("kind", flat=True).distinct():
            event(f"event {kind} written")  # which kinds of events the histories reach (--hypothesis-show-statistics)
        return self.moment

    def _complaint(self, drawn: dict) -> Complaint | None:
        if not self.complaints:
            return None
        pk = self.complaints[drawn["target"] % len(self.complaints)]
        return Complaint.objects.select_related("store", "customer").get(pk=pk)

    def _log(self, drawn: dict, moment: datetime) -> str:
        store = self.stores[drawn["store"]]
        phone = PHONES[drawn["customer"]] if drawn["customer"] is not None else ""
        if drawn["form"] == "public":
            complaint = complaint_log_from_public_form(
                store=store,
                description="Nobody came to our table.",
                still_in_store=drawn["still_in_store"],
                name="Guest" if phone else "",
                contact=phone,
                contact_consent=drawn["consent"],
                now=moment,
            )
        else:
            actor = staff_of(store, drawn["by"])
            complaint, _ = complaint_log(
                actor=actor,
                store=store,
                channel=drawn["channel"],
                category=self.categories[drawn["category"]],
                severity=drawn["severity"],
                stage=drawn["stage"],
                servqual_dimension=drawn["servqual_dimension"],
                blueprint_area=drawn["blueprint_area"],
                description="The soup was cold.",
                customer={"name": "Guest", "phone": phone} if phone else None,
                contact_consent=drawn["consent"] and bool(phone),
                now=moment,
            )
        self.complaints.append(complaint.pk)
        event(f"logged on the {drawn['form']} form")
        return f"#{len(self.complaints) - 1} at {store.code} {complaint.channel}/{complaint.severity}, phone {phone!r}"

    def _step(self, drawn: dict, moment: datetime) -> str:
        complaint = self._complaint(drawn)
        if complaint is None:
            return "no complaint yet"
        actor = staff_of(complaint.store, drawn["by"], second=drawn["second_frontline"])
        if actor is None:
            return f"nobody of role {drawn['by']} at {complaint.store.code}"
        if drawn["step"] != "next":
            return self._take(complaint, drawn["step"], actor, drawn, moment)
        told = []
        for stride in range(drawn["walk"]):
            at = moment + stride * timedelta(minutes=drawn["pace"])
            self.moment = at
            with time_machine.travel(at, tick=False):
                complaint = Complaint.objects.select_related("store", "customer").get(pk=complaint.pk)
                try:
                    with transaction.atomic():
                        told.append(self._take(complaint, NEXT_STEP[complaint.status], actor, drawn, at))
                except (ApplicationError, ValidationError) as refused:
                    told.append(f"refused: {type(refused).__name__}")
                    break
        return "; ".join(told)

    def _take(self, complaint: Complaint, step: str, actor: User, drawn: dict, moment: datetime) -> str:
        lines = [{"kind": kind, "amount": amount, "note": ""} for kind, amount in drawn["compensation"]]
        if step == "respond" and drawn["without_compensation"]:
            lines = []
        if step == "follow-up" and drawn["by_survey"] and complaint.contact_consent:
            step = "survey"
        number = self.complaints.index(complaint.pk)
        if step == "apologize":
            complaint_apologize(complaint=complaint, actor=actor, now=moment)
        elif step == "respond":
            complaint_respond_with_compensation(
                complaint=complaint, actor=actor, resolution="Replaced it.", compensation=lines, now=moment
            )
        elif step == "compensation":
            complaint_compensate(complaint=complaint, actor=actor, compensation=lines, now=moment)
        elif step == "decide":
            return self._decide(complaint, drawn, moment)
        elif step == "follow-up":
            complaint_follow_up(
                complaint=complaint, actor=actor, outcome="Called back", satisfaction=drawn["satisfaction"], now=moment
            )
        elif step == "close":
            complaint_close(
                complaint=complaint,
                actor=actor,
                closure_code=drawn["closure_code"],
                servqual_dimension="" if drawn["cause_from_intake"] else drawn["servqual_dimension"],
                blueprint_area="" if drawn["cause_from_intake"] else drawn["blueprint_area"],
                now=moment,
            )
        elif step == "reopen":
            complaint_reopen(complaint=complaint, actor=actor, reason="The customer came back.", now=moment)
        elif step == "hold":
            until = moment + timedelta(minutes=drawn["hold_minutes"])
            complaint_hold(complaint=complaint, actor=actor, reason="Waiting for the receipt.", until=until, now=moment)
        elif step == "resume":
            complaint_resume(complaint=complaint, actor=actor, now=moment)
        elif step == "severity":
            complaint_change_severity(complaint=complaint, actor=actor, severity=drawn["severity"], now=moment)
        elif step == "assign":
            assignee = staff_of(complaint.store, Role.FRONTLINE, second=drawn["second_frontline"])
            complaint_assign(complaint=complaint, actor=actor, assignee=assignee, now=moment)
        elif step == "survey":
            return self._survey(complaint, actor, drawn, moment)
        status = Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)
        event(f"step {step} taken")
        if status == ComplaintStatus.AWAITING_APPROVAL and step in ("respond", "compensation"):
            event(f"approval requested by {actor.role}")
        elif lines and step in ("respond", "compensation"):
            event(f"compensation granted by {actor.role}")
        return f"#{number} {step} by {actor.username} {[tuple(line.values())[:2] for line in lines]} -> {status}"

    def _survey(self, complaint: Complaint, actor: User, drawn: dict, moment: datetime) -> str:
        """The survey link is sent; the customer answers it later (or never): the follow-up, by nobody on the staff."""
        invitation = survey_send(complaint=complaint, actor=actor, now=moment)
        event("survey sent")
        if drawn["answer_after"] is None:
            return f"#{self.complaints.index(complaint.pk)} survey sent, never answered"
        self.moment = moment + timedelta(minutes=drawn["answer_after"])
        score = drawn["satisfaction"] or 3
        with time_machine.travel(self.moment, tick=False):
            survey_answer(token=survey_token(invitation), solved=drawn["approve"], score=score, now=self.moment)
        status = Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)
        event("survey answered")
        return f"#{self.complaints.index(complaint.pk)} survey answered {score} at {self.moment:%H:%M} -> {status}"

    def _decide(self, complaint: Complaint, drawn: dict, moment: datetime) -> str:
        pending = ApprovalRequest.objects.filter(complaint=complaint, status=ApprovalStatus.PENDING).first()
        if pending is None:
            return "no approval pending"
        approver = staff_of(complaint.store, pending.approver_role)
        if drawn["approve"]:
            outcome = approval_approve(approval=pending, actor=approver, note="OK", now=moment)
            told = f"sent up to {outcome.escalated_to}" if outcome.escalated_to else "approved"
        else:
            approval_reject(approval=pending, actor=approver, reason="Too much.", now=moment)
            told = "rejected"
        event(f"approval {told.split(' to ')[0]}")
        return f"#{self.complaints.index(complaint.pk)} approval {told} by {approver.username}"

    def _sweep(self, drawn: dict, moment: datetime) -> str:
        before = dict(Deadline.objects.values_list("pk", "level"))
        helpers.sweep(moment)
        raised = [(pk, level) for pk, level in Deadline.objects.values_list("pk", "level") if before.get(pk, 0) < level]
        for _, level in raised:
            event(f"escalated to level {level}")
        return f"{len(raised)} deadlines escalated"

    def _customer(self, drawn: dict) -> Customer | None:
        return Customer.objects.filter(phone=normalize_phone(PHONES[drawn["customer"]])).first()

    def _forget(self, drawn: dict, moment: datetime) -> str:
        customer = self._customer(drawn)
        if customer is None:
            return "no such customer"
        customer_anonymize(customer=customer, now=moment)
        event("customer forgotten")
        return f"customer {customer.pk} forgotten"

    def _tier(self, drawn: dict, moment: datetime) -> str:
        customer = self._customer(drawn)
        if customer is None:
            return "no such customer"
        tier = CustomerTier.objects.get(code=drawn["tier"]) if drawn["tier"] else None
        customer_tier_set(customer=customer, tier=tier, reason="Regular guest.", actor=self.admin, now=moment)
        return f"customer {customer.pk} tier {drawn['tier']}"

    def _count(self, drawn: dict, moment: datetime) -> str:
        store = self.stores[drawn["store"]]
        day = T0.astimezone(store.zone).date() + timedelta(days=drawn["day"])
        store_customer_count_set(actor=self.admin, store=store, day=day, customers=drawn["customers"])
        return f"{store.code} served {drawn['customers']} on {day}"


# --- The comparison --------------------------------------------------------------------------------------------


def assert_as_computed(found: dict, user: User, first, last, *, now: datetime, group_by: str, asked: str) -> None:
    expected = oracle.expected_answer(user, first, last, now=now, group_by=group_by)
    wrong = oracle.differences(expected, found)
    shown = "\n  ".join(wrong[:40])
    assert not wrong, (
        f"{asked} for {user.username} from {first} to {last}, group_by={group_by!r}, at {now:%m-%d %H:%M}: "
        f"{len(wrong)} figures differ from the records:\n  {shown}"
    )


def api_answer(reader, first, last, *, now: datetime, group_by: str) -> dict:
    params = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    if group_by:
        params["group_by"] = group_by
    with time_machine.travel(now, tick=False):
        response = reader.get(URL, **params)
    assert response.status_code == 200, response.json()
    return response.json()


def source_answer(user: User, first, last, *, now: datetime, group_by: str, source: str) -> dict | None:
    """The selector's answer from one source, as JSON gives it; None when that source cannot answer."""
    zone = metrics.metrics_zone(user)
    filters = metrics.MetricsFilter(date_from=first, date_to=last, zone=zone)
    try:
        answer = metrics.recovery_metrics(user=user, filters=filters, group_by=group_by, now=now, source=source)
    except ValueError:
        return None  # the day sums cannot answer this reader (stores in two time zones) or grouping
    return json.loads(json.dumps(answer, cls=DjangoJSONEncoder))


@pytest.mark.timeout(900)
@settings(
    # 30 histories in CI (about 40 s); more when hunting: METRICS_PROPERTY_EXAMPLES=500.
    max_examples=int(os.environ.get("METRICS_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    # ``world`` is built once for the test; each example's history is rolled back (the savepoint below).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories())
def test_every_metrics_figure_equals_its_computation_from_the_records(world, history):
    with transaction.atomic():
        reference_data_renew()
        try:
            _check_history(world, history)
        finally:
            transaction.set_rollback(True)
    reference_data_renew()


def _check_history(world: dict, history: dict) -> None:
    org = world["org"]
    Store.objects.filter(pk=org.s3_other_region.pk).update(timezone=history["s3_zone"])
    played = History()
    last_event = played.play(history["events"])
    note("\n".join(played.story))
    now = last_event + timedelta(minutes=history["asked_after"])
    last = now.astimezone(org.s1.zone).date()
    first = max(T0.astimezone(org.s1.zone).date(), last - timedelta(days=LONGEST_PERIOD - 1))
    middle = first + timedelta(days=(last - first).days // 2)
    for name, (user, reader) in world["readers"].items():
        # Every grouping for the admin; for the supervisor (one store) and the manager (a region), a few.
        groupings = ["", *metrics.GROUPINGS] if name == "admin" else ["", "store", history["narrow_grouping"]]
        for group_by in groupings:
            found = api_answer(reader, first, last, now=now, group_by=group_by)
            assert_as_computed(found, user, first, last, now=now, group_by=group_by, asked="The API")
        group_by = history["narrow_grouping"]
        found = api_answer(reader, middle, last, now=now, group_by=group_by)
        assert_as_computed(found, user, middle, last, now=now, group_by=group_by, asked="The API")
        for source in ("days", "rows", "computed"):
            group_by = history["source_grouping"]
            found = source_answer(user, first, last, now=now, group_by=group_by, source=source)
            if found is not None:
                assert_as_computed(found, user, first, last, now=now, group_by=group_by, asked=f"source={source}")
                event(f"source {source} answered")
