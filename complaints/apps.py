from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"

    def ready(self) -> None:
        from complaints.models import Category, CustomerTier, SlaPolicy
        from core.reference import reference_data_watch

        reference_data_watch(Category, CustomerTier, SlaPolicy)
