"""URL converters."""

import uuid
from datetime import date


class AnyUUIDConverter:
    """A UUID in any spelling clients send: upper or lower case, with or without dashes."""

    regex = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return str(value)


class IsoDateConverter:
    """A calendar day as ``2026-11-23``; a date that does not exist (2026-02-30) matches no route."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # a ValueError makes the route not match: 404

    def to_url(self, value: date | str) -> str:
        return str(value)
