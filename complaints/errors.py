"""Errors of the complaint flow, each with its HTTP status and code."""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.states import allowed_steps, status_label, step_label
from core.errors import ApplicationError, Conflict
from core.i18n import joined


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, step: str, status: str, detail: str | None = None) -> None:
        allowed = allowed_steps(status)
        if detail is None:
            detail = gettext("Cannot %(step)s a complaint that is %(status)s; allowed: %(allowed)s.") % {
                "step": step_label(step),
                "status": status_label(status),
                "allowed": joined(step_label(name) for name in allowed) or gettext("none"),
            }
        super().__init__(detail, status=status, allowed=allowed)


class IdConflict(Conflict):
    code = "id_conflict"
    default_detail = _("A different complaint already has this id.")


class ComplaintOnHold(Conflict):
    code = "on_hold"

    def __init__(self, *, until) -> None:
        super().__init__(
            gettext("Already on hold until %(until)s (%(zone)s time); resume it first.")
            # In the zone of whoever reads it: the store's on its pages, UTC in the API.
            % {"until": f"{timezone.localtime(until):%Y-%m-%d %H:%M}", "zone": timezone.get_current_timezone_name()},
            until=until.isoformat(),
        )


class ComplaintNotOnHold(Conflict):
    code = "not_on_hold"
    default_detail = _("The complaint is not on hold.")


class PublicFormClosed(ApplicationError):
    """The public form has nobody to give a complaint to (no supervisor, manager or admin; no category)."""

    status_code = 503
    code = "public_form_closed"
    default_detail = _("This store cannot take complaints online right now. Please tell a member of staff.")
