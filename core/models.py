"""What the shared kernel keeps: the outcomes of requests sent with an ``Idempotency-Key``, the version of the
reference data every process keeps (core.reference), and failed sign-ins on devices known to the username
(core.signin)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The outcome of a POST sent with an ``Idempotency-Key`` header, kept per user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    key = models.CharField(_("key"), max_length=255)
    request_digest = models.CharField(_("request digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)

    class Meta:
        # Kept from when the complaints app held it: moved without copying rows.
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        db_table = "complaints_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ReferenceDataVersion(models.Model):
    """The one row naming the reference data's current version (core.reference): a new random value each time
    any of it changes, committed with the change."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.UUIDField(_("version"))

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return str(self.version)


class SigninDeviceFailures(models.Model):
    """Failed sign-ins for a username on a device where that username signed in before (core.signin).

    Counted apart from the failures by address (django-axes' access attempts), so that nobody else on the same
    network (a coworker's phone on the store's Wi-Fi) can lock a person out of the tablet they use.
    """

    username = models.CharField(_("username"), max_length=255)
    device = models.CharField(_("device"), max_length=64)
    failures = models.PositiveIntegerField(_("failures"))
    last_failed_at = models.DateTimeField(_("last failed at"))

    class Meta:
        verbose_name = _("failed sign-ins on a known device")
        verbose_name_plural = _("failed sign-ins on known devices")
        constraints = [
            models.UniqueConstraint(fields=["username", "device"], name="signin_device_failures_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.device[:8]}"
