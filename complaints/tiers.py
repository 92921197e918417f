"""A customer's tier as rows chosen by tier see it (SLA policies, guidelines): their own tier, else the default."""

from complaints.models import Customer, CustomerTier, TierCode
from core.reference import ReferenceTable

DEFAULT_TIER_ID = ReferenceTable(
    lambda: CustomerTier.objects.filter(is_default=True).values_list("pk", flat=True).first()
)


# customer_tier_id's default_tier_id when the caller does not give it: read it (core.reference).
READ = object()


def customer_tier_id(customer: Customer | None, *, default_tier_id: int | object | None = READ) -> int | None:
    """The id of ``customer``'s tier: their own, else (also without a customer) the default tier's
    (``default_tier_id`` when the caller has it); None if there is no default tier either."""
    if customer is not None and customer.tier_id is not None:
        return customer.tier_id
    return DEFAULT_TIER_ID.get() if default_tier_id is READ else default_tier_id


# The tiers an installation starts with, under names an admin may change; C, the guests, is everyone's until
# told otherwise: (code, English name, Chinese name, is the default).
STARTING_TIERS = (
    (TierCode.A, "VIP", "贵宾", False),
    (TierCode.B, "Member", "会员", False),
    (TierCode.C, "Guest", "普通顾客", True),
)


def starting_tiers_create(tier_model: type[CustomerTier] = CustomerTier) -> None:
    """Create the starting tiers that are missing (``tier_model``: a migration's historical model)."""
    for code, name_en, name_zh, is_default in STARTING_TIERS:
        tier_model.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_zh": name_zh, "is_default": is_default}
        )
