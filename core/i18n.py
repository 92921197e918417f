"""Small helpers for messages in the reader's language."""

from collections.abc import Iterable

from django.utils.translation import gettext


def joined(items: Iterable[object]) -> str:
    """Items as one phrase in the reader's language: "a, b" in English, "a、b" in Chinese."""
    # Translators: what separates the items of a list in a sentence.
    return gettext(", ").join(str(item) for item in items)
