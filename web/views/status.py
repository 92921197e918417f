"""The customer's status page (/s/<token>/): where their complaint stands, on their own phone, without signing in.

Found by the complaint's random status key, counted per client address (web/ratelimits.py) so that keys cannot be
tried in turn. A key that is no one's gets 404, a complaint closed 30 days ago 410: a page saying so, nothing of
the complaint. It reads in the customer's language (the one their phone last used with us) until they switch.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints.status_links import complaint_by_status_token
from recovery import progress
from web import ratelimits


@never_cache
@require_GET
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    reached = ratelimits.status_page_limit_reached(request)
    if reached is not None:
        minutes = math.ceil(reached.retry_after / 60)
        message = ngettext(
            "Too many pages were opened from here. Please try again in %(count)d minute.",
            "Too many pages were opened from here. Please try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
        response = _message(request, _("Please wait a moment"), message, status=429)
        response["Retry-After"] = str(reached.retry_after)
        return response
    complaint = complaint_by_status_token(token)
    if complaint is None:
        return _message(
            request,
            _("This link does not work"),
            _("Check that the whole link was copied, or ask the store for your complaint's reference."),
            status=404,
        )
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and complaint.customer and complaint.customer.language:
        # Their own language, as the messages to them are written; the page's switch (a cookie) overrides it.
        translation.activate(complaint.customer.language)
        request.LANGUAGE_CODE = translation.get_language()
    if progress.status_link_is_expired(complaint):
        return _message(
            request,
            _("This link has expired"),
            _("Your complaint was closed some time ago. If something is still wrong, please tell the store."),
            status=410,
            store=complaint.store,
        )
    with timezone.override(complaint.store.zone):  # the times as the store's clock read them
        page = progress.customer_progress(complaint)
        return render(request, "web/status.html", {"progress": page, "store": complaint.store})


def _message(request: HttpRequest, heading: str, message: str, *, status: int, store=None) -> HttpResponse:
    context = {"heading": heading, "message": message, "store": store}
    return render(request, "web/status_message.html", context, status=status)
