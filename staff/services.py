"""Changes to stores' own records (how many customers a store served on a day, its public form link) and to a
person's own settings (the language they are answered in)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from staff.models import Role, Store, StoreCustomerCount, User, language_choices, new_public_token
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


def user_language_set(*, user: User, language: str) -> User:
    """Answer ``user`` in ``language`` from now on (pages, API, emails); empty: in what their browser asks for."""
    if language not in dict(language_choices()):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def user_browser_language_note(*, user: User, language: str) -> None:
    """Remember the language ``user``'s browser asked for as they signed in: their emails' when they chose none."""
    if user.browser_language != language:
        User.objects.filter(pk=user.pk).update(browser_language=language)
        user.browser_language = language
