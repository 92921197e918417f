"""A complaint the customer logs on the store's public QR form: nobody signed in, the store's supervisor gets it.

The same write as the staff intake (``intake.complaint_write``: its customer found or made, due times of its
severity, the per-store reference, the ``logged`` event) with what only this channel decides: who is assigned (the
store's supervisor, as an escalation would go), severity from "are you still in the store?", the
consent to be contacted, and the photo.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from complaints.customers import normalize_contact
from complaints.errors import PublicFormClosed
from complaints.events import logged_data
from complaints.models import Category, Channel, Complaint, ComplaintPhoto, ComplaintStatus, Severity, Stage
from complaints.photos import CleanPhoto
from complaints.services.customers import customer_language_note
from complaints.services.intake import complaint_write, customer_normalized, intake_digest
from staff.models import ESCALATION_ROLES, Store, User
from staff.selectors import staff_of_role_for_store


def complaint_log_from_public_form(
    *,
    store: Store,
    description: str,
    still_in_store: bool,
    name: str = "",
    contact: str = "",
    contact_consent: bool = False,
    category: Category | None = None,
    photo: CleanPhoto | None = None,
    language: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Log what a customer sent through ``store``'s public form (status ``new``, channel ``qr_form``), in
    ``language`` (their phone's: what is written to them later is in it).

    A customer still in the store can still be helped there: the complaint is high severity, and the
    stage is during the sale; otherwise medium, after the sale. Consent counts only with a contact to use.
    """
    phone, email = normalize_contact(contact)
    category = category or public_form_category()
    assignee = public_complaint_assignee(store)
    severity = Severity.HIGH if still_in_store else Severity.MEDIUM
    customer = customer_normalized({"name": name, "phone": phone, "email": email})
    with transaction.atomic():
        now = now or timezone.now()
        complaint = Complaint(
            id=uuid.uuid4(),
            store=store,
            channel=Channel.QR_FORM,
            category=category,
            severity=severity,
            stage=Stage.IN_SALE if still_in_store else Stage.AFTER_SALE,
            description=description,
            contact_consent=bool(contact_consent and (phone or email)),
            assignee=assignee,
            created_by=None,
            status=ComplaintStatus.NEW,
            intake_digest=intake_digest({"store": store.code, "description": description, "customer": customer}),
            created_at=now,
        )
        photos = [_photo_attach(complaint, photo, now)] if photo is not None else []
        complaint_write(
            complaint,
            customer=customer,
            actor=None,
            now=now,
            event_data=logged_data(channel=Channel.QR_FORM, severity=severity, assignee=assignee.username)
            | {"by": "customer", "photos": len(photos)},
            customer_language=language,
        )
        ComplaintPhoto.objects.bulk_create(photos)
        customer_language_note(customer_id=complaint.customer_id, language=language)
    return complaint


def public_complaint_assignee(store: Store) -> User:
    """The store's active supervisor with the fewest open complaints; without one, the region's manager, then
    an admin (the order escalations climb)."""
    for role in ESCALATION_ROLES:
        candidate = (
            staff_of_role_for_store(store, role)
            .annotate(
                open_count=Count("assigned_complaints", filter=~Q(assigned_complaints__status=ComplaintStatus.CLOSED))
            )
            .order_by("open_count", "pk")
            .first()
        )
        if candidate is not None:
            return candidate
    raise PublicFormClosed()


def public_form_category() -> Category:
    """What a customer's complaint is filed under when they did not say: ``PUBLIC_FORM_CATEGORY``, else the last
    active category (where "other" usually sits)."""
    categories = Category.objects.filter(is_active=True)
    chosen = categories.filter(code=settings.PUBLIC_FORM_CATEGORY).first() or categories.last()
    if chosen is None:
        raise PublicFormClosed()
    return chosen


def _photo_attach(complaint: Complaint, photo: CleanPhoto, now: datetime) -> ComplaintPhoto:
    # The file is written before the rows: a failed transaction leaves an unreferenced file, never a row without one.
    attached = ComplaintPhoto(
        complaint=complaint, width=photo.width, height=photo.height, size_bytes=len(photo.jpeg), created_at=now
    )
    attached.image.save("photo.jpg", ContentFile(photo.jpeg), save=False)
    return attached
