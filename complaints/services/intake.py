"""Logging a complaint (listen and record): the complaint, its customer, reference, first event and due times.

All or nothing; idempotent by the client's id (a retry returns the first complaint). A new customer's
complaint is one statement (``complaints.intake_write``). ``complaint_write`` is the one way a complaint is
written: the public form's intake writes with it too.
"""

import hashlib
import inspect
import json
import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.customer_messages import logged_sms_new
from complaints.customers import (
    customer_fill_in,
    customer_find,
    customer_lacks,
    normalize_email,
    normalize_phone,
)
from complaints.deadlines import deadlines_on_logging
from complaints.errors import IdConflict
from complaints.events import event_new, logged_data
from complaints.intake_write import complaint_insert_with_customer
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Customer,
    Deadline,
    EventKind,
)
from complaints.selectors import complaint_as_written
from complaints.services.transitions import assignee_check
from complaints.webhook_events import event_webhook_rows
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
    customer = customer_normalized(customer or {})
    if contact_consent and not (customer["phone"] or customer["email"]):
        raise ValidationError(
            {"contact_consent": _("To be contacted, the customer gives a phone number or an email address.")}
        )
    # Every input the caller gave, as it was resolved, but who logs it, when and under which id: a retry of the
    # same complaint under its id gives the same digest; another complaint under that id, another one.
    given = {name: value for name, value in locals().items() if name in _INTAKE_PARAMETERS}
    digest = intake_digest(given | {"store": store, "assignee": assignee, "customer": customer})

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
    event_data = logged_data(channel=channel, severity=severity, assignee=assignee.username)
    try:
        opened, logged = complaint_write(complaint, customer=customer, actor=actor, now=now, event_data=event_data)
    except IntegrityError:
        # Two tablets sent the same id at once: the primary key let one in; return it to both.
        existing = Complaint.objects.filter(pk=id).select_related("store").first() if id else None
        if existing is None:
            raise
        return _earlier_complaint_or_conflict(existing, actor=actor, digest=digest), False
    return complaint_as_written(complaint, events=[logged], open_deadlines=opened, now=now), True


def complaint_write(
    complaint: Complaint,
    *,
    customer: dict[str, str],
    actor: User | None,
    now: datetime,
    event_data: dict,
    customer_language: str = "",
) -> tuple[list[Deadline], ComplaintEvent]:
    """The one way a new complaint is written, whoever logs it (staff, or the customer on the public form:
        ``actor`` None): built in memory by the caller, its plain fields checked, its deadlines opened, its customer
        found, made or filled in from ``customer`` (``customer_normalized``), its reference numbered, and the
        complaint, deadlines and ``logged`` event written, with the customer's text message when they may be texted (in
    their language, else ``customer_language``, their phone's on the public form). Returns the open deadlines and the
    event. In the caller's
        transaction if there is one (what the caller writes with it commits with it), else on its own.

        Most complaints come from someone new: their customer is inserted with the complaint, in one statement
        (``complaints.intake_write``); when the phone or email turns out to be a known customer's, that statement
        writes nothing, and the customer is read and the complaint written with them in a second.
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
                    messages=_logged_messages(complaint, logged, now=now, language=customer_language),
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
                complaint,
                opened,
                logged,
                reference_day=_reference_day(complaint.store, now),
                new_customer=None,
                messages=_logged_messages(complaint, logged, now=now, language=customer_language),
            )
        return opened, logged
    raise RuntimeError("complaint_log lost two races for its customer in a row")


def _logged_messages(complaint: Complaint, logged: ComplaintEvent, *, now: datetime, language: str) -> list:
    """What a new complaint sends, written in its intake's statement: the customer's text (in ``language``, as
    ``logged_sms_new`` takes it), the integrators' webhooks."""
    webhooks = event_webhook_rows(logged, complaint, cause=f"logged:{complaint.pk}", now=now)
    return [*logged_sms_new(complaint, now=now, language=language), *webhooks]


# What makes a logged complaint the same as another: complaint_log's inputs, but who logs it, when, and its id.
_INTAKE_PARAMETERS = frozenset(inspect.signature(complaint_log).parameters) - {"actor", "now", "id"}


def intake_digest(given: dict) -> str:
    """A digest of a complaint's inputs (models by their natural key), the same for the same inputs."""

    def plain(value):
        if isinstance(value, Store | Category):
            return value.code
        if isinstance(value, User):
            return value.username
        return value

    return hashlib.sha256(json.dumps({k: plain(v) for k, v in given.items()}, sort_keys=True).encode()).hexdigest()


def customer_normalized(customer: dict[str, str]) -> dict[str, str]:
    """A customer as given at intake, in the form they are found and stored by: name, phone, email."""
    return {
        "name": (customer.get("name") or "").strip(),
        "phone": normalize_phone(customer.get("phone") or ""),
        "email": normalize_email(customer.get("email") or ""),
    }


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


def _reference_day(store: Store, now: datetime) -> date:
    return timezone.localdate(now, store.zone)
