"""A complaint's timeline as people read it: each event with what it carried (amounts, to whom, notes, the
closure code and root cause), from the event log's data; names of people, labels of codes, money in the store's
currency, times in the store's zone."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from complaints.models import (
    BlueprintArea,
    ClosureCode,
    Complaint,
    ComplaintEvent,
    EventKind,
    ServqualDimension,
    Severity,
)
from outbox.models import OutboxMessage, SmsKind
from outbox.selectors import messages_of_complaint
from recovery.models import CompensationKind
from recovery.notices import notifications
from staff.models import User
from web.templatetags.web import money


@dataclass
class Entry:
    event: ComplaintEvent
    details: list[str] = field(default_factory=list)


def timeline(complaint: Complaint, events: list[ComplaintEvent]) -> list[Entry]:
    usernames = {event.data.get("to") for event in events if event.kind == EventKind.ASSIGNED} | {
        event.data.get("approver") for event in events if event.kind == EventKind.IN_PERSON_REFUSED
    }
    names = {
        user.username: user.get_full_name() or user.username
        for user in User.objects.filter(username__in=usernames - {None})
    }
    return [Entry(event, _details(event, complaint, names)) for event in events]


@dataclass
class Delivery:
    """One outgoing message about the complaint, as the timeline shows it."""

    message: OutboxMessage
    kind: str
    to: str
    status: str


def deliveries(complaint: Complaint) -> list[Delivery]:
    """The messages the complaint caused (texts and emails to the customer, alerts, webhooks) and what became of
    each; a phone or address shown by its last characters only. Staff's emails are their notifications' (the
    inbox), not the complaint's: left out."""
    shown = []
    for message in messages_of_complaint(complaint.pk, leaving_out=(notifications.EMAIL_KIND,)):
        status = message.get_status_display()
        if message.error_code:
            status = f"{status} ({message.error_code})"
        if message.attempts > 1:
            status += " · " + _("%(count)s tries") % {"count": message.attempts}
        to = message.destination
        if message.channel in ("sms", "email") and len(to) > 4:
            to = "…" + to[-4:]
        shown.append(Delivery(message, _label(SmsKind, message.kind), to, status))
    return shown


def latest_rejection(events: list[ComplaintEvent]) -> ComplaintEvent | None:
    """The last decision on an approval request, when it was a rejection not yet followed by another request."""
    for event in reversed(events):
        if event.kind == EventKind.REJECTED:
            return event
        if event.kind in (EventKind.APPROVAL_REQUESTED, EventKind.APPROVED, EventKind.RESPONDED):
            return None
    return None


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _amount(value, currency: str) -> str:
    try:
        return money(Decimal(value), currency)
    except (InvalidOperation, TypeError):
        return str(value)


def _details(event: ComplaintEvent, complaint: Complaint, names: dict[str, str]) -> list[str]:
    data, currency = event.data or {}, complaint.store.currency
    details = []
    for line in data.get("compensation") or []:
        text = f"{_label(CompensationKind, line.get('kind'))} {_amount(line.get('amount'), currency)}"
        details.append(f"{text} · {line['note']}" if line.get("note") else text)
    if event.kind == EventKind.ASSIGNED and data.get("to"):
        details.append(_("to %(name)s") % {"name": names.get(data["to"], data["to"])})
    if event.kind == EventKind.SEVERITY_CHANGED and data.get("to"):
        details.append(
            _("%(before)s → %(after)s")
            % {"before": _label(Severity, data.get("from")), "after": _label(Severity, data["to"])}
        )
    if data.get("closure_code"):
        details.append(_("How it ended: %(code)s") % {"code": _label(ClosureCode, data["closure_code"])})
    if data.get("servqual_dimension"):
        details.append(_("What failed: %(what)s") % {"what": _label(ServqualDimension, data["servqual_dimension"])})
    if data.get("blueprint_area"):
        details.append(_("Where it failed: %(where)s") % {"where": _label(BlueprintArea, data["blueprint_area"])})
    if event.kind == EventKind.HELD and (until := parse_datetime(data.get("until") or "")):
        local = timezone.localtime(until, complaint.store.zone)
        details.append(_("until %(time)s") % {"time": date_format(local, "SHORT_DATETIME_FORMAT")})
    if event.kind == EventKind.IN_PERSON_REFUSED and data.get("approver"):
        details.append(_("Approver: %(name)s") % {"name": names.get(data["approver"], data["approver"])})
        if locked_until := parse_datetime(data.get("locked_until") or ""):
            local = timezone.localtime(locked_until, complaint.store.zone)
            details.append(
                _("locked on this device until %(time)s") % {"time": date_format(local, "SHORT_DATETIME_FORMAT")}
            )
    if data.get("resolution"):
        details.append(_("Response: %(text)s") % {"text": data["resolution"]})
    if data.get("outcome"):
        details.append(_("The customer said: %(text)s") % {"text": data["outcome"]})
    if data.get("satisfaction"):
        details.append(_("Satisfaction %(score)s/5") % {"score": data["satisfaction"]})
    if data.get("reason"):
        details.append(_("Reason: %(text)s") % {"text": data["reason"]})
    if data.get("note"):
        details.append(_("Note: %(text)s") % {"text": data["note"]})
    return details
