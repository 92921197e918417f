from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff and stores"

    def ready(self) -> None:
        from core.reference import reference_data_watch
        from staff.models import RoleAccess

        reference_data_watch(RoleAccess)
