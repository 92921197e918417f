"""Reads about staff: above all, which stores a user may see (their scope)."""

from django.db.models import Q, QuerySet

from staff.models import Role, Store, User


def store_scope_q(user: User, *, prefix: str = "store") -> Q:
    """A filter limiting rows (reached through ``prefix``) to the stores ``user`` may see."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.MANAGER:
        return Q(**{f"{prefix}__region_id": user.region_id})
    return Q(**{f"{prefix}_id": user.store_id})


def stores_visible_to(user: User) -> QuerySet[Store]:
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    if user.role == Role.ADMIN:
        return Store.objects.all()
    if user.role == Role.MANAGER:
        return Store.objects.filter(region_id=user.region_id)
    return Store.objects.filter(pk=user.store_id)


def user_can_see_store(user: User, store: Store) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.MANAGER:
        return store.region_id == user.region_id
    return store.pk == user.store_id


def staff_for_store(store: Store) -> QuerySet[User]:
    """Everyone who works on ``store``'s complaints: its staff, its region's managers, admins."""
    return User.objects.filter(
        Q(store=store) | Q(role=Role.MANAGER, region_id=store.region_id) | Q(role=Role.ADMIN),
        is_active=True,
    )
