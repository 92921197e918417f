"""A customer's tier as rows chosen by tier see it (SLA policies, guidelines): their own tier, else the default."""

from complaints.models import Customer, CustomerTier
from core.reference import ReferenceTable

DEFAULT_TIER_ID = ReferenceTable(
    lambda: CustomerTier.objects.filter(is_default=True).values_list("pk", flat=True).first()
)


def customer_tier_id(customer: Customer | None) -> int | None:
    """The id of ``customer``'s tier: their own, else (also without a customer) the default tier; None if
    there is no default tier either."""
    if customer is not None and customer.tier_id is not None:
        return customer.tier_id
    return DEFAULT_TIER_ID.get()
