from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Service recovery")

    def ready(self) -> None:
        from core.reference import reference_data_watch
        from recovery.models import CompensationGuideline

        reference_data_watch(CompensationGuideline)
