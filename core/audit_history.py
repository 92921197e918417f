"""django-pghistory as installed here (INSTALLED_APPS names this config): the configuration audit's machinery
(core/audit.py), named for the admin in the reader's language (it names itself "Pghistory")."""

from django.utils.translation import gettext_lazy as _
from pghistory.apps import PGHistoryConfig


class AuditHistoryConfig(PGHistoryConfig):
    verbose_name = _("Configuration audit")
