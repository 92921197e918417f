"""Times on the pages read in the store's own time zone."""

import zoneinfo

from django.utils import timezone


class StoreTimezoneMiddleware:
    """Activate the signed-in employee's store's time zone for the pages (the API answers in UTC).

    Managers and admins work across stores: pages about one complaint show its store's zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        store = user.store if user is not None and user.is_authenticated else None
        if store is not None and not request.path.startswith("/api/"):
            timezone.activate(zoneinfo.ZoneInfo(store.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
