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
    """A wrong PIN, or an approver who may not decide this request: the same answer, so that it never
    tells whether a PIN was right."""

    status_code = 403
    code = "wrong_pin"

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(
            ngettext(
                "Wrong PIN, or this approver may not decide this request; "
                "%(count)d try left before in-person approval by this approver locks on this device.",
                "Wrong PIN, or this approver may not decide this request; "
                "%(count)d tries left before in-person approval by this approver locks on this device.",
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
                "Too many wrong PINs: approving in person on this device is locked for this approver until "
                "%(time)s (%(zone)s time); they can still decide from their own device."
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
