"""Logging a complaint (listen and record): the complaint, its customer, reference, first event and due times.

All or nothing; idempotent by the client's id (a retry returns the first complaint). A new customer's
complaint is one statement (``complaints.intake_write``).
"""

import hashlib
import json
import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.customers import (
    customer_fill_in,
    customer_find,
    customer_lacks,
    normalize_email,
    normalize_phone,
)
from complaints.deadlines import complaint_insert_with_deadlines, deadlines_on_logging
from complaints.errors import IdConflict
from complaints.events import event_new
from complaints.intake_write import complaint_insert_with_customer
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    Deadline,
    EventKind,
    ReferenceCounter,
)
from complaints.selectors import complaint_as_written
from complaints.services.transitions import assignee_check
from core.errors import NotPermitted
from core.statements import one_statement_atomic
from staff.models import Role, Store, User
from staff.selectors import user_can_see_store


def complaint_log(
    *,
    actor: User,
    channel: str,
    category: Category,
    stage: str,
    description: str,
    id: uuid.UUID | None = None,
    store: Store | None = None,
    severity: str = "medium",
    servqual_dimension: str = "",
    blueprint_area: str = "",
    desired_outcome: str = "",
    customer: dict[str, str] | None = None,
    contact_consent: bool = False,
    assignee: User | None = None,
    now: datetime | None = None,
) -> tuple[Complaint, bool]:
    """Log a complaint (status ``new``). Returns ``(complaint, created)``.

    With a client-chosen ``id``, logging the same complaint again returns the first one and
    creates nothing; a different complaint under that id is an ``IdConflict``. A new complaint comes
    back as ``selectors.complaint_get`` would give it (its event and deadlines attached): nothing to
    read back.
    """
    store = _store_for_new_complaint(actor, store)
    assignee = _assignee_for_new_complaint(actor, store, assignee)
    customer = customer or {}
    intake = {
        "store": store.code,
        "channel": channel,
        "category": category.code,
        "severity": severity,
        "stage": stage,
        "servqual_dimension": servqual_dimension,
        "blueprint_area": blueprint_area,
        "description": description,
        "desired_outcome": desired_outcome,
        "customer": {
            "name": (customer.get("name") or "").strip(),
            "phone": normalize_phone(customer.get("phone") or ""),
            "email": normalize_email(customer.get("email") or ""),
        },
        "contact_consent": contact_consent,
        "assignee": assignee.username,
    }
    if contact_consent and not (intake["customer"]["phone"] or intake["customer"]["email"]):
        raise ValidationError(
            {"contact_consent": _("To be contacted, the customer gives a phone number or an email address.")}
        )
    digest = intake_digest(intake)

    if id is not None:
        existing = Complaint.objects.filter(pk=id).select_related("store").first()
        if existing is not None:
            return _earlier_complaint_or_conflict(existing, actor=actor, digest=digest), False
    now = now or timezone.now()
    complaint = Complaint(
        id=id or uuid.uuid4(),
        store=store,
        channel=channel,
        category=category,
        severity=severity,
        stage=stage,
        servqual_dimension=servqual_dimension,
        blueprint_area=blueprint_area,
        description=description,
        desired_outcome=desired_outcome,
        contact_consent=contact_consent,
        assignee=assignee,
        created_by=actor,
        status=ComplaintStatus.NEW,
        intake_digest=digest,
        created_at=now,
    )
    event_data = {"channel": channel, "severity": severity, "assignee": assignee.username}
    try:
        opened, logged = _complaint_insert_in_one_statement(
            complaint, customer=intake["customer"], actor=actor, now=now, event_data=event_data
        )
    except IntegrityError:
        # Two tablets sent the same id at once: the primary key let one in; return it to both.
        existing = Complaint.objects.filter(pk=id).select_related("store").first() if id else None
        if existing is None:
            raise
        return _earlier_complaint_or_conflict(existing, actor=actor, digest=digest), False
    return complaint_as_written(complaint, events=[logged], open_deadlines=opened, now=now), True


