"""DRF permission classes by role: small and composable."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from staff.models import Role
from staff.selectors import may_export_complaints


class _RoleAtLeast(BasePermission):
    minimum_role: Role
    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role_at_least(self.minimum_role))


class IsSupervisorOrAbove(_RoleAtLeast):
    minimum_role = Role.SUPERVISOR
    message = _("Only supervisors, managers and admins may do this.")


class IsAdminRole(_RoleAtLeast):
    minimum_role = Role.ADMIN
    message = _("Only admins may do this.")


class MayExportComplaints(BasePermission):
    message = _("Your role may not export complaints; an admin decides which roles may (Django admin → Role access).")

    def has_permission(self, request, view) -> bool:
        return may_export_complaints(request.user)
