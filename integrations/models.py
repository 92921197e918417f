"""Where the product reaches outside itself, as an admin sets it up: the work-chat group robots (DingTalk, WeCom) of a
store or a region, told of approvals, breaches and customers still in the store; and integrators' webhook
subscriptions. What they are sent goes through the outbox (``outbox.OutboxMessage``): one row per message and
destination, written in the transaction of its cause."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outbox.models import OutboxMessage
from staff.models import Region, Store


class ChatPlatform(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")


def robot_language_choices() -> list[tuple[str, str]]:
    """The product's languages, or (empty) the store's: each alert in the language of the store it is about."""
    return [("", _("The store's language")), *settings.LANGUAGES]


class ChatRobot(models.Model):
    """A group robot of a store's (or a region's) work chat: its webhook address and, for DingTalk, its signing
    secret ("SEC…"); WeCom's key is in its address. Alerts are written in the group's language, else in the
    language of the store they are about (``Store.language``)."""

    platform = models.CharField(_("platform"), max_length=10, choices=ChatPlatform.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("The group's name, for you."))
    store = models.ForeignKey(
        Store, verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="chat_robots"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE, related_name="chat_robots"
    )
    webhook_url = models.URLField(
        _("webhook address"),
        max_length=500,
        help_text=_(
            "The robot's address as the platform shows it (DingTalk: …/robot/send?access_token=…; WeCom: …?key=…)."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_('DingTalk\'s "sign" secret (SEC…); WeCom has none.'),
    )
    language = models.CharField(_("language"), max_length=10, blank=True, default="", choices=robot_language_choices)
    allow_private_network = models.BooleanField(
        _("allow a private or loopback address"),
        default=False,
        help_text=_(
            "Only for a robot inside your own network (or a local fake): otherwise such addresses are refused."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work chat robot")
        verbose_name_plural = _("work chat robots")
        constraints = [
            models.CheckConstraint(
                condition=Q(store__isnull=False, region__isnull=True) | Q(store__isnull=True, region__isnull=False),
                name="chat_robot_store_or_region",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"


class WebhookEvent(models.TextChoices):
    COMPLAINT_LOGGED = "complaint.logged", _("Complaint logged")
    STEP_DONE = "complaint.step_done", _("Step done")
    COMPENSATION_GRANTED = "compensation.granted", _("Compensation granted")
    APPROVAL_DECIDED = "approval.decided", _("Approval decided")
    COMPLAINT_CLOSED = "complaint.closed", _("Complaint closed")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookSubscription(models.Model):
    """An integrator's endpoint (a POS, a loyalty system, a BI tool) and the events it is sent, signed per
    Standard Webhooks with its secret. Disabled by itself after failing ``WEBHOOK_DISABLE_AFTER_FAILURES`` tries
    in a row; its owner is told."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=webhook_secret_new)
    events = models.JSONField(_("events"), default=list, help_text=_("The event types it is sent."))
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        help_text=_("Only this store's complaints; empty: every store's."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        help_text=_("Told when the subscription is disabled for failing."),
    )
    allow_private_network = models.BooleanField(
        _("allow a private or loopback address"),
        default=False,
        help_text=_("Only for an endpoint inside your own network (or a local test): otherwise refused."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    failures_in_a_row = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(OutboxMessage):
    """The webhook messages of the outbox, as the admin's delivery log shows them (with replay)."""

    class Meta:
        proxy = True
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
