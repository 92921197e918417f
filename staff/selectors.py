"""Reads about staff, and the one home of scope: which stores a user works on, and who works on a store.

``SCOPE_BY_ROLE`` is the rule; the functions below read it in each direction (a user's stores, a
store's staff) and every other place asks them.
"""

import re

from django.db.models import Q, QuerySet
from django.http import Http404

from core.reference import ReferenceTable
from staff.models import EXPORT_COMPLAINTS_BY_DEFAULT, Role, RoleAccess, Store, User

PUBLIC_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Frontline staff and supervisors work on their own store, managers on their region's stores,
# admins on every store.
SCOPE_BY_ROLE = {Role.FRONTLINE: "store", Role.SUPERVISOR: "store", Role.MANAGER: "region", Role.ADMIN: "all"}


def _scope(user: User) -> str:
    if not user.is_authenticated or not user.is_active:
        return "none"
    return SCOPE_BY_ROLE[Role(user.role)]


def store_scope_q(user: User, *, prefix: str = "store") -> Q:
    """A filter limiting rows to ``user``'s stores: rows that reach their store through ``prefix``,
    or stores themselves when ``prefix`` is empty."""
    scope = _scope(user)
    if scope == "all":
        return Q()
    if scope == "region":
        return Q(**{f"{prefix}__region_id" if prefix else "region_id": user.region_id})
    if scope == "store":
        return Q(**{f"{prefix}_id" if prefix else "pk": user.store_id})
    return Q(pk__in=[])


def stores_visible_to(user: User) -> QuerySet[Store]:
    return Store.objects.filter(store_scope_q(user, prefix=""))


def user_can_see_store(user: User, store: Store) -> bool:
    """``store_scope_q`` for one store already in memory, without a query."""
    scope = _scope(user)
    if scope == "region":
        return store.region_id == user.region_id
    if scope == "store":
        return store.pk == user.store_id
    return scope == "all"


def _works_on_q(store: Store, role: str) -> Q:
    scope = SCOPE_BY_ROLE[Role(role)]
    if scope == "all":
        return Q(role=role)
    if scope == "region":
        return Q(role=role, region_id=store.region_id)
    return Q(role=role, store=store)


def staff_of_role_for_store(store: Store, role: str) -> QuerySet[User]:
    """The active staff of ``role`` who work on ``store``."""
    return User.objects.filter(_works_on_q(store, role), is_active=True)


def staff_by_role_for_stores(stores: list[Store], roles: list[str]) -> dict[tuple[int, str], list[User]]:
    """``staff_of_role_for_store`` for many stores and roles in one query: (store id, role) → users by id."""
    q = Q(pk__in=[])
    for store in stores:
        for role in roles:
            q |= _works_on_q(store, role)
    staff = list(User.objects.filter(q, is_active=True).order_by("pk"))
    return {
        (store.pk, role): [user for user in staff if user.role == role and user_can_see_store(user, store)]
        for store in stores
        for role in roles
    }


def staff_for_store(store: Store) -> QuerySet[User]:
    """Everyone active who works on ``store``'s complaints, whatever their role."""
    q = Q(pk__in=[])
    for role in Role.values:
        q |= _works_on_q(store, role)
    return User.objects.filter(q, is_active=True)


def store_for_public_form(token: str) -> Store:
    """The store whose public complaint form is at ``token``; 404 for any other string, as for a page that
    does not exist (the answer tells nothing about which tokens or stores there are)."""
    # A token is URL-safe base64 (new_public_token); anything else (a NUL byte PostgreSQL refuses) is no store.
    store = Store.objects.filter(public_token=token).first() if PUBLIC_TOKEN.fullmatch(token or "") else None
    if store is None:
        raise Http404
    return store


# Role → whether it may export complaints, as admins set it: kept by each process once read (core.reference).
ROLE_EXPORTS = ReferenceTable(lambda: dict(RoleAccess.objects.values_list("role", "export_complaints")))


def may_export_complaints(user: User) -> bool:
    """Whether ``user``'s role may export their scope's complaints (Django admin → Role access)."""
    if not user.is_authenticated:
        return False
    allowed = ROLE_EXPORTS.get().get(user.role)
    return Role(user.role) in EXPORT_COMPLAINTS_BY_DEFAULT if allowed is None else allowed
