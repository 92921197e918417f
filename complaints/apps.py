from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"

    def ready(self) -> None:
        from complaints.models import Category, ComplaintEvent, CustomerTier, SlaPolicy
        from core.database_roles import insert_only
        from core.reference import reference_data_watch

        reference_data_watch(Category, CustomerTier, SlaPolicy)
        insert_only(ComplaintEvent)
