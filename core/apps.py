from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        from django.urls import register_converter

        from core.converters import AnyUUIDConverter, IsoDateConverter

        # Before any URLconf is read: every interface's routes may use <anyuuid:...>.
        register_converter(AnyUUIDConverter, "anyuuid")
        register_converter(IsoDateConverter, "isodate")

        import core.lookups  # noqa: F401  (registers field__any)
