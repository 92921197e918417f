"""Approval PINs: an approver standing by approves on the requester's tablet with their own PIN."""

from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from recovery.approvals.errors import PinLocked, PinNotSet, WrongPin
from recovery.models import ApprovalPin
from staff.models import Role, User

PIN_MAX_ATTEMPTS = 5
PIN_LOCKOUT = timedelta(minutes=15)


@transaction.atomic
def approval_pin_set(*, user: User, pin: str, password: str) -> None:
    """Set (or change) ``user``'s approval PIN; their password proves it is them."""
    if not user.has_role_at_least(Role.SUPERVISOR):
        raise NotPermitted(_("Only supervisors, managers and admins approve, so only they have an approval PIN."))
    if not user.check_password(password):
        raise ValidationError({"password": _("Wrong password.")})
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValidationError({"pin": _("4 to 12 digits.")})
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "09876543210":
        raise ValidationError({"pin": _("Too easy to guess: avoid repeated or consecutive digits.")})
    ApprovalPin.objects.update_or_create(
        user=user, defaults={"pin_hash": make_password(pin), "failed_attempts": 0, "locked_until": None}
    )


def approval_pin_verify(*, approver: User, pin: str, now: datetime | None = None) -> None:
    """Check ``approver``'s PIN, counting wrong tries; 5 wrong in a row lock it for 15 minutes.

    Runs in its own transaction and commits even when the PIN is wrong: a failed try must count.
    """
    now = now or timezone.now()
    with transaction.atomic():
        record = ApprovalPin.objects.select_for_update().filter(user=approver).first()
        if record is None:
            raise PinNotSet()
        if record.locked_until is not None and record.locked_until > now:
            raise PinLocked(locked_until=record.locked_until)
        correct = check_password(pin, record.pin_hash)
        if correct:
            record.failed_attempts = 0
        else:
            record.failed_attempts += 1
        if record.failed_attempts >= PIN_MAX_ATTEMPTS:
            record.failed_attempts = 0
            record.locked_until = now + PIN_LOCKOUT
        record.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
    if not correct:
        if record.locked_until is not None and record.locked_until > now:
            raise PinLocked(locked_until=record.locked_until)
        raise WrongPin(attempts_left=PIN_MAX_ATTEMPTS - record.failed_attempts)
