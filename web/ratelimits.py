"""The public form's rate limits, counted in Redis (django-ratelimit on the ``ratelimit`` cache): per client
address and per store, so that neither one sender nor a crowd of them can flood a store's queue."""

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from core.addresses import client_network
from staff.models import Store

logger = logging.getLogger(__name__)

ADDRESS = "address"
STORE = "store"


def public_form_limit_reached(request: HttpRequest, store: Store) -> str | None:
    """Count this submission; the limit it went over (``ADDRESS`` or ``STORE``), else None.

    A sender over their own limit is not counted against the store's, so that one sender cannot use up a
    store's allowance. With Redis unreachable the form stays open: a customer's complaint matters more
    than a limit, and a flood would still meet the web server's own limits.
    """
    limits = (
        (ADDRESS, client_network(request) or "unknown", settings.PUBLIC_FORM_RATE_PER_ADDRESS),
        (STORE, store.public_token, settings.PUBLIC_FORM_RATE_PER_STORE),
    )
    for name, value, rate in limits:
        try:
            usage = get_usage(
                request, group=f"public-form:{name}", key=lambda _group, _request, v=value: v, rate=rate, increment=True
            )
        except (RedisError, OSError):
            logger.warning("public form: Redis unreachable, %s rate limit not applied", name, exc_info=True)
            return None
        if usage is not None and usage["should_limit"]:
            return name
    return None
