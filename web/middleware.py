"""Times on the pages read in the store's own time zone."""

import zoneinfo

from django.utils import timezone

from staff.selectors import stores_visible_to


class StoreTimezoneMiddleware:
    """Activate the signed-in employee's store's time zone for the pages and the admin (the API answers in UTC).

    Managers and admins work across stores: their stores' zone when those share one (a region usually does),
    else UTC; pages about one complaint show its store's zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = _zone_of(getattr(request, "user", None)) if not request.path.startswith("/api/") else None
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


def _zone_of(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    if user.store is not None:
        return user.store.timezone
    zones = set(stores_visible_to(user).order_by().values_list("timezone", flat=True).distinct()[:2])
    return zones.pop() if len(zones) == 1 else None
