"""Every field that can hold text, an address or a file, classified once: erased when a customer is forgotten, kept, or
derived from other fields (``tests/recovery/test_personal_data.py`` fails for a field of any installed app left out).

A field with choices holds one of its codes and cannot hold anyone's words: it needs no entry. Forgetting a customer
(``recovery.customers.privacy``) writes the ``blank`` of each erased field that has one over their rows; the others
say how they are erased, by code of their own there.
"""

from dataclasses import dataclass

from django.db import models

from complaints.events import REMOVED
from core.audit import AUDITED, NOT_AUDITED_FIELDS


@dataclass(frozen=True)
class Erased:
    """Gone when the customer is forgotten: written over with ``blank`` on their rows, or (``blank`` None) as ``how``
    says."""

    how: str
    blank: str | None = None


@dataclass(frozen=True)
class Kept:
    """Kept as it is: ``why`` it holds nothing of a customer, or is kept all the same."""

    why: str


@dataclass(frozen=True)
class Derived:
    """Computed from other fields, and follows them."""

    source: str


Handling = Erased | Kept | Derived

BLANKED = "blanked"
ORGANISATION = "the organisation's own settings and names, typed by admins"
STAFF_ACCOUNT = "a staff member's own account, not a customer's"
STAFF_SIGN_IN = "staff members' sign-in attempts (django-axes): their usernames, addresses and browsers"
AXES_FIELDS = ("username", "ip_address", "user_agent", "http_accept", "path_info")
COMPLAINT_CODES = "the complaint's codes, copied by the metrics' projection"

FIELDS: dict[str, Handling] = {
    # The customer and what they said
    "complaints.Customer.name": Erased(BLANKED, blank=""),
    "complaints.Customer.phone": Erased(BLANKED, blank=""),
    "complaints.Customer.email": Erased(BLANKED, blank=""),
    "complaints.CustomerTierChange.reason": Erased("staff's words about the customer", blank=REMOVED),
    "complaints.Complaint.description": Erased("the customer's own words", blank=REMOVED),
    "complaints.Complaint.desired_outcome": Erased(BLANKED, blank=""),
    "complaints.Complaint.resolution": Erased(BLANKED, blank=""),
    "complaints.Complaint.follow_up_outcome": Erased(BLANKED, blank=""),
    "complaints.Complaint.hold_reason": Erased(BLANKED, blank=""),
    "complaints.Complaint.intake_digest": Erased("a hash of the request that logged it, their phone in it", blank=""),
    "complaints.Complaint.reference": Derived("the store's code, the day and a number"),
    "complaints.Complaint.status_token": Kept("random: what makes the customer's status link its own"),
    "complaints.ComplaintPhoto.image": Erased("the photo's row and its file are deleted"),
    "complaints.ComplaintEvent.data": Erased(
        "what was typed into it becomes [removed] (complaints.events.events_redact); kinds and figures stay"
    ),
    "recovery.ApprovalRequest.resolution": Erased(BLANKED, blank=""),
    "recovery.ApprovalRequest.note": Erased(BLANKED, blank=""),
    "recovery.ApprovalRequest.decision_note": Erased(BLANKED, blank=""),
    "recovery.ApprovalRequest.exceeded": Kept("which limits a request went over: names and amounts"),
    "recovery.ApprovalRequest.complaint_status_before": Kept("a complaint status"),
    "recovery.CompensationAction.note": Erased(BLANKED, blank=""),
    "recovery.CompensationAction.currency": Kept("a currency code"),
    "recovery.Notification.text": Erased(
        "the customer's name, phone, email and words, and the notes erased elsewhere, become ***"
    ),
    "recovery.SurveyInvitation.emailed_to": Erased(BLANKED, blank=""),
    "recovery.SurveyInvitation.comment": Erased(BLANKED, blank=""),
    "recovery.SurveyInvitation.nonce": Kept("random: what makes the survey's link its own"),
    # The outbox: what was sent to whom. The number or address, and what the message carried, go; the facts stay.
    "outbox.OutboxMessage.destination": Erased(BLANKED, blank=""),
    "outbox.OutboxMessage.payload": Erased(
        "emptied: what a message carried (its words, links, a webhook's body)", blank={}
    ),
    "outbox.OutboxMessage.error_message": Kept("the provider's words about a failure, the number taken out"),
    "outbox.OutboxMessage.kind": Kept("a message kind's code"),
    "outbox.OutboxMessage.language": Kept("a language code"),
    "outbox.OutboxMessage.provider": Kept("the provider's name"),
    "outbox.OutboxMessage.provider_message_id": Kept("the provider's id for the message"),
    "outbox.OutboxMessage.error_code": Kept("the provider's error code"),
    "outbox.OutboxMessage.idempotency_key": Kept("made of kinds and primary keys"),
    # Work chat robots and webhook subscriptions (integrations): the organisation's settings, no customer's data.
    "integrations.ChatRobot.name": Kept(ORGANISATION),
    "integrations.ChatRobot.webhook_url": Kept(ORGANISATION),
    "integrations.ChatRobot.secret": Kept("a robot's signing secret, set by an admin"),
    "integrations.WebhookSubscription.name": Kept(ORGANISATION),
    "integrations.WebhookSubscription.url": Kept(ORGANISATION),
    "integrations.WebhookSubscription.secret": Kept("a subscription's signing secret, made for it"),
    "integrations.WebhookSubscription.events": Kept("event type codes"),
    "integrations.WebhookSubscription.disabled_reason": Kept("the endpoint's last answer (a status, an error)"),
    "outbox.SmsOptOut.phone": Kept(
        "a number that asked for no more text messages: kept, so that none goes to it again (deleted in the admin)"
    ),
    "outbox.SmsOptOut.word": Kept("the opt-out word the number replied"),
    "outbox.SmsOptOut.provider": Kept("the provider's name"),
    "core.IdempotencyRecord.response_body": Erased(
        "an answer that names one of their complaints is deleted with its record (a replay would show it as it was)"
    ),
    "core.IdempotencyRecord.request_digest": Derived("a hash of the request; deleted with its record"),
    "core.IdempotencyRecord.key": Kept("chosen by the client, at random"),
    "admin.LogEntry.object_repr": Erased("the customer as the admin's history names them becomes their blank name"),
    "admin.LogEntry.object_id": Kept("a primary key"),
    "admin.LogEntry.change_message": Kept("which fields an admin changed, not their values"),
    # The metrics' facts: copies of the complaint's codes
    **{
        f"recovery.{model}.{field}": Derived(COMPLAINT_CODES)
        for model in ("ComplaintFacts", "ComplaintFactsNow")
        for field in ("channel", "severity", "stage", "servqual_dimension", "blueprint_area")
    },
    # The organisation
    **{
        field: Kept(ORGANISATION)
        for field in (
            "staff.Region.code",
            "staff.Region.name",
            "staff.Store.code",
            "staff.Store.name",
            "staff.Store.timezone",
            "staff.Store.currency",
            "staff.Store.public_token",
            "outbox.MessageTemplate.text",
            "staff.StoreHoliday.name",
            "complaints.Category.code",
            "complaints.Category.name_en",
            "complaints.Category.name_zh",
            "complaints.Category.apology_script_en",
            "complaints.Category.apology_script_zh",
            "complaints.CustomerTier.name_en",
            "complaints.CustomerTier.name_zh",
            "recovery.EmpowermentPolicy.allowed_kinds",
            "recovery.CompensationGuideline.note",
            "auth.Group.name",
            "auth.Permission.name",
            "auth.Permission.codename",
            "contenttypes.ContentType.app_label",
            "contenttypes.ContentType.model",
        )
    },
    # Staff
    **{
        field: Kept(STAFF_ACCOUNT)
        for field in (
            "staff.User.username",
            "staff.User.password",
            "staff.User.first_name",
            "staff.User.last_name",
            "staff.User.email",
            "staff.User.browser_language",
            "recovery.ApprovalPin.pin_hash",
        )
    },
    **{
        f"core.SigninDeviceFailures.{field}": Kept(
            "a staff member's failed sign-ins on one device: their username and a random id of the device"
        )
        for field in ("username", "device")
    },
    "sessions.Session.session_data": Kept(
        "a staff member's session: a refused form waits in it until its page shows it once (nothing was written, "
        "so nothing ties it to a customer), and it ends with the session"
    ),
    **{
        f"axes.{model}.{field}": Kept(STAFF_SIGN_IN)
        for model, fields in {
            "AccessAttempt": (*AXES_FIELDS, "get_data", "post_data"),
            "AccessFailureLog": AXES_FIELDS,
            "AccessLog": (*AXES_FIELDS, "session_hash"),
        }.items()
        for field in fields
    },
}

