"""The text messages a complaint sends its customer, written to the outbox in the transaction of the change that
causes them: at logging (their reference and status link), the survey link, and the outcome of a reopened
complaint. Only with their consent and a phone; in their language, else their store's."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from complaints.customers import normalize_phone
from complaints.models import Complaint, Customer
from complaints.status_links import status_url
from core.bulk_rows import NewRow
from outbox.models import DUE_STATUSES, Channel, MessageStatus, OutboxMessage, SmsKind, SmsOptOut
from outbox.sending import outbox_new, outbox_write


def customer_sms_new(
    complaint: Complaint,
    *,
    customer: Customer | None,
    kind: SmsKind,
    link: str,
    now: datetime,
    cause: str = "",
    language: str = "",
) -> NewRow | None:
    """The message of ``kind`` for ``complaint``'s customer (None when they may not be texted), in their language,
    else ``language`` (their phone's, when it is known), else their store's. ``cause`` tells apart messages of one
    kind about one complaint (a second survey): the same cause is one message."""
    if not (complaint.contact_consent and customer is not None and customer.phone):
        return None
    return outbox_new(
        channel=Channel.SMS,
        destination=customer.phone,
        kind=kind,
        idempotency_key=f"sms:{kind}:{complaint.pk}:{cause}",
        payload={"store_id": complaint.store_id, "params": {"reference": complaint.reference, "link": link}},
        language=customer.language
        or (language if language in dict(settings.LANGUAGES) else "")
        or complaint.store.language,
        complaint_id=complaint.pk,
        now=now,
    )


def logged_sms_new(complaint: Complaint, *, now: datetime, language: str = "") -> list[NewRow]:
    """At logging: "we have your complaint", with the status link (the reference is numbered with the complaint:
    ``complaints.intake_write`` writes it into the message)."""
    link = status_url(complaint)
    kind = SmsKind.COMPLAINT_LOGGED
    row = customer_sms_new(complaint, customer=complaint.customer, kind=kind, link=link, now=now, language=language)
    return [row] if row is not None else []


def customer_sms_enqueue(complaint: Complaint, *, kind: SmsKind, link: str, now: datetime, cause: str = "") -> bool:
    """Write the message of ``kind`` in the current transaction; False when the customer may not be texted (or it
    was written before)."""
    row = customer_sms_new(complaint, customer=complaint.customer, kind=kind, link=link, now=now, cause=cause)
    return bool(row is not None and outbox_write([row]))


def sms_reply_record(*, phone: str, text: str, provider: str, now: datetime) -> bool:
    """A customer's reply to a text message: the opt-out word (``SMS_OPT_OUT_WORDS``) withdraws their consent to
    be contacted on every complaint of theirs with that number, and no text message goes to it again. Returns
    whether it was an opt-out. Any other reply is not kept (nobody reads replies)."""
    words = {word.strip().upper() for word in settings.SMS_OPT_OUT_WORDS}
    if text.strip().upper() not in words:
        return False
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        return False
    with transaction.atomic():
        SmsOptOut.objects.get_or_create(
            phone=phone, defaults={"word": text.strip()[:20], "provider": provider, "created_at": now}
        )
        Complaint.objects.filter(customer__phone=phone, contact_consent=True).update(contact_consent=False)
        # What waits to be sent to it is not sent (the sender checks the list too, for rows written meanwhile).
        OutboxMessage.objects.filter(channel=Channel.SMS, destination=phone, status__in=DUE_STATUSES).update(
            status=MessageStatus.GIVEN_UP, error_code="opted_out", next_attempt_at=None
        )
    return True
