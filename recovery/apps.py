from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"

    def ready(self) -> None:
        from core.reference import reference_data_watch
        from recovery.models import CompensationGuideline

        reference_data_watch(CompensationGuideline)
