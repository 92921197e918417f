"""Demo volume: a year of complaint history over many stores (``seed_demo --complaints N``), written in bulk.

So that the recovery metrics, the lists and the sweep can be tried on realistic volumes. The history is walked
in memory from the domain's own rules (``demo.history``), a chunk of complaints at a time, and each chunk written
in one transaction with COPY (``demo.rows``); the metrics' facts are filled once at the end.
"""

import gc
import random
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from time import monotonic
from zoneinfo import ZoneInfo

from django.db import connection, connections, models, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, Customer, CustomerTierChange, Deadline
from core.bulk_rows import rows_update
from demo.draws import DemoRandom
from demo.history import History, WalkedComplaint, WalkedCustomer, World
from demo.organisation import demo_stores_ensure
from demo.rows import Rows, Writer, references_take
from recovery.metrics.projection import DAY_SUM_TABLES
from recovery.models import ApprovalRequest, CompensationAction, ComplaintFacts
from staff.models import Store, StoreCustomerCount

CHUNK_SIZE = 10_000


COUNTS = ("complaints", "events", "deadlines", "compensation_actions", "approval_requests", "customers", "tier_changes")


@dataclass
class VolumeSummary:
    complaints: int = 0
    events: int = 0
    deadlines: int = 0
    compensation_actions: int = 0
    approval_requests: int = 0
    customers: int = 0
    tier_changes: int = 0
    stores: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.complaints / self.seconds if self.seconds else 0.0

    def add(self, other: "VolumeSummary") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, count in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + count


@dataclass
class _Chunk:
    """One chunk's rows, read from the walk's records when the chunk ends: the writer, in another thread, never
    sees what the walk changes afterwards (a customer's tier)."""

    summary: VolumeSummary
    reference_keys: list  # (store id, store's local day, store code) of each complaint, in order
    tables: list[Rows]  # in the order written
    tiers_changed: list  # customers of earlier chunks whose tier changed: (id, tier id)


def _chunk(complaints: list[WalkedComplaint], taken: tuple[list, list, list[WalkedCustomer]]) -> _Chunk:
    new_customers, tier_changes, tiers_changed = taken
    summary = VolumeSummary(complaints=len(complaints), customers=len(new_customers), tier_changes=len(tier_changes))
    for c in complaints:
        summary.by_status[c.status] = summary.by_status.get(c.status, 0) + 1
    events = [event for c in complaints for event in c.events]
    deadlines = [deadline for c in complaints for deadline in c.deadlines]
    actions = [action for c in complaints for action in c.actions]
    approvals = [approval for c in complaints for approval in c.approvals]
    summary.events, summary.deadlines = len(events), len(deadlines)
    summary.compensation_actions, summary.approval_requests = len(actions), len(approvals)
    return _Chunk(
        summary=summary,
        reference_keys=[
            (c.store.store.pk, timezone.localdate(c.created_at, c.store.store.zone), c.store.store.code)
            for c in complaints
        ],
        tables=[
            Rows.of(Customer, [customer.row for customer in new_customers]),
            Rows.of(CustomerTierChange, tier_changes),
            Rows.of(Complaint, [c.row() for c in complaints]),
            Rows.of(ApprovalRequest, approvals),
            Rows.of(CompensationAction, actions),
            Rows.of(Deadline, deadlines),
            # Events last, as every change writes them (complaints/events.py).
            Rows.of(ComplaintEvent, events),
        ],
        tiers_changed=[(customer.row.id, customer.row.tier_id) for customer in tiers_changed],
    )


def _chunk_commit(chunk: _Chunk, writer: Writer) -> VolumeSummary:
    """Write one chunk in one transaction: its complaints' references, then every table's rows."""
    with transaction.atomic():
        _facts_deferred(True)
        complaints = next(rows for rows in chunk.tables if rows.model is Complaint)
        reference = complaints.column("reference")
        for values, taken in zip(complaints.values, references_take(chunk.reference_keys), strict=True):
            values[reference] = taken
        for rows in chunk.tables:
            writer.write(rows)
        if chunk.tiers_changed:
            changed = [Customer(pk=pk, tier_id=tier_id) for pk, tier_id in chunk.tiers_changed]
            rows_update(Customer, changed, ["tier"])
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
    now = now or timezone.now()
    use_copy = True if use_copy is None else use_copy
    # Reproducible on purpose (demo data); a second run on the same database draws a new history.
    rng = DemoRandom(f"{seed}:{Complaint.objects.count()}")
    with transaction.atomic():
        store_list = demo_stores_ensure(stores)
    history = History(World.load(store_list, rng), rng, now, first_customer=Customer.objects.count())
    writer = Writer(use_copy)
    total = VolumeSummary(stores=len(store_list))
    clock_started = monotonic()

    def committed(chunk: VolumeSummary) -> None:
        total.add(chunk)
        if progress:
            progress(total.complaints, complaints, monotonic() - clock_started)

    # On two cores, Python walks the next chunk while the database takes this one (COPY, then the
    # deferred foreign-key checks at commit): a writer thread with its own connection, one chunk
    # behind. Not inside a caller's transaction, whose rows another connection could not see.
    pool = ThreadPoolExecutor(max_workers=1) if use_copy and not connection.in_atomic_block else None
    writing: Future | None = None
    # The walk makes no reference cycles: the cyclic collector would only walk the live objects
    # (a quarter of a million recent customers at a million complaints) again and again, which took
    # 40% of Python's time at a million; reference counting frees everything.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for moments in history.arrivals(complaints, chunk_size):
            history.customers_reserve(len(moments))
            walked = [history.complaint(moment) for moment in moments]
            job = partial(_chunk_commit, _chunk(walked, history.chunk_taken()), writer)
            history.forget_before(moments[-1])
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
        loaded = (
            Customer,
            CustomerTierChange,
            Complaint,
            ComplaintEvent,
            Deadline,
            ApprovalRequest,
            CompensationAction,
        )
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
