"""Row locks on complaints, in one place: every change to a complaint starts by taking one here.

Lock order, everywhere: the complaint, then its deadlines or approval request, then the rows a
grant counts against (the granting staff member, the customer). Concurrent changes to one
complaint queue on its row.
"""

from complaints import states
from complaints.errors import InvalidTransition
from complaints.models import Complaint
from core.errors import NotPermitted
from staff.models import User
from staff.selectors import user_can_see_store


def complaint_lock_as_system(complaint_id) -> Complaint:
    """The row lock without an actor's scope check: for the sweep, which acts for nobody."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "assignee", "category", "customer")
        .get(pk=complaint_id)
    )


def complaint_lock(complaint: Complaint, *, actor: User) -> Complaint:
    """Re-read the complaint under a row lock; 403 when it is outside ``actor``'s scope."""
    locked = complaint_lock_as_system(complaint.pk)
    if not user_can_see_store(actor, locked.store):
        raise NotPermitted()
    return locked


def complaint_lock_for_step(complaint: Complaint, *, actor: User, step: str) -> Complaint:
    """The row lock, and 409 naming the allowed steps when ``step`` may not be taken now."""
    locked = complaint_lock(complaint, actor=actor)
    if not states.can_take(step, locked.status):
        raise InvalidTransition(step=step, status=locked.status)
    return locked


def complaint_lock_for_customer_step(complaint_id, *, step: str) -> Complaint:
    """The row lock for a step the customer takes themselves (answering the survey), and 409 when it
    may not be taken now. No staff scope applies: the caller checked the customer's signed link."""
    locked = complaint_lock_as_system(complaint_id)
    if not states.can_take(step, locked.status):
        raise InvalidTransition(step=step, status=locked.status)
    return locked
