"""Customer contact data as shown in lists and where it leaves the desk (an exported file): masked, never whole."""

from functools import cache

import phonenumbers
from django.conf import settings


@cache
def _home_prefix(region: str) -> str:
    """``+86`` for CN: numbers of the default region are shown as dialled at home, without it."""
    return f"+{phonenumbers.country_code_for_region(region)}"


def mask_phone(phone: str | None) -> str:
    """A stored (E.164) phone with its middle hidden: ``+8613800138000`` → ``138****8000``.

    Numbers of the default region lose their country code, as staff would write them; others keep
    it (``+447400123456`` → ``+44****3456``). Four stars whatever is hidden, so the length is hidden too.
    """
    if not phone:
        return ""
    home = _home_prefix(settings.PHONE_DEFAULT_REGION)
    # Country codes are prefix-free: +86 at the start can only be China's.
    number = phone.removeprefix(home)
    if len(number) < 8:
        return "****" + number[-2:]
    return f"{number[:3]}****{number[-4:]}"


def mask_email(email: str | None) -> str:
    """An email with its local part hidden but its first letter: ``wang.li@example.com`` → ``w***@example.com``."""
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
