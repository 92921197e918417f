"""Template helpers for the pages: money in the store's currency, time left until a due time, QR codes."""

from datetime import datetime
from decimal import Decimal

import segno
from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.i18n import money_text

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """An amount in the store's currency; no amount is a limit that does not exist."""
    return _("no limit") if amount is None else money_text(amount, currency)


@register.filter
def due(moment: datetime | None) -> str:
    """How long until ``moment``, or how long ago it passed ("due in 12 minutes", "overdue by 1 hour")."""
    if moment is None:
        return ""
    now = timezone.now()
    if moment > now:
        return _("due in %(time)s") % {"time": timeuntil(moment, now, depth=1)}
    return _("overdue by %(time)s") % {"time": timesince(moment, now, depth=1)}


@register.filter
def is_past(moment: datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()


LIMIT_LABELS = {
    "per_action": gettext_lazy("the limit per compensation"),
    "per_day": gettext_lazy("the limit per employee per day"),
    "per_customer": gettext_lazy("the limit per customer in 30 days"),
    "anonymous_per_day": gettext_lazy("the store's daily limit for complaints without a customer"),
}


@register.simple_tag
def exceeded_text(item: dict, currency: str) -> str:
    """One limit a request went over, in words: which limit, its maximum, and by how much."""
    if item.get("limit") == "kind":
        return item.get("detail", "")
    return _("Over %(limit)s (%(max)s) by %(over)s.") % {
        "limit": LIMIT_LABELS.get(item.get("limit"), item.get("limit")),
        "max": money(Decimal(item["max"]), currency),
        "over": money(Decimal(item["over"]), currency),
    }


@register.filter
def qr_svg(url: str) -> SafeString:
    """``url`` as a QR code drawn inline in SVG (nothing to fetch), large enough to scan from a tablet's screen."""
    svg = segno.make(url, error="m").svg_inline(scale=5, svgclass="qr-code", dark="#000", light="#fff")
    # segno draws the markup itself; the URL appears only as the drawn modules, never as text.
    return mark_safe(svg)  # noqa: S308
