"""Messages in the reader's language: a signed-in person's chosen language, and small helpers for phrases and money."""

from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpRequest
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext

CURRENCY_SYMBOLS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}


def joined(items: Iterable[object]) -> str:
    """Items as one phrase in the reader's language: "a, b" in English, "a、b" in Chinese."""
    # Translators: what separates the items of a list in a sentence.
    return gettext(", ").join(str(item) for item in items)


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as people read it, in the reader's format: ``¥1,280.00``; ``1,280.00 CHF`` without a symbol."""
    shown = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{shown}" if symbol else f"{shown} {currency}"


def chosen_language_activate(request: HttpRequest, user) -> None:
    """Answer ``user`` in the language they chose (their ``language``), whatever their browser asks; with none
    chosen, LocaleMiddleware's choice (the browser's) stands."""
    chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    if chosen:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


class ChosenLanguageMiddleware:
    """After LocaleMiddleware and the session's sign-in: the pages, the admin and the browsable API speak the
    signed-in person's chosen language. (A token is read later, by the API's authentication, which does the same.)
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        chosen_language_activate(request, getattr(request, "user", None))
        return self.get_response(request)
