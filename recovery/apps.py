from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Service recovery")

    def ready(self) -> None:
        from core.reference import reference_data_watch
        from outbox.email import register_email_kind
        from recovery.models import CompensationGuideline
        from recovery.notices import notifications
        from recovery.surveys import invitations

        reference_data_watch(CompensationGuideline)
        # The emails this app writes to the outbox, each made from its record when it is sent.
        register_email_kind(notifications.EMAIL_KIND, notifications.notification_email)
        register_email_kind(invitations.EMAIL_KIND, invitations.survey_email)