def _complaint_insert_in_one_statement(
    complaint: Complaint, *, customer: dict[str, str], actor: User, now: datetime, event_data: dict
) -> tuple[list[Deadline], ComplaintEvent]:
    """``complaint_insert_logged`` with its customer (``customer_find_or_create``'s): a new customer's
    complaint in one statement, a known customer's in one after the customer is read.

    Most complaints come from someone new: their customer is inserted with the complaint, and when the phone
    or email turns out to be a known customer's, that statement writes nothing and the customer is read.
    """
    name, phone, email = customer["name"], customer["phone"], customer["email"]
    if not (name or phone or email):
        complaint.customer = None
    for _attempt in range(2):
        if name or phone or email:
            # A name alone identifies nobody: it is recorded on a customer of its own, never refused.
            complaint.customer = Customer(name=name, phone=phone, email=email, created_at=now)
            # This request makes them: they have no history yet for anyone to read back (recovery's flags).
            complaint.customer.created_just_now = True
            opened, logged = _complaint_prepared(complaint, actor=actor, now=now, event_data=event_data)
            with one_statement_atomic():
                if complaint_insert_with_customer(
                    complaint,
                    opened,
                    logged,
                    reference_day=_reference_day(complaint.store, now),
                    new_customer=complaint.customer,
                ):
                    return opened, logged
            known = customer_find(phone=phone, email=email)
            if known is None:
                continue  # the customer whose phone or email refused the insert was deleted meanwhile (an admin)
            complaint.customer = known
        opened, logged = _complaint_prepared(complaint, actor=actor, now=now, event_data=event_data)
        # Filling in what the customer's record lacks commits with the complaint, or not at all.
        missing = complaint.customer is not None and customer_lacks(
            complaint.customer, name=name, phone=phone, email=email
        )
        with transaction.atomic() if missing else one_statement_atomic():
            if missing:
                customer_fill_in(complaint.customer, name=name, phone=phone, email=email)
            complaint_insert_with_customer(
                complaint, opened, logged, reference_day=_reference_day(complaint.store, now), new_customer=None
            )
        return opened, logged
    raise RuntimeError("complaint_log lost two races for its customer in a row")


def intake_digest(intake: dict) -> str:
    return hashlib.sha256(json.dumps(intake, sort_keys=True).encode()).hexdigest()


def complaint_insert_logged(
    complaint: Complaint, *, actor: User | None, now: datetime, event_data: dict
) -> tuple[list[Deadline], ComplaintEvent]:
    """Write a new complaint built in memory by the caller, in the caller's transaction: check its plain fields,
    open its deadlines, give it its reference, insert it, and record its ``logged`` event (``actor`` None: the
    customer logged it). Returns the open deadlines and the event."""
    opened, logged = _complaint_prepared(complaint, actor=actor, now=now, event_data=event_data)
    # Everything that only reads comes first: the reference counter's row lock is held
    # until commit, so it is taken as late as possible to keep a busy store's creates from
    # queueing long.
    complaint.reference = _next_reference(complaint.store, now)
    # The complaint, its deadlines and the event in one statement; writing the event records the complaint's
    # facts for the metrics, from the other rows.
    complaint_insert_with_deadlines(complaint, opened, logged=logged)
    return opened, logged


def _complaint_prepared(
    complaint: Complaint, *, actor: User | None, now: datetime, event_data: dict
) -> tuple[list[Deadline], ComplaintEvent]:
    """What a new complaint is written with, all read and checked before anything is written: its plain fields
    checked, its deadlines opened (its next due time set) and its ``logged`` event."""
    # Related objects were resolved by the caller; check the plain fields (choices, lengths).
    complaint.full_clean(
        exclude=["id", "reference", "store", "customer", "category", "assignee", "created_by"],
        validate_unique=False,
    )
    opened = deadlines_on_logging(complaint, now=now)
    logged = event_new(
        complaint=complaint, kind=EventKind.LOGGED, actor=actor, at=now, status_after=complaint.status, data=event_data
    )
    return opened, logged


def _store_for_new_complaint(actor: User, store: Store | None) -> Store:
    store = store or actor.store
    if store is None:
        raise ValidationError({"store": _("Say which store the complaint belongs to.")})
    if not user_can_see_store(actor, store):
        raise NotPermitted(_("You cannot log complaints for store %(store)s.") % {"store": store.code})
    return store


def _assignee_for_new_complaint(actor: User, store: Store, assignee: User | None) -> User:
    if assignee is None or assignee.pk == actor.pk:
        return actor
    if not actor.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted(_("Only supervisors and above may assign a complaint to someone else."))
    assignee_check(assignee, store)
    return assignee


def _earlier_complaint_or_conflict(existing: Complaint, *, actor: User, digest: str) -> Complaint:
    if existing.intake_digest != digest or not user_can_see_store(actor, existing.store):
        raise IdConflict()
    return existing


def _next_reference(store: Store, now: datetime) -> str:
    """``S1-20261122-0007``: the store, its local date, and a per-store daily counter."""
    day = _reference_day(store, now)
    table = ReferenceCounter._meta.db_table
    # One statement that both creates and increments the counter: concurrent requests queue on
    # the row instead of reading the same number.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (store_id, day, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (store_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [store.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{store.code}-{day:%Y%m%d}-{number:04d}"


def _reference_day(store: Store, now: datetime) -> date:
    return timezone.localdate(now, store.zone)
