"""What frontline staff may not do alone, so that nobody can put off a complaint's escalation for good: hold it long
or again and again, or lower its severity. A supervisor, manager or admin may. The services refuse by these rules,
and ``recovery.actions.available_actions`` offers by them.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from complaints.models import SEVERITY_RANK, Complaint, Severity
from core.errors import NotPermitted
from staff.models import Role, User

# One hold, anyone's: due times stand still until then at the latest.
MAX_HOLD = timedelta(days=30)
# One hold by frontline staff: a week is enough to wait for a receipt or a call back.
FRONTLINE_MAX_HOLD = timedelta(days=7)
# Frontline staff may hold a complaint that was put on hold fewer times than this (by anyone): with the week above, a
# complaint stands still at most two weeks before a supervisor decides it may wait longer.
FRONTLINE_HOLDS = 2


def _supervising(user: User) -> bool:
    return user.has_role_at_least(Role.SUPERVISOR)


def hold_end_refusal(user: User, *, now: datetime, until: datetime) -> ValidationError | None:
    """Why ``user`` may not hold a complaint from ``now`` until ``until``, as the error to raise; None when they may."""
    longest = MAX_HOLD if _supervising(user) else FRONTLINE_MAX_HOLD
    if now < until <= now + longest:
        return None
    if longest < MAX_HOLD:
        message = _(
            "A moment in the future, at most %(days)s days ahead; a supervisor may hold it for up to %(longest)s days."
        )
    else:
        message = _("A moment in the future, at most %(days)s days ahead.")
    return ValidationError({"until": message % {"days": longest.days, "longest": MAX_HOLD.days}})


def hold_refusal(user: User, complaint: Complaint) -> NotPermitted | None:
    """Why ``user`` may not put ``complaint`` on hold once more, as the error to raise; None when they may."""
    if _supervising(user) or complaint.holds < FRONTLINE_HOLDS:
        return None
    return NotPermitted(
        _(
            "This complaint was put on hold %(holds)s times already: only a supervisor, manager or admin may hold "
            "it again."
        )
        % {"holds": complaint.holds}
    )


def severities_allowed(user: User, complaint: Complaint) -> tuple[str, ...]:
    """The severities ``user`` may re-grade ``complaint`` to: any other for a supervisor and above; a higher one for
    frontline staff."""
    current = SEVERITY_RANK[Severity(complaint.severity)]
    return tuple(
        severity
        for severity, rank in SEVERITY_RANK.items()
        if rank != current and (rank > current or _supervising(user))
    )


def severity_refusal(user: User, complaint: Complaint, severity: str) -> NotPermitted | None:
    """Why ``user`` may not re-grade ``complaint`` to ``severity``, as the error to raise; None when they may."""
    if severity == complaint.severity or severity not in Severity.values:  # nothing to do, or the validation's to say
        return None
    if severity in severities_allowed(user, complaint):
        return None
    return NotPermitted(_("Only a supervisor, manager or admin may lower a complaint's severity."))
