"""What every step shares: moving the complaint to its next status with its event and due times."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from complaints import states
from complaints.deadlines import deadlines_after_step, deadlines_resume
from complaints.events import event_record
from complaints.models import Complaint, EventKind
from staff.models import Store, User
from staff.selectors import staff_for_store


def assignee_check(assignee: User, store: Store) -> None:
    if not staff_for_store(store).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {
                "assignee": _("%(user)s does not work on store %(store)s's complaints.")
                % {"user": assignee.username, "store": store.code}
            }
        )


def complaint_move(
    complaint: Complaint,
    *,
    actor: User,
    step: str,
    kind: EventKind,
    at: datetime,
    fields: list[str],
    data: dict[str, Any],
    target: str | None = None,
    deadlines_step: str | None = None,
) -> Complaint:
    status_before = complaint.status
    complaint.status = target or states.STEPS[step].target
    if complaint.on_hold_until is not None:
        # Acting on the complaint ends the wait for the customer.
        deadlines_resume(complaint, now=at)
        complaint.on_hold_until, complaint.hold_reason = None, ""
        fields = [*fields, "on_hold_until", "hold_reason"]
    complaint.save(update_fields=[*fields, "status", "updated_at"])
    deadlines_after_step(complaint, step=deadlines_step or step, now=at)
    # The event comes last: writing it refreshes the complaint's facts for the metrics.
    event_record(
        complaint=complaint,
        kind=kind,
        actor=actor,
        at=at,
        data=data,
        status_before=status_before,
        status_after=complaint.status,
    )
    return complaint
