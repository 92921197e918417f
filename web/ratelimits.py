"""The public form's limits, counted in Redis (django-ratelimit on the ``ratelimit`` cache): complaints accepted per
device, per client address and per store, so that neither one sender nor a crowd of them can flood a store's queue.

Only what is accepted counts: a refused form (invalid, over a limit, the store closed) or a bot's honeypot hit uses up
no one's allowance, so nobody can close a store's form by sending it rubbish. A phone is counted by a cookie of its
own as well as by its address, so that several diners on one store's Wi-Fi (one address) each have their own
allowance, while a sender that drops its cookies still meets its address's.
"""

import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from core.addresses import client_network
from staff.models import Store

logger = logging.getLogger(__name__)

DEVICE = "device"
ADDRESS = "address"
STORE = "store"

# The phone's own count: a random id in a cookie the form gives it, kept as long as a count can matter.
DEVICE_COOKIE = "public_form_device"
DEVICE_COOKIE_AGE = 24 * 60 * 60
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class LimitReached:
    limit: str  # DEVICE, ADDRESS or STORE
    retry_after: int  # seconds until that limit's count starts again


def public_form_limit_reached(request: HttpRequest, store: Store) -> LimitReached | None:
    """The first limit that another complaint from this sender would go over, and how long until it would not;
    None if it may be sent. Nothing is counted here (``public_form_accepted_count`` does, once it is accepted).

    With Redis unreachable the form stays open: a customer's complaint matters more than a limit, and a flood
    would still meet the web server's own limits.
    """
    for name, value, rate in _limits(request, store):
        usage = _usage(request, f"public-form:{name}", value, rate, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            # A window's count holds through its last second, time_left itself: the next one starts a second later.
            return LimitReached(limit=name, retry_after=max(0, usage["time_left"]) + 1)
    return None


def public_form_accepted_count(request: HttpRequest, store: Store) -> None:
    """Count a complaint the form accepted against each of its limits."""
    for name, value, rate in _limits(request, store):
        _usage(request, f"public-form:{name}", value, rate, increment=True)


def status_page_limit_reached(request: HttpRequest) -> LimitReached | None:
    """Count one opening of a status page (found or not) against the client address's allowance; what is over it
    is refused, so that keys cannot be tried one after another. Open when Redis is unreachable, as the form."""
    value = client_network(request) or "unknown"
    usage = _usage(request, "status-page:address", value, settings.STATUS_LINK_RATE_PER_ADDRESS, increment=True)
    if usage is not None and usage["should_limit"]:
        return LimitReached(limit=ADDRESS, retry_after=max(0, usage["time_left"]) + 1)
    return None


def device_cookie_give(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The form's answer, with a device id for a phone that has none yet."""
    if _device_id(request) is None:
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=DEVICE_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _limits(request: HttpRequest, store: Store) -> list[tuple[str, str, str]]:
    limits = [
        (ADDRESS, client_network(request) or "unknown", settings.PUBLIC_FORM_RATE_PER_ADDRESS),
        (STORE, store.public_token, settings.PUBLIC_FORM_RATE_PER_STORE),
    ]
    device = _device_id(request)
    if device is not None:
        limits.insert(0, (DEVICE, device, settings.PUBLIC_FORM_RATE_PER_DEVICE))
    return limits


def _device_id(request: HttpRequest) -> str | None:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if _DEVICE_ID.fullmatch(value) else None


def _usage(request: HttpRequest, group: str, value: str, rate: str, *, increment: bool) -> dict | None:
    try:
        return get_usage(request, group=group, key=lambda _group, _request: value, rate=rate, increment=increment)
    except (RedisError, OSError):
        logger.warning("%s: Redis unreachable, rate limit not applied", group, exc_info=True)
        return None
