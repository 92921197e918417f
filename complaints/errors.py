"""Errors of the complaint flow, each with its HTTP status and code."""

from complaints.states import allowed_steps
from config.errors import ApplicationError, Conflict


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


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class IdempotentRequestInProgress(Conflict):
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


class ComplaintOnHold(Conflict):
    code = "on_hold"

    def __init__(self, *, until) -> None:
        super().__init__(f"Already on hold until {until:%Y-%m-%d %H:%M} UTC; resume it first.", until=until.isoformat())


class ComplaintNotOnHold(Conflict):
    code = "not_on_hold"
    default_detail = "The complaint is not on hold."
