from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outgoing messages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The channels this app sends itself; other apps register theirs in their own ready().
        from outbox import email, sms

        email.register()
        sms.register()
