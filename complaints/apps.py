from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and customers")

    def ready(self) -> None:
        from complaints.models import Category, CustomerTier, SlaPolicy
        from core.reference import reference_data_watch

        reference_data_watch(Category, CustomerTier, SlaPolicy)
