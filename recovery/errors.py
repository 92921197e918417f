"""Errors of compensation and approvals, each with its HTTP status and code."""

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


class NoContactConsent(Conflict):
    code = "no_contact_consent"
    default_detail = _(
        "The customer did not agree to be contacted about this complaint, or gave no phone or email: "
        "follow up in person."
    )


# The survey's links, as the customer meets them (the public page shows each as its own message).


class SurveyLinkInvalid(ApplicationError):
    status_code = 400
    code = "survey_link_invalid"
    default_detail = _("This survey link is not valid. Please open the whole link from your email or the QR code.")


class SurveyLinkExpired(ApplicationError):
    status_code = 410
    code = "survey_link_expired"
    default_detail = _("This survey link has expired. Thank you all the same; the store can send you a new one.")


class SurveyAlreadyAnswered(Conflict):
    code = "survey_already_answered"
    default_detail = _("This survey was already answered. Thank you!")


class SurveyClosed(Conflict):
    code = "survey_closed"
    default_detail = _("This complaint is no longer waiting for your answer; the store has followed it up already.")
