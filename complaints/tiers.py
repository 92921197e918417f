"""A customer's tier as rows chosen by tier see it: their own tier, else the default tier."""

from django.db.models import Q

from complaints.models import Customer


def customer_tier_q(customer: Customer | None, *, field: str = "tier") -> Q:
    """Rows (SLA policies, guidelines) of ``customer``'s tier through ``field``: their own tier, or for
    a customer without one (and a complaint without a customer) the default tier. No query: the
    default tier is joined, not looked up."""
    if customer is not None and customer.tier_id is not None:
        return Q(**{f"{field}_id": customer.tier_id})
    return Q(**{f"{field}__is_default": True})


def tier_or_any_q(customer: Customer | None, *, field: str = "tier") -> Q:
    """Rows of ``customer``'s tier, and the rows for any tier (``field`` empty) that they fall back on."""
    return customer_tier_q(customer, field=field) | Q(**{f"{field}__isnull": True})
