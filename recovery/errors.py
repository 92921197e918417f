"""Errors of compensation and approvals, each with its HTTP status and code."""

from datetime import datetime

from core.errors import ApplicationError, Conflict, NotPermitted


class ApprovalAlreadyDecided(Conflict):
    code = "approval_already_decided"

    def __init__(self, *, status: str) -> None:
        super().__init__(f"This request was already {status}; a decision cannot be changed.", status=status)


class WrongPin(ApplicationError):
    status_code = 403
    code = "wrong_pin"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(
            f"Wrong approval PIN; {attempts_left} tries left before it locks for 15 minutes.",
            attempts_left=attempts_left,
        )


class PinLocked(ApplicationError):
    status_code = 403
    code = "pin_locked"

    def __init__(self, *, locked_until: datetime) -> None:
        super().__init__(
            "Too many wrong PINs: approving in person is locked for this approver until "
            f"{locked_until:%H:%M} UTC; approve from their own device instead.",
            locked_until=locked_until.isoformat(),
        )


class PinNotSet(NotPermitted):
    code = "pin_not_set"
    default_detail = "This approver has not set an approval PIN; they can set one under their profile."
