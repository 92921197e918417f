"""Approval PINs: an approver standing by decides on the requester's tablet with their own PIN.

A PIN is looked at only for someone who may decide the request (``selectors.approvers_in_person``); for
anyone else the answer is the same as for a wrong PIN, and counts as one, so the answer never tells a
right PIN from a wrong one. Wrong tries are counted per tablet and approver (``ApprovalPinTries``): five
lock that approver on that tablet only, for 15 minutes, then twice as long each time again; every
refused try is an event on the complaint, and a lock tells the approver.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.events import event_record
from complaints.locks import complaint_lock
from complaints.models import Complaint, DeadlineStep, EventKind
from core.audit import audit_actor
from core.errors import NotPermitted
from recovery.approvals.errors import PinLocked, PinNotSet, WrongPin
from recovery.approvals.selectors import approvers_in_person
from recovery.models import ApprovalPin, ApprovalPinTries, ApprovalRequest, NotificationKind
from recovery.notices import notifications, texts
from staff.models import Role, User

PIN_MAX_ATTEMPTS = 5
PIN_LOCKOUT = timedelta(minutes=15)
# Each lock in a row lasts twice the one before, up to a day: a few dozen guesses a day at most.
PIN_LOCKOUT_MAX = timedelta(days=1)
# The notice of a lock sits on the request's approval deadline, which goes up by cycles, not levels: its
# level 0 is the approvers' "please decide", and level 1 is free for this (once per approver and cycle).
PIN_LOCKED_NOTICE_LEVEL = 1


@transaction.atomic
def approval_pin_set(*, user: User, pin: str, password: str) -> None:
    """Set (or change) ``user``'s approval PIN; their password proves it is them.

    Locks on tablets stay: a new PIN is no reason to give whoever was guessing fresh tries.
    """
    if not user.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted(_("Only supervisors, managers and admins approve, so only they have an approval PIN."))
    if not user.check_password(password):
        raise ValidationError({"password": _("Wrong password.")})
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValidationError({"pin": _("4 to 12 digits.")})
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise ValidationError({"pin": _("Too easy to guess: avoid repeated or consecutive digits.")})
    audit_actor(user)
    ApprovalPin.objects.update_or_create(user=user, defaults={"pin_hash": make_password(pin)})


def approval_in_person_check(
    *, approval: ApprovalRequest, approver: User, tablet_of: User, pin: str, now: datetime | None = None
) -> None:
    """Let ``approver`` decide ``approval`` on ``tablet_of``'s tablet if they may decide it and ``pin`` is theirs.

    Raises ``WrongPin`` alike for an approver who may not decide this request and for a wrong PIN,
    ``PinLocked`` while this approver is locked on this tablet, ``PinNotSet`` for an approver who may
    decide it but has no PIN. Its own transaction, which commits even when the try is refused: a
    failed try must count, and leave its event.
    """
    now = now or timezone.now()
    with transaction.atomic():
        complaint = complaint_lock(approval.complaint, actor=tablet_of)
        attempt = _Try(complaint, approval, approver=approver, tablet_of=tablet_of, now=now)
        tries = _tries_lock(approver=approver, tablet_of=tablet_of)
        if tries.locked_until is not None and tries.locked_until > now:
            attempt.record(tries)
            refusal = PinLocked(locked_until=tries.locked_until)
        else:
            may_decide = approvers_in_person(approval).filter(pk=approver.pk).exists()
            record = ApprovalPin.objects.filter(user=approver).first()
            if may_decide and record is None:
                raise PinNotSet()
            if record is not None:
                right = check_password(pin, record.pin_hash)
            else:
                make_password(pin)  # as long as a check: the time taken does not tell who has a PIN
                right = False
            if may_decide and right:
                if tries.failed or tries.lockouts:
                    tries.failed, tries.lockouts = 0, 0
                    tries.save(update_fields=["failed", "lockouts", "updated_at"])
                return
            refusal = attempt.count_wrong(tries)
    raise refusal


def _tries_lock(*, approver: User, tablet_of: User) -> ApprovalPinTries:
    ApprovalPinTries.objects.bulk_create(
        [ApprovalPinTries(approver=approver, tablet_of=tablet_of)], ignore_conflicts=True
    )
    return ApprovalPinTries.objects.select_for_update().get(approver=approver, tablet_of=tablet_of)


@dataclass(frozen=True)
class _Try:
    """One refused try: whose tablet, which approver, on which request."""

    complaint: Complaint
    approval: ApprovalRequest
    approver: User
    tablet_of: User
    now: datetime

    def count_wrong(self, tries: ApprovalPinTries) -> Exception:
        """One more wrong try: recorded, and the fifth locks this approver on this tablet and tells them."""
        tries.failed += 1
        locked = tries.failed >= PIN_MAX_ATTEMPTS
        if locked:
            tries.locked_until = self.now + min(PIN_LOCKOUT * 2**tries.lockouts, PIN_LOCKOUT_MAX)
            tries.failed = 0
            tries.lockouts += 1
        tries.save(update_fields=["failed", "lockouts", "locked_until", "updated_at"])
        self.record(tries)
        if not locked:
            return WrongPin(attempts_left=PIN_MAX_ATTEMPTS - tries.failed)
        self._tell_approver(until=tries.locked_until)
        return PinLocked(locked_until=tries.locked_until)

    def record(self, tries: ApprovalPinTries) -> None:
        """The try's event: by the tablet's employee, naming the approver. It says nothing of why (the
        requester reads the timeline): only what the answer said."""
        data = {"approval": str(self.approval.pk), "approver": self.approver.username}
        if tries.locked_until is not None and tries.locked_until > self.now:
            data["locked_until"] = tries.locked_until.isoformat()
        else:
            data["attempts_left"] = PIN_MAX_ATTEMPTS - tries.failed
        event_record(
            complaint=self.complaint, kind=EventKind.IN_PERSON_REFUSED, actor=self.tablet_of, at=self.now, data=data
        )

    def _tell_approver(self, *, until: datetime) -> None:
        """The approver hears that their PIN was locked on this tablet (inbox and email): if it was not them
        typing, someone is guessing."""
        deadline = self.complaint.deadlines.filter(step=DeadlineStep.APPROVAL).order_by("-cycle").first()
        if deadline is None or not self.approver.is_active:
            return
        notifications.notifications_create(
            complaint=self.complaint,
            deadline=deadline,
            level=PIN_LOCKED_NOTICE_LEVEL,
            kind=NotificationKind.PIN_LOCKED,
            text=texts.pin_locked_text(self.complaint, tablet_of=self.tablet_of, until=until),
            recipients=[self.approver],
            now=self.now,
        )
