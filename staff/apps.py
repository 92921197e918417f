from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff and stores")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.utils.translation import get_language_from_request

        from core.reference import reference_data_watch
        from staff import services
        from staff.models import RoleAccess

        reference_data_watch(RoleAccess)

        def browser_language_note(sender, request, user, **kwargs) -> None:
            if request is not None:
                services.user_browser_language_note(user=user, language=get_language_from_request(request))

        user_logged_in.connect(browser_language_note, weak=False, dispatch_uid="staff.browser_language_note")
