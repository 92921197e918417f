from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        import core.lookups  # noqa: F401  (registers field__any)
        from core.audit import AUDITED, audit_model, triggers_never_skipped_after_migrate
        from core.converters import AnyUUIDConverter, IsoDateConverter
        from core.database_roles import insert_only, runtime_role_grant_after_migrate
        from core.sessions import session_start
        from core.signin import device_remember

        # Before any URLconf is read: every interface's routes may use <anyuuid:...>.
        register_converter(AnyUUIDConverter, "anyuuid")
        register_converter(IsoDateConverter, "isodate")

        # The configuration audit's tables: the runtime role reads and adds rows, never changes or deletes one.
        insert_only(*(audit_model(model) for model in AUDITED))
        # Once per migrate, after every migration: the runtime role gets the tables as they now are.
        post_migrate.connect(runtime_role_grant_after_migrate, sender=self, dispatch_uid="runtime-role-grant")
        post_migrate.connect(
            triggers_never_skipped_after_migrate, sender=self, dispatch_uid="audit-triggers-never-skipped"
        )
        # Every sign-in (pages, admin, API token) makes its device known to the username (core.signin).
        user_logged_in.connect(device_remember, dispatch_uid="core.signin.device_remember")
        # ... and starts its session's shift and idle time (core.sessions).
        user_logged_in.connect(session_start, dispatch_uid="core.sessions.session_start")
