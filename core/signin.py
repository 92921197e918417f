"""Sign-in lockout: repeated failed sign-ins for a username from one address make it wait (django-axes).

Every ``django.contrib.auth.authenticate(request=...)`` (the token endpoint, the admin's and the pages' sign-in)
goes through django-axes, configured in settings (``AXES_*``): 5 failures for one username from one address lock
that pair for 15 minutes, and ``SIGNIN_ADDRESS_FAILURE_LIMIT`` failures from one address, whatever the usernames,
lock the address. This module is our side of it: the backend and handler axes runs, where a request comes from,
how long a lockout has left (``signin_lockout_remaining``, for pages) and what a locked-out sign-in is answered.
"""

import math
from datetime import datetime, timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError


class SigninLocked(ApplicationError):
    status_code = 429
    code = "signin_locked"
    default_detail = _("Too many failed sign-ins: try again later.")

    def __init__(self, *, remaining: timedelta) -> None:
        seconds = max(1, math.ceil(remaining.total_seconds()))
        minutes = math.ceil(seconds / 60)
        super().__init__(
            ngettext(
                "Too many failed sign-ins: try again in %(count)d minute.",
                "Too many failed sign-ins: try again in %(count)d minutes.",
                minutes,
            )
            % {"count": minutes},
            retry_after=seconds,
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.extra["retry_after"])}


def signin_lockout_remaining(request: HttpRequest, username: str) -> timedelta | None:
    """How long ``username`` must wait before signing in from where ``request`` comes from; None if it may now.

    For a sign-in page: ask after a failed ``authenticate(request=request, ...)`` and show the wait. A page that
    answers a lockout itself with status 429 keeps its answer; otherwise axes' middleware replaces the page's
    response with ``lockout_response``'s.
    """
    if not settings.AXES_ENABLED:
        return None
    credentials = get_credentials(username)
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    now = timezone.now()
    cool_off = get_cool_off(request)
    recent = AccessAttempt.objects.filter(ip_address=request.axes_ip_address, attempt_time__gt=now - cool_off)
    lifts = [
        # This username from this address, and this address whatever the usernames: locked until both lift.
        _lifted_at(
            recent.filter(username=get_client_username(request, credentials)),
            get_failure_limit(request, credentials),
            cool_off,
        ),
        _lifted_at(recent, settings.SIGNIN_ADDRESS_FAILURE_LIMIT, cool_off),
    ]
    lifts_at = max((at for at in lifts if at is not None), default=now + cool_off)
    return max(lifts_at - now, timedelta(seconds=1))


def _lifted_at(attempts: QuerySet, limit: int, cool_off: timedelta) -> datetime | None:
    """When a lockout counted over ``attempts`` lifts (None if they do not lock): once the newest of them, which
    add up to the limit, are older than the cool-off."""
    failures = 0
    for attempt_time, count in attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"):
        failures += count
        if failures >= limit:
            return attempt_time + cool_off
    return None


def signin_locked(request: HttpRequest, credentials: dict | None = None) -> SigninLocked:
    """The error for a sign-in that axes refused (``request.axes_locked_out``), with how long it has to wait."""
    username = get_client_username(request, credentials)
    remaining = signin_lockout_remaining(request, username) if username is not None else None
    return SigninLocked(remaining=remaining or get_cool_off(request))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """axes' answer to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``): 429 with ``Retry-After``; under /api/ the
    JSON error (``signin_locked``), elsewhere a plain page, unless the view answered 429 itself."""
    if not isinstance(original_response, HttpResponse):
        # axes' asynchronous path calls this with (request, credentials).
        original_response, credentials = None, original_response or credentials
    if original_response is not None and original_response.status_code == 429:
        return original_response
    locked = signin_locked(request, credentials)
    if request.path.startswith("/api/"):
        response = JsonResponse(locked.as_dict(), status=locked.status_code)
    else:
        response = HttpResponse(locked.detail, content_type="text/plain; charset=utf-8", status=locked.status_code)
    for header, value in locked.headers.items():
        response[header] = value
    return response


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username a sign-in tried (``AXES_USERNAME_CALLABLE``), as axes can store it: every try counts, but a
    NUL byte, a lone surrogate or more than 255 characters would not fit its column (a 500, not a count)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:255]


class SigninLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out sign-in before any password is checked (first in ``AUTHENTICATION_BACKENDS``).

    ``authenticate()`` without a request (the shell, the test client's ``login()``) is no sign-in over the web and
    has no address to count by, so this backend lets it pass to the next; every sign-in view passes ``request``.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class SigninAttemptsHandler(AxesDatabaseHandler):
    """axes' database handler (``AXES_HANDLER``), plus a ceiling on the failures from one address.

    axes counts by ``AXES_LOCKOUT_PARAMETERS`` against one limit; the ceiling per address is higher, so it is
    counted here: once reached, every username at that address counts as having reached the limit.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        from_address = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        if (from_address or 0) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
