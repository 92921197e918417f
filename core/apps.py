from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from core.converters import AnyUUIDConverter, IsoDateConverter
        from core.database_roles import runtime_role_grant_after_migrate

        # Before any URLconf is read: every interface's routes may use <anyuuid:...>.
        register_converter(AnyUUIDConverter, "anyuuid")
        register_converter(IsoDateConverter, "isodate")

        import core.lookups  # noqa: F401  (registers field__any)

        # Once per migrate, after every migration: the runtime role gets the tables as they now are.
        post_migrate.connect(runtime_role_grant_after_migrate, sender=self, dispatch_uid="runtime-role-grant")
