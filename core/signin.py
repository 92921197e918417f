"""Sign-in lockout: repeated failed sign-ins for a username make it wait, where they were made (django-axes).

Every ``django.contrib.auth.authenticate(request=...)`` (the token endpoint, the admin's and the pages' sign-in)
goes through django-axes, configured in settings (``AXES_*``). Where a sign-in is made is one of two things:

- a device where that username signed in before: a browser holding our signed cookie that names it (given at each
  successful sign-in). Its failures count for that username on that device alone: 5 lock it there for 15 minutes,
  and nothing done elsewhere locks it there. A coworker's phone on the store's Wi-Fi cannot lock anyone out of
  the tablet they use.
- anywhere else: the client's address (``core.addresses.client_network``), as axes counts it. 5 failures for one
  username lock that username at that address; ``SIGNIN_ADDRESS_FAILURE_LIMIT`` failures from one address, whatever
  the usernames, lock every username there; ``SIGNIN_USERNAME_FAILURE_LIMIT`` failures for one username, whatever
  the addresses, lock it everywhere. Devices where a person signed in before are not held by any of these.

A guesser without the password can never make a device known, so it only ever meets the address's limits. This
module is our side of it: the backend and handler axes runs, the device cookie, how long a lockout has left
(``signin_lockout_remaining``, for pages) and what a locked-out sign-in is answered.
"""

import math
import secrets
from datetime import datetime, timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from core.models import SigninDeviceFailures

# The cookie by which a browser shows where it signed in before: its device id and the usernames signed in on it.
DEVICE_COOKIE = "signin_device"
DEVICE_COOKIE_SALT = "core.signin.device"
DEVICE_REMEMBERED_FOR = timedelta(days=365)
# The latest usernames signed in on a device, no more: a store's tablet serves that store's staff.
DEVICE_USERNAMES_KEPT = 40


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
    limit = get_failure_limit(request, credentials)
    username = get_client_username(request, credentials)
    device = known_device(request, username)
    if device is not None:
        lifts = [_device_lifted_at(username, device, limit, cool_off)]
    else:
        recent = AccessAttempt.objects.filter(attempt_time__gt=now - cool_off)
        from_address = recent.filter(ip_address=request.axes_ip_address)
        # This username at this address, this address whatever the usernames, this username whatever the addresses:
        # locked until every one of them that locks has lifted.
        lifts = [
            _lifted_at(from_address.filter(username=username), limit, cool_off),
            _lifted_at(from_address, settings.SIGNIN_ADDRESS_FAILURE_LIMIT, cool_off),
            _lifted_at(recent.filter(username=username), settings.SIGNIN_USERNAME_FAILURE_LIMIT, cool_off),
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


def _device_lifted_at(username: str, device: str, limit: int, cool_off: timedelta) -> datetime | None:
    row = SigninDeviceFailures.objects.filter(username=username, device=device).first()
    if row is None or row.failures < limit or row.last_failed_at <= timezone.now() - cool_off:
        return None
    return row.last_failed_at + cool_off


# --- Devices where a username signed in before -----------------------------------------------------------------


def known_device(request: HttpRequest, username: str | None) -> str | None:
    """The id of the device ``request`` comes from, if ``username`` signed in on it before; else None."""
    remembered = _device_cookie(request)
    if remembered is None or username is None or username not in remembered["usernames"]:
        return None
    return remembered["device"]


def _device_cookie(request: HttpRequest) -> dict | None:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        remembered = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_REMEMBERED_FOR)
    except signing.BadSignature:
        return None
    if not isinstance(remembered, dict):
        return None
    if not isinstance(remembered.get("device"), str) or not isinstance(remembered.get("usernames"), list):
        return None
    return remembered


def device_remember(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """On every sign-in (``user_logged_in``): the device now knows this username; ``SigninDeviceMiddleware`` gives
    the browser the cookie that says so."""
    if request is None:
        return
    remembered = _device_cookie(request) or {"device": secrets.token_hex(16), "usernames": []}
    username = user.get_username()
    usernames = [username, *(name for name in remembered["usernames"] if name != username)][:DEVICE_USERNAMES_KEPT]
    # A DRF request wraps the one the middleware sees.
    http_request = getattr(request, "_request", request)
    http_request.signin_device_cookie = signing.dumps(
        {"device": remembered["device"], "usernames": usernames}, salt=DEVICE_COOKIE_SALT, compress=True
    )


class SigninDeviceMiddleware:
    """Sets the device cookie of a response whose request signed someone in (``device_remember``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(request, "signin_device_cookie", None)
        if value is not None:
            response.set_cookie(
                DEVICE_COOKIE,
                value,
                max_age=int(DEVICE_REMEMBERED_FOR.total_seconds()),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


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
    """axes' database handler (``AXES_HANDLER``), with a known device's failures counted apart, and ceilings on
    the failures from one address and for one username.

    axes counts by ``AXES_LOCKOUT_PARAMETERS`` (username and address) against one limit; a sign-in from a device
    the username knows is counted here instead (``SigninDeviceFailures``), and is held by nothing else. The
    ceilings are higher than the limit, so they are counted here too: once one is reached, every username it
    covers counts as having reached the limit.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        username = get_client_username(request, credentials)
        device = known_device(request, username)
        if device is None:
            return super().is_locked(request, credentials)
        limit = get_failure_limit(request, credentials)
        return _device_lifted_at(username, device, limit, get_cool_off(request)) is not None

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        ceilings = (
            (recent.filter(ip_address=request.axes_ip_address), settings.SIGNIN_ADDRESS_FAILURE_LIMIT),
            (recent.filter(username=get_client_username(request, credentials)), settings.SIGNIN_USERNAME_FAILURE_LIMIT),
        )
        for attempts, ceiling in ceilings:
            if (attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0) >= ceiling:
                return max(failures, get_failure_limit(request, credentials))
        return failures

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        username = get_client_username(request, credentials) if request is not None else None
        device = known_device(request, username) if request is not None else None
        if device is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        request.axes_credentials = credentials
        if request.axes_locked_out:
            return None  # refused while locked: not counted, so that the wait it was told stays true
        now = timezone.now()
        with transaction.atomic():
            row, created = SigninDeviceFailures.objects.select_for_update().get_or_create(
                username=username, device=device, defaults={"failures": 1, "last_failed_at": now}
            )
            if not created:
                fresh = row.last_failed_at <= now - get_cool_off(request)
                row.failures = 1 if fresh else row.failures + 1
                row.last_failed_at = now
                row.save(update_fields=["failures", "last_failed_at"])
        request.axes_failures_since_start = row.failures
        if row.failures >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
        return None

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        # A success forgets the failures counted where it was made, no others: signing in on one's own tablet does
        # not give a guesser on another device fresh tries.
        device = known_device(request, user.get_username())
        if device is None:
            return super().user_logged_in(sender, request, user, **kwargs)
        SigninDeviceFailures.objects.filter(username=user.get_username(), device=device).delete()
        return None
