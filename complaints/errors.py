"""Errors of the complaint flow, each with its HTTP status and code."""

from complaints.states import allowed_steps
from core.errors import Conflict


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, step: str, status: str, detail: str | None = None) -> None:
        allowed = allowed_steps(status)
        super().__init__(
            detail or f"Cannot {step} a complaint that is {status}; allowed: {', '.join(allowed) or 'none'}.",
            status=status,
            allowed=allowed,
        )


class IdConflict(Conflict):
    code = "id_conflict"
    default_detail = "A different complaint already has this id."


class ComplaintOnHold(Conflict):
    code = "on_hold"

    def __init__(self, *, until) -> None:
        super().__init__(f"Already on hold until {until:%Y-%m-%d %H:%M} UTC; resume it first.", until=until.isoformat())


class ComplaintNotOnHold(Conflict):
    code = "not_on_hold"
    default_detail = "The complaint is not on hold."