# The kinds of field that can hold someone's words, address or picture.
FREE_FORM_FIELDS = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.FileField,
    models.GenericIPAddressField,
)


def field_key(field: models.Field) -> str:
    """How ``FIELDS`` names ``field``: ``app_label.Model.field``."""
    return f"{field.model._meta.label}.{field.name}"


def fields_to_classify(model: type[models.Model]) -> list[models.Field]:
    """The fields of ``model`` that can hold personal data: free text, addresses, files, JSON (no choices; a primary
    key is the row's name, random or counted)."""
    if model._meta.proxy:
        return []
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, FREE_FORM_FIELDS) and not field.choices and not field.primary_key
    ]


# The configuration audit (core/audit.py): each audited model's settings as they were at each change, in its
# ``<Model>Audit`` table (a copy of each field, derived from it), and who changed them. No
# customer's data is audited.
AUDIT_WHO = "who changed a setting: a staff member's id and username, as they were then (or nobody: the system)"


def _audit_copies() -> dict[str, Handling]:
    """Each audit table's copies of its model's fields, and who made each change."""
    found: dict[str, Handling] = {}
    for model in AUDITED:
        table = f"{model._meta.label}Audit"
        found |= {
            f"{table}.{field.name}": Derived(f"{field_key(field)} as it was at a change")
            for field in fields_to_classify(model)
            if field.name not in NOT_AUDITED_FIELDS[model]
        }
        found[f"{table}.pgh_context"] = Kept(AUDIT_WHO)
        found[f"{table}.pgh_label"] = Kept("what the change was: created, changed, deleted")
    return found


FIELDS |= _audit_copies()
FIELDS |= {
    # django-pghistory's own models: its context table (unused here: who is kept in each row) and its view of every
    # audit table at once, read by the audit's page.
    "pghistory.Context.metadata": Kept(AUDIT_WHO),
    **{
        f"pghistory.Events.{field}": Kept("the audit tables' rows, read as one list")
        for field in ("pgh_context", "pgh_data", "pgh_diff", "pgh_label", "pgh_model", "pgh_obj_id", "pgh_obj_model")
    },
}


def written_over(model: type[models.Model]) -> dict[str, str]:
    """The erased fields of ``model`` that forgetting writes over, with what it writes."""
    label = model._meta.label
    return {
        name: handling.blank
        for key, handling in FIELDS.items()
        if isinstance(handling, Erased) and handling.blank is not None
        for model_label, name in [key.rsplit(".", 1)]
        if model_label == label
    }
