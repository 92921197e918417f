"""django-axes as installed here (INSTALLED_APPS names this config): the sign-in lockout of core/signin.py, named for
the admin in the reader's language (it names itself "Axes")."""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _


class SigninLockoutConfig(AxesConfig):
    verbose_name = _("Sign-in lockout")
