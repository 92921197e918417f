from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and customers")

    def ready(self) -> None:
        from complaints.models import Category, ComplaintEvent, CustomerTier, SlaPolicy, new_status_token
        from complaints.status_links import status_link
        from core.database_roles import insert_only
        from core.reference import reference_data_watch
        from outbox.sms.texts import sample_link_register

        reference_data_watch(Category, CustomerTier, SlaPolicy)
        insert_only(ComplaintEvent)
        # The texts this app writes carry the customer's status link: their templates are measured with one.
        sample_link_register(lambda: status_link(new_status_token()))
