"""How long a signed-in session lasts on a shared tablet: a shift at most, and less when nobody uses it.

Whoever picks the tablet up after a break finds the sign-in page, not the last person's customers. A session ends
``SESSION_SHIFT_HOURS`` after signing in, or ``SESSION_IDLE_MINUTES`` after the last request a person made. A
request a page makes by itself (a list refreshing itself every few seconds) sends ``BACKGROUND_REFRESH_HEADER``
and is no sign that anyone is there: it neither keeps the session alive nor is answered once it has ended.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVE_AT = "last_active_at"
# What a page's own refresh sends (web templates, through web.context_processors).
BACKGROUND_REFRESH_HEADER = "X-Background-Refresh"
# The last activity is written at most this often: not a session write for every tap.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


def session_start(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """On every sign-in (``user_logged_in``): the shift and the idle time start now."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = timezone.now().timestamp()
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVE_AT] = now


def session_over(request: HttpRequest) -> bool:
    """Whether the signed-in session of ``request`` has ended: a shift since signing in, or idle too long."""
    session = request.session
    now = timezone.now().timestamp()
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    last_active_at = session.setdefault(LAST_ACTIVE_AT, now)
    shift = timedelta(hours=settings.SESSION_SHIFT_HOURS).total_seconds()
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES).total_seconds()
    return now - signed_in_at > shift or now - last_active_at > idle


class SessionLifetimeMiddleware:
    """Signs out a session that has ended before any view sees it (after ``AuthenticationMiddleware``), and notes
    each request a person made. A view then answers as it does to anyone signed out: the pages with the sign-in
    page and the way back, the API with 401 or 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            if session_over(request):
                logout(request)
            elif BACKGROUND_REFRESH_HEADER not in request.headers:
                now = timezone.now().timestamp()
                if now - request.session[LAST_ACTIVE_AT] >= ACTIVITY_RESOLUTION.total_seconds():
                    request.session[LAST_ACTIVE_AT] = now
        return self.get_response(request)
