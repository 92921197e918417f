"""Changes to stores' own records: how many customers a store served on a day."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from staff.models import Role, Store, StoreCustomerCount, User
from staff.selectors import user_can_see_store


@transaction.atomic
def store_customer_count_set(*, actor: User, store: Store, day: date, customers: int) -> StoreCustomerCount:
    """Record (or correct) the customers ``store`` served on ``day``: supervisors and above of that store."""
    if not actor.has_role_at_least(Role.SUPERVISOR) or not user_can_see_store(actor, store):
        raise NotPermitted(_("Only the store's supervisors, its managers and admins record its customer counts."))
    count, _created = StoreCustomerCount.objects.update_or_create(
        store=store, day=day, defaults={"customers": customers}
    )
    return count
