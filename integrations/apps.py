from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Work chat and webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.reference import reference_data_watch
        from integrations.chat import chat_send
        from integrations.models import ChatRobot, WebhookSubscription
        from integrations.webhooks import webhook_send
        from outbox.models import Channel
        from outbox.sending import register_sender

        register_sender(Channel.CHAT, chat_send)
        register_sender(Channel.WEBHOOK, webhook_send)
        # The robots and subscriptions are kept per process (core.reference): any change reaches every process.
        reference_data_watch(ChatRobot, WebhookSubscription)
