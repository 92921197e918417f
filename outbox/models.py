"""Every message that leaves the product (SMS, work chat, email, webhook): one row each, written in the
transaction of the change that causes it, sent by the worker (``outbox.sending``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Work chat")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # A try failed; another is due at next_attempt_at. (While a worker sends a row, the row is locked
    # in the worker's transaction: "sending" is that lock, not a value written.)
    FAILED = "failed", _("Failed, to be retried")
    SENT = "sent", _("Sent")
    GIVEN_UP = "given_up", _("Given up")


# The statuses a worker still sends (when next_attempt_at is due).
DUE_STATUSES = (MessageStatus.QUEUED, MessageStatus.FAILED)


class OutboxMessage(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Whom it goes to, as the channel's sender reads it: a phone (E.164), an email address, a chat robot's
    # or a webhook subscription's key. Personal data for SMS and email (erased with the customer).
    destination = models.CharField(_("destination"), max_length=320)
    kind = models.CharField(_("kind"), max_length=50)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    # What the channel's sender needs besides the above (template parameters, a webhook's body, …).
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker may send it (next): now, the end of quiet hours, or a retry's backoff. None once done.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=30, blank=True, default="")
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True, default="")
    error_code = models.CharField(_("error code"), max_length=100, blank=True, default="")
    error_message = models.CharField(_("error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # One row per cause, whoever writes it twice (a retried request, a task delivered twice).
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "failed"]),
                name="outbox_due",
            ),
            models.Index(fields=["channel", "destination", "sent_at"], name="outbox_destination_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} #{self.pk}"


class SmsKind(models.TextChoices):
    """The text messages customers get, each from a template per language (``MessageTemplate``)."""

    COMPLAINT_LOGGED = "complaint_logged", _("Complaint received (with its status link)")
    SURVEY_INVITATION = "survey_invitation", _("Survey link after follow-up")
    REOPENED_OUTCOME = "reopened_outcome", _("Outcome of a reopened complaint")


# Each kind's variables, in the order Tencent's templates number them ({1}, {2}); Alibaba's name them (${reference}).
SMS_KIND_PARAMS = {
    SmsKind.COMPLAINT_LOGGED: ("reference", "link"),
    SmsKind.SURVEY_INVITATION: ("reference", "link"),
    SmsKind.REOPENED_OUTCOME: ("reference", "link"),
}


class MessageTemplate(models.Model):
    """What a text message of a kind says in a language, edited in the admin (``outbox.sms.texts`` checks it).

    The console provider sends this text; Alibaba and Tencent send the template registered with them under the
    kind's template code (settings: SMS_TEMPLATE_CODES), which must say the same, its variables as they write them.
    """

    kind = models.CharField(_("kind"), max_length=50, choices=SmsKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")])
    text = models.CharField(
        _("text"),
        max_length=300,
        help_text=_(
            "Variables in braces: {reference} and {link}. Register the same text with the SMS provider: "
            "Alibaba writes them ${reference} and ${link}, Tencent {1} and {2}."
        ),
    )

    class Meta:
        verbose_name = _("text message template")
        verbose_name_plural = _("text message templates")
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="message_template_one_per_language")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"

    def clean(self) -> None:
        from outbox.sms.texts import template_problems

        if problems := template_problems(self.kind, self.text):
            from django.core.exceptions import ValidationError

            raise ValidationError({"text": problems})


class SmsOptOut(models.Model):
    """A number that replied the opt-out word: no text message goes to it again (its complaints' consent withdrawn)."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    word = models.CharField(_("reply"), max_length=20, blank=True, default="")
    provider = models.CharField(_("provider"), max_length=30, blank=True, default="")
    created_at = models.DateTimeField(_("opted out at"))

    class Meta:
        verbose_name = _("text message opt-out")
        verbose_name_plural = _("text message opt-outs")

    def __str__(self) -> str:
        return self.phone
