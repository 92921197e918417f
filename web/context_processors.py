"""What every page's header shows: the unread badge and the languages to switch to; and what its scripts need to
know of the session: how long a draft is kept, and what a page's own refresh sends."""

import json

from django.conf import settings
from django.http import HttpRequest

from core.sessions import BACKGROUND_REFRESH_HEADER
from recovery.models import Notification

# A page's own refresh (htmx's hx-headers): no sign that anyone is there.
BACKGROUND_REFRESH_HEADERS = json.dumps({BACKGROUND_REFRESH_HEADER: "1"})


def header(request: HttpRequest) -> dict:
    if request.path.startswith(("/api/", "/admin/")):
        return {}
    # What was typed and not sent is kept for a shift at most, as a session is (app.js).
    session = {"draft_max_age_ms": int(settings.SESSION_SHIFT_HOURS * 60 * 60 * 1000)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return session
    return session | {
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "background_refresh_headers": BACKGROUND_REFRESH_HEADERS,
    }
