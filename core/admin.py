"""Admin pieces shared by the apps."""

from django.contrib import admin

from core.models import SigninDeviceFailures


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their services (which keep the event log): view, never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SigninDeviceFailures)
class SigninDeviceFailuresAdmin(ReadOnlyAdmin):
    """Lockouts on devices where the username signed in before (core.signin): deleting one lifts it early."""

    list_display = ["username", "failures", "last_failed_at", "device"]
    search_fields = ["username"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
