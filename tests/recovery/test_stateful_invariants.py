"""The desk's invariants under any order of work (issue 26, "and prove it stays so"): a hypothesis state machine.

Seven people in two stores of one region (frontline1 and frontline2 and supervisor1 at S1, frontline3 and
supervisor2 at S2, the region's manager, an admin; and the other region's manager, who sees neither store) log
complaints, walk them, grant compensation within and above their limits, decide approval requests (their own,
other stores', decided ones), hold, resume and re-grade complaints; the clock, frozen, moves only when the machine
advances it, and beat's sweep runs at that moment, twice. Everything goes through the services. After every step
the machine checks, from the records:

- statuses move only along the transition table (``complaints.states``), and every event that moves one starts
  where the one before it ended, so the complaint is where its last move left it;
- a step the services take writes its one event (and the grant's, when compensation is granted), a refused one
  writes nothing and changes nothing;
- nothing is ever granted above the granter's limits (per action, per business day, per customer in 30 days, to
  complaints without a customer per store and day): above them it waits for an approver, whose own limits apply;
- an approval request is decided once: a second decision is refused as ``approval_already_decided``; nobody decides
  their own request, nor one above their role;
- the sweep run twice at the same moment changes nothing the second time, and no email goes out twice;
- frontline staff hold a complaint for a week at most, and only while it was held fewer than twice; they never
  lower a severity.

Each run of the machine is a savepoint rolled back at its end: the organisation stays, the history goes.
``STATEFUL_PROPERTY_EXAMPLES`` and ``STATEFUL_PROPERTY_STEPS`` search longer (the defaults take 15-60 s, with the
machine's load).
"""

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from complaints import states, supervision
from complaints.deadlines import MAX_LEVEL
from complaints.models import (
    SEVERITY_RANK,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Deadline,
    EventKind,
    Severity,
)
from complaints.services.intake import complaint_log
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
from outbox.models import OutboxMessage
from recovery.approvals.decisions import approval_approve, approval_reject
from recovery.approvals.errors import ApprovalAlreadyDecided
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.grants import complaint_compensate, complaint_respond_with_compensation
from recovery.models import ApprovalRequest, ApprovalStatus, CompensationAction, CompensationStatus, Notification
from staff.models import ROLE_RANK, Role, Store, User
from staff.selectors import user_can_see_store
from tests import helpers
from tests.factories import UserFactory

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Monday
S = ComplaintStatus
PEOPLE = ("frontline1", "frontline2", "frontline3", "supervisor1", "supervisor2", "manager1", "manager2", "admin")
# The frontline most often: it is they who reach the limits and ask for approval.
people = st.sampled_from(("frontline1", "frontline3", *PEOPLE))
PHONES = ("138 0013 8000", "138 0013 8001", "139 0013 9000")
AMOUNTS = ("0", "5", "20", "45", "60", "120", "600", "1500", "6000")
KINDS = ("voucher", "free_item", "discount", "refund", "gift")
# Minutes the clock moves: steps a minute apart, SLA windows (10 min to 8 h), business days, the customer's 30 days.
GAPS = (1, 4, 12, 45, 130, 600, 1440, 4 * 1440, 9 * 1440, 31 * 1440)
HOLDS = (timedelta(hours=2), timedelta(days=3), timedelta(days=7), timedelta(days=8), timedelta(days=29))
HOLDS += (timedelta(days=31),)
STEPS = ("apologize", "respond", "respond", "compensation", "follow-up", "close", "reopen", "hold", "resume")
STEPS += ("severity", "assign")
NEXT_STEP = {
    S.NEW: "apologize",
    S.APOLOGIZED: "respond",
    S.REOPENED: "respond",
    S.RESPONDED: "follow-up",
    S.FOLLOWED_UP: "close",
    S.CLOSED: "reopen",
}
WALKS = {
    "which": st.integers(0, 30),
    "role": st.sampled_from((Role.FRONTLINE, Role.FRONTLINE, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)),
    "lines": st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(AMOUNTS)), min_size=1, max_size=2),
    "approve": st.booleans(),
    "more": st.booleans(),  # more compensation rather than the follow-up
    "strides": st.integers(1, 4),
}
ANONYMOUS_CAP = Decimal("60")  # frontline's, to complaints without a customer, per store and business day

