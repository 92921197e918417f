"""Changing SLA policies (admins)."""

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import SlaPolicy
from core.audit import audit_actor
from core.errors import NotPermitted
from staff.models import Role, User


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, actor: User, **windows: int) -> SlaPolicy:
    """Change an SLA policy's windows (admins). Deadlines opened from now on use them."""
    if not actor.has_role_at_least(Role.ADMIN):
        raise NotPermitted(_("Only admins change SLA policies."))
    audit_actor(actor)
    for field, seconds in windows.items():
        setattr(policy, field, seconds)
    policy.full_clean()
    policy.save(update_fields=[*windows])
    return policy
