"""Changes to stores' own records: how many customers a store served on a day, its public form link."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from staff.models import Role, Store, StoreCustomerCount, User, new_public_token
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


@transaction.atomic
def store_public_token_regenerate(*, stores: list[Store]) -> None:
    """Give each store a new public form link: the old link, and every QR code printed with it, stop working."""
    for store in stores:
        store.public_token = new_public_token()
        store.save(update_fields=["public_token"])