# The events whose status_before/status_after move a complaint, and the step of the table each is.
MOVES = {
    EventKind.LOGGED: None,  # from nothing to new
    EventKind.APOLOGIZED: "apologize",
    EventKind.RESPONDED: "respond",
    EventKind.FOLLOWED_UP: "follow-up",
    EventKind.CLOSED: "close",
    EventKind.REOPENED: "reopen",
    EventKind.APPROVED: "approve",
    EventKind.APPROVAL_REQUESTED: None,  # respond or compensation, above the limits: to awaiting_approval
    EventKind.REJECTED: "reject",
}
# What a step taken writes, by the step (the service's answer decides between the two for a grant).
STEP_EVENTS = {
    "apologize": [EventKind.APOLOGIZED],
    "follow-up": [EventKind.FOLLOWED_UP],
    "close": [EventKind.CLOSED],
    "reopen": [EventKind.REOPENED],
    "hold": [EventKind.HELD],
    "resume": [EventKind.RESUMED],
    "severity": [EventKind.SEVERITY_CHANGED],
    "assign": [EventKind.ASSIGNED],
}


@pytest.fixture
def desk(org, limits, sla):
    """The organisation of tests/conftest.py, with frontline's cap to complaints without a customer."""
    limits[Role.FRONTLINE].max_anonymous_per_day = ANONYMOUS_CAP
    limits[Role.FRONTLINE].save()
    UserFactory(username="frontline_s3", store=org.s3_other_region)
    return org


