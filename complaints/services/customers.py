"""Changing a customer's tier (supervisors and above, with a reason; or imported), which moves the due
times of their open complaints to the new tier's SLA policy; noting the language they read."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.deadlines import deadlines_reschedule
from complaints.models import Complaint, ComplaintStatus, Customer, CustomerTier, CustomerTierChange, TierChangeSource
from complaints.selectors import customer_get
from core.errors import NotPermitted
from staff.models import Role, User


@transaction.atomic
def customer_tier_set(
    *,
    customer: Customer,
    tier: CustomerTier | None,
    reason: str,
    actor: User | None,
    source: str = TierChangeSource.STAFF,
    now: datetime | None = None,
) -> Customer:
    """Give ``customer`` ``tier`` (None: back to the default tier), record why, and reschedule their open
    complaints' due times as the new tier's SLA policy says (from when each step started).

    Staff (``source`` staff) must be supervisors or above who see one of the customer's complaints; an
    import acts for nobody. Setting the tier they have already changes nothing and records nothing.
    """
    reason = (reason or "").strip()
    if source == TierChangeSource.STAFF:
        if actor is None or not actor.has_role_at_least(Role.SUPERVISOR):
            raise NotPermitted(_("Only supervisors and above set a customer's tier."))
        customer_get(user=actor, customer_id=customer.pk)  # 404 outside their stores
    if not reason:
        raise ValidationError({"reason": _("Say why the customer's tier changes.")})
    now = now or timezone.now()
    # Lock order (complaints/locks.py): the complaints, then the customer.
    open_complaints = list(
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(customer=customer)
        .exclude(status=ComplaintStatus.CLOSED)
        .order_by("pk")
    )
    customer = Customer.objects.select_for_update(of=("self",)).select_related("tier").get(pk=customer.pk)
    tier_id = tier.pk if tier is not None else None
    if customer.tier_id == tier_id:
        return customer
    CustomerTierChange.objects.create(
        customer=customer,
        tier_before_id=customer.tier_id,
        tier_after_id=tier_id,
        source=source,
        actor=actor,
        reason=reason,
        at=now,
    )
    customer.tier = tier
    customer.save(update_fields=["tier"])
    for complaint in open_complaints:
        complaint.customer = customer
        deadlines_reschedule(complaint)
    return customer


def customer_language_note(*, customer_id: int | None, language: str) -> None:
    """The customer read the store's form or their survey in ``language`` (their phone's): write to them in it."""
    if customer_id is not None and language in dict(settings.LANGUAGES):
        Customer.objects.filter(pk=customer_id).exclude(language=language).update(language=language)
