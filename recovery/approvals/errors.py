"""Errors of approvals and their PINs, each with its HTTP status and code."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, Conflict, NotPermitted
from recovery.models import ApprovalStatus


class ApprovalAlreadyDecided(Conflict):
    code = "approval_already_decided"

    def __init__(self, *, status: str) -> None:
        super().__init__(
            gettext("This request was already %(status)s; a decision cannot be changed.")
            % {"status": str(ApprovalStatus(status).label).lower()},
            status=status,
        )


class WrongPin(ApplicationError):
    status_code = 403
    code = "wrong_pin"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(
            ngettext(
                "Wrong approval PIN; %(count)d try left before it locks for 15 minutes.",
                "Wrong approval PIN; %(count)d tries left before it locks for 15 minutes.",
                attempts_left,
            )
            % {"count": attempts_left},
            attempts_left=attempts_left,
        )


class PinLocked(ApplicationError):
    status_code = 403
    code = "pin_locked"

    def __init__(self, *, locked_until: datetime) -> None:
        super().__init__(
            gettext(
                "Too many wrong PINs: approving in person is locked for this approver until %(time)s (%(zone)s time); "
                "approve from their own device instead."
            )
            # In the zone of whoever reads it: the store's on its pages, UTC in the API.
            % {"time": f"{timezone.localtime(locked_until):%H:%M}", "zone": timezone.get_current_timezone_name()},
            locked_until=locked_until.isoformat(),
        )


class PinNotSet(NotPermitted):
    code = "pin_not_set"
    default_detail = _(
        "This approver has not set an approval PIN; they set one with PUT /api/v1/me/approval-pin/ "
        "(their password and a new PIN)."
    )