class RecoveryDesk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.people = {user.username: user for user in User.objects.filter(username__in=PEOPLE)}
        self.stores = list(Store.objects.filter(code__in=("S1", "S2")).order_by("code"))
        self.categories = list(Category.objects.order_by("code"))
        self.now = T0
        self.complaints: list = []
        mail.outbox = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- What the machine does ---------------------------------------------------------------------------

    @initialize(phones=st.tuples(st.none() | st.sampled_from(PHONES), st.none() | st.sampled_from(PHONES)))
    def open_the_day(self, phones) -> None:
        """A complaint at each store to begin with, by its frontline employee."""
        for store, by, phone in zip(self.stores, ("frontline1", "frontline3"), phones, strict=True):
            self.log(store=self.stores.index(store), by=by, severity=Severity.HIGH, phone=phone, category=0)

    @rule(minutes=st.sampled_from(GAPS))
    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(
        store=st.sampled_from((0, 1)),
        by=people,
        severity=st.sampled_from(Severity.values),
        phone=st.none() | st.sampled_from(PHONES),
        category=st.integers(0, 1),
    )
    def log(self, store: int, by: str, severity: str, phone: str | None, category: int) -> None:
        last_event = self._last_event_id()
        done, _ = self._try(
            lambda: complaint_log(
                actor=self.people[by],
                store=self.stores[store],
                channel="in_person",
                category=self.categories[category],
                severity=severity,
                stage="in_sale",
                description="The soup was cold.",
                customer={"name": "Guest", "phone": phone} if phone else None,
                now=self.now,
            )
        )
        if done is not None:
            complaint, _created = done
            self.complaints.append(complaint.pk)
            assert self._kinds_since(last_event) == [EventKind.LOGGED]
        else:
            assert self._kinds_since(last_event) == []

    @precondition(lambda self: self.complaints)
    @rule(
        which=st.integers(0, 30),
        step=st.sampled_from(STEPS),
        by=people,
        lines=st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(AMOUNTS)), min_size=0, max_size=2),
        hold=st.sampled_from(HOLDS),
        severity=st.sampled_from(Severity.values),
        assignee=st.sampled_from(("frontline1", "frontline2", "frontline3")),
        closure=st.sampled_from(("resolved", "withdrawn")),
    )
    def take(self, which, step, by, lines, hold, severity, assignee, closure) -> None:
        self._take(self._complaint(which), step, self.people[by], lines, hold, severity, assignee, closure)

    @precondition(lambda self: self.complaints)
    @rule(**WALKS)
    def walk(self, which, role, lines, approve, more, strides) -> None:
        """The flow's next steps, ``strides`` of them, by someone of ``role`` who works on the complaint's store,
        a decision by one of the approvers it waits for: the way to grants, decisions and second decisions."""
        complaint = self._complaint(which)
        for _stride in range(strides):
            complaint = self._complaint(which)
            if complaint.status == S.AWAITING_APPROVAL:
                approval = ApprovalRequest.objects.select_related("store").get(
                    complaint=complaint, status=ApprovalStatus.PENDING
                )
                self._decide(approval, self._staff(complaint.store, approval.approver_role), approve)
                continue
            step = NEXT_STEP[complaint.status]
            if step == "follow-up" and more:
                step = "compensation"
            actor = self._staff(complaint.store, role)
            self._take(complaint, step, actor, lines, HOLDS[0], Severity.HIGH, "frontline1", "resolved")

    @precondition(lambda self: self.complaints)
    @rule(**WALKS)
    def walk_another(self, **drawn) -> None:
        """The flow walked more often than the other rules are taken (each rule is drawn as often)."""
        self.walk(**drawn)

    def _take(self, complaint, step, actor, lines, hold, severity, assignee, closure) -> None:
        compensation = [{"kind": kind, "amount": amount, "note": ""} for kind, amount in lines]
        calls = {
            "apologize": lambda: complaint_apologize(complaint=complaint, actor=actor, now=self.now),
            "respond": lambda: complaint_respond_with_compensation(
                complaint=complaint, actor=actor, resolution="Replaced it.", compensation=compensation, now=self.now
            ),
            "compensation": lambda: complaint_compensate(
                complaint=complaint,
                actor=actor,
                compensation=compensation or [{"kind": "voucher", "amount": "20"}],
                now=self.now,
            ),
            "follow-up": lambda: complaint_follow_up(
                complaint=complaint, actor=actor, outcome="Called back", satisfaction=4, now=self.now
            ),
            "close": lambda: complaint_close(
                complaint=complaint,
                actor=actor,
                closure_code=closure,
                servqual_dimension="reliability",
                blueprint_area="back_stage",
                now=self.now,
            ),
            "reopen": lambda: complaint_reopen(complaint=complaint, actor=actor, reason="Came back.", now=self.now),
            "hold": lambda: complaint_hold(
                complaint=complaint,
                actor=actor,
                reason="Waiting for the receipt.",
                until=self.now + hold,
                now=self.now,
            ),
            "resume": lambda: complaint_resume(complaint=complaint, actor=actor, now=self.now),
            "severity": lambda: complaint_change_severity(
                complaint=complaint, actor=actor, severity=severity, now=self.now
            ),
            "assign": lambda: complaint_assign(
                complaint=complaint, actor=actor, assignee=self.people[assignee], now=self.now
            ),
        }
        before = self._complaint_row(complaint.pk)
        counts = (CompensationAction.objects.count(), ApprovalRequest.objects.count())
        last_event = self._last_event_id()
        done, refused = self._try(calls[step])
        written = self._kinds_since(last_event)
        after = self._complaint_row(complaint.pk)
        if done is None:
            assert written == [], f"{step} refused ({refused}) yet wrote {written}"
            assert after == before, f"{step} refused ({refused}) yet changed the complaint"
            assert (CompensationAction.objects.count(), ApprovalRequest.objects.count()) == counts
            return
        assert written == self._expected_events(step, compensation, before, after), (step, before, after)
        event(f"{step} taken" + (" (approval requested)" if after["status"] == S.AWAITING_APPROVAL else ""))

    @precondition(lambda self: self.complaints)
    @rule(pick=st.integers(0, 30), by=people, approve=st.booleans())
    def decide(self, pick: int, by: str, approve: bool) -> None:
        # In an order that is the same when hypothesis plays the steps again (the ids are random).
        approvals = sorted(
            ApprovalRequest.objects.select_related("store"),
            key=lambda approval: (approval.created_at, self.complaints.index(approval.complaint_id)),
        )
        if approvals:
            self._decide(approvals[pick % len(approvals)], self.people[by], approve)

    def _decide(self, approval: ApprovalRequest, actor: User, approve: bool) -> None:
        status_before = approval.status
        last_event = self._last_event_id()
        if approve:
            done, refused = self._try(lambda: approval_approve(approval=approval, actor=actor, now=self.now))
        else:
            done, refused = self._try(
                lambda: approval_reject(approval=approval, actor=actor, reason="Too much.", now=self.now)
            )
        written = self._kinds_since(last_event)
        if done is None:
            assert written == []
            if status_before != ApprovalStatus.PENDING and user_can_see_store(actor, approval.store):
                assert isinstance(refused, ApprovalAlreadyDecided), f"a second decision answered {refused!r}"
                event("a second decision refused")
            if status_before == ApprovalStatus.PENDING and actor.pk == approval.requested_by_id:
                assert refused.status_code == 403, f"deciding one's own request answered {refused!r}"
            return
        assert status_before == ApprovalStatus.PENDING, f"{approval.pk} was {status_before} and decided again"
        assert actor.pk != approval.requested_by_id, "decided by the one who asked"
        event(f"decided: {written[-1]}")
        if not approve:
            assert written == [EventKind.REJECTED]
        elif done.escalated_to:
            assert written == [EventKind.APPROVAL_ESCALATED]
        else:
            assert written == [EventKind.COMPENSATION_GRANTED, EventKind.APPROVED]

    @rule()
    def sweep(self) -> None:
        """Beat, then beat again at the same moment, until it has caught up; then once more: nothing changes.

        A deadline more than one level overdue climbs one level a beat (``recovery.reminders``: "escalate one
        level"), so a second beat at the same moment may raise it again, telling the next level; it never tells a
        level twice (``told_once``). Caught up within the levels there are, a beat at that moment does nothing.
        """
        with time_machine.travel(self.now, tick=False):
            states_seen = [self._swept_state()]
            for _beat in range(MAX_LEVEL + 1):
                helpers.sweep(self.now)
                states_seen.append(self._swept_state())
                if states_seen[-1] == states_seen[-2]:
                    break
            assert states_seen[-1] == states_seen[-2], "the sweep never caught up at one moment"
            helpers.sweep(self.now)
        assert self._swept_state() == states_seen[-1], "the sweep did more when run again at the same moment"

    # --- What must always hold ---------------------------------------------------------------------------

    @invariant()
    def statuses_move_along_the_table(self) -> None:
        approvals = ApprovalRequest.objects.values_list("pk", "complaint_status_before")
        returns_to = {str(pk): before for pk, before in approvals}
        where = {pk: "" for pk in self.complaints}
        moves = ComplaintEvent.objects.filter(kind__in=MOVES).order_by("id")
        for complaint_id, kind, before, after, data in moves.values_list(
            "complaint_id", "kind", "status_before", "status_after", "data"
        ):
            assert before == where[complaint_id], (
                f"{kind} starts from {before}, the complaint was {where[complaint_id]}"
            )
            if kind == EventKind.LOGGED:
                assert after == S.NEW
            elif kind == EventKind.APPROVAL_REQUESTED:
                assert (before in states.APPROVAL_SOURCES, after) == (True, S.AWAITING_APPROVAL), (kind, before, after)
            elif kind == EventKind.REJECTED:
                assert (before, after) == (S.AWAITING_APPROVAL, returns_to[data["approval"]])
            else:
                step = states.STEPS[MOVES[kind]]
                assert (before in step.sources, after) == (True, step.target), (kind, before, after)
            where[complaint_id] = after
        others = ComplaintEvent.objects.exclude(kind__in=MOVES).exclude(status_before="", status_after="")
        assert not others.exists(), "an event that is no step of the table moved a status"
        assert dict(Complaint.objects.values_list("pk", "status")) == where

    @invariant()
    def nothing_granted_above_the_granters_limits(self) -> None:
        granted = {action.pk: action for action in CompensationAction.objects.filter(status=CompensationStatus.GRANTED)}
        by_day: Counter = Counter()
        anonymous: Counter = Counter()
        by_customer: dict[int, list] = defaultdict(list)
        in_events = set()
        people = {user.pk: user for user in User.objects.all()}
        limits = {store.pk: compensation_selectors.limits_by_role(store) for store in Store.objects.all()}
        grants = ComplaintEvent.objects.filter(kind=EventKind.COMPENSATION_GRANTED).order_by("id")
        for actor_id, at, data in grants.values_list("actor_id", "at", "data"):
            actions = [granted[line["id"]] for line in data["compensation"]]
            in_events |= {action.pk for action in actions}
            granter = people[actor_id]
            assert all(action.granted_by_id == actor_id and action.granted_at == at for action in actions)
            role_limits = limits[actions[0].store_id][granter.role]
            total = sum((action.amount for action in actions), Decimal(0))
            largest = max(action.amount for action in actions)
            day = (actor_id, actions[0].business_day)
            customer = actions[0].customer_id
            window = sum((amount for when, amount in by_customer[customer] if when > at - timedelta(days=30)), 0)
            caps = [
                ("per action", role_limits.max_per_action, largest),
                ("per day", role_limits.max_per_day, by_day[day] + total),
            ]
            if customer is not None:
                caps.append(("per customer", role_limits.max_per_customer, window + total))
            else:
                store_day = (actions[0].store_id, actions[0].business_day)
                caps.append(("anonymous per day", role_limits.max_anonymous_per_day, anonymous[store_day] + total))
                anonymous[store_day] += total
            for name, cap, reached in caps:
                assert cap is None or reached <= cap, f"{granter.username} granted {reached} {name}, above {cap}"
            assert all(action.kind in role_limits.allowed_kinds for action in actions)
            by_day[day] += total
            by_customer[customer].append((at, total))
        assert in_events == set(granted), "a grant without its event, or an event without its grant"

    @invariant()
    def decided_once_by_someone_else_entitled(self) -> None:
        decisions = Counter(
            data["approval"]
            for data in ComplaintEvent.objects.filter(kind__in=(EventKind.APPROVED, EventKind.REJECTED)).values_list(
                "data", flat=True
            )
        )
        assert all(count == 1 for count in decisions.values()), decisions
        for approval in ApprovalRequest.objects.select_related("decided_by"):
            decided = approval.status != ApprovalStatus.PENDING
            assert decisions[str(approval.pk)] == (1 if decided else 0)
            if decided:
                assert approval.decided_by_id != approval.requested_by_id
                assert ROLE_RANK[approval.decided_by.role] >= ROLE_RANK[approval.approver_role]

    @invariant()
    def frontline_holds_and_severities_capped(self) -> None:
        frontline = set(User.objects.filter(role=Role.FRONTLINE).values_list("pk", flat=True))
        holds_so_far: Counter = Counter()
        for complaint_id, actor_id, kind, at, data in (
            ComplaintEvent.objects.filter(kind__in=(EventKind.HELD, EventKind.SEVERITY_CHANGED))
            .order_by("id")
            .values_list("complaint_id", "actor_id", "kind", "at", "data")
        ):
            if kind == EventKind.HELD:
                held_for = datetime.fromisoformat(data["until"]) - at
                longest = supervision.FRONTLINE_MAX_HOLD if actor_id in frontline else supervision.MAX_HOLD
                assert timedelta(0) < held_for <= longest, f"held for {held_for}"
                if actor_id in frontline:
                    assert holds_so_far[complaint_id] < supervision.FRONTLINE_HOLDS, "held again by frontline"
                holds_so_far[complaint_id] += 1
            elif actor_id in frontline:
                assert SEVERITY_RANK[Severity(data["to"])] > SEVERITY_RANK[Severity(data["from"])], data

    @invariant()
    def told_once(self) -> None:
        """Each level of each deadline, each approval reminder, each decision: one notice to each recipient."""
        notices = Counter(Notification.objects.values_list("deadline_id", "level", "kind", "recipient_id"))
        assert all(count == 1 for count in notices.values()), notices.most_common(3)
        levels = Counter(
            (complaint_id, data["step"], data["level"], data["due_at"])
            for complaint_id, data in ComplaintEvent.objects.filter(kind=EventKind.ESCALATED).values_list(
                "complaint_id", "data"
            )
        )
        assert all(count == 1 for count in levels.values()), levels.most_common(3)

    @invariant()
    def no_email_twice(self) -> None:
        ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
        assert len(ids) == len(set(ids)), Counter(ids).most_common(3)

    # --- Helpers -------------------------------------------------------------------------------------------

    def _try(self, call):
        """(the service's answer, None), or (None, the refusal) when it refused: then nothing it did stays."""
        with time_machine.travel(self.now, tick=False):
            try:
                with transaction.atomic():
                    return call(), None
            except (ApplicationError, ValidationError) as refused:
                return None, refused

    def _staff(self, store: Store, role: str) -> User:
        """Someone of ``role`` who works on ``store``: its frontline employee or supervisor, the manager, admin."""
        return next(
            user
            for user in self.people.values()
            if user.role == role and user.is_active and user_can_see_store(user, store)
        )

    def _complaint(self, which: int) -> Complaint:
        return Complaint.objects.select_related("store", "customer").get(
            pk=self.complaints[which % len(self.complaints)]
        )

    @staticmethod
    def _complaint_row(pk) -> dict:
        return Complaint.objects.values().get(pk=pk)

    @staticmethod
    def _last_event_id() -> int:
        return ComplaintEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    @staticmethod
    def _kinds_since(event_id: int) -> list[str]:
        return list(ComplaintEvent.objects.filter(id__gt=event_id).order_by("id").values_list("kind", flat=True))

    @staticmethod
    def _expected_events(step: str, compensation: list, before: dict, after: dict) -> list[str]:
        if step in ("respond", "compensation"):
            if after["status"] == S.AWAITING_APPROVAL:
                return [EventKind.APPROVAL_REQUESTED]
            granted = [EventKind.COMPENSATION_GRANTED] if compensation or step == "compensation" else []
            return granted + ([EventKind.RESPONDED] if step == "respond" else [])
        if step == "severity" and after["severity"] == before["severity"]:
            return []  # the same severity: nothing to do
        if step == "assign" and after["assignee_id"] == before["assignee_id"]:
            return []
        return STEP_EVENTS[step]

    @staticmethod
    def _swept_state() -> tuple:
        return (
            ComplaintEvent.objects.count(),
            sorted(Notification.objects.values_list("pk", flat=True)),
            sorted(OutboxMessage.objects.values_list("idempotency_key", "status")),
            sorted(Deadline.objects.values_list("pk", "level", "next_check_at", "closed_at", "paused_at")),
            sorted(
                (str(pk), role, status)
                for pk, role, status in ApprovalRequest.objects.values_list("pk", "approver_role", "status")
            ),
            sorted(
                (str(pk), status, until)
                for pk, status, until in Complaint.objects.values_list("pk", "status", "on_hold_until")
            ),
            len(mail.outbox),
        )


@pytest.mark.timeout(900)
def test_the_desk_keeps_its_invariants_whatever_the_order_of_work(desk):
    run_state_machine_as_test(
        RecoveryDesk,
        settings=settings(
            # 15-60 s here; more when hunting: STATEFUL_PROPERTY_EXAMPLES=300 STATEFUL_PROPERTY_STEPS=80.
            max_examples=int(os.environ.get("STATEFUL_PROPERTY_EXAMPLES", "16")),
            stateful_step_count=int(os.environ.get("STATEFUL_PROPERTY_STEPS", "35")),
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
