from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and customers")

    def ready(self) -> None:
        from complaints.models import Category, ComplaintEvent, CustomerTier, SlaPolicy
        from core.database_roles import insert_only
        from core.reference import reference_data_watch

        reference_data_watch(Category, CustomerTier, SlaPolicy)
        insert_only(ComplaintEvent)
