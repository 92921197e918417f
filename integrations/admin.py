"""The admin of work chat robots and webhook subscriptions, and the webhooks' delivery log with replay.

Secrets are written, never shown back: a robot's signing secret and address (WeCom's key, DingTalk's token are in
it) are write-only fields, kept as they are when left empty; a subscription's secret is shown once, when made.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin
from integrations.models import ChatRobot, WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.webhooks import webhook_deliveries_replay


def masked(value: str) -> str:
    """Enough of a secret to tell which it is: its last four characters."""
    return f"…{value[-4:]}" if value else ""


class ChatRobotForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=_("webhook address"),
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "size": 80}),
        help_text=_("It holds the robot's token or key: not shown again. Leave empty to keep the one set."),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("DingTalk's signing secret (SEC…): not shown again. Leave empty to keep the one set."),
    )

    class Meta:
        model = ChatRobot
        fields = ["platform", "name", "store", "region", "webhook_url", "secret", "language"]
        fields += ["allow_private_network", "is_active"]

    def clean(self):
        cleaned = super().clean()
        for name in ("webhook_url", "secret"):
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(ChatRobot.objects.get(pk=self.instance.pk), name)
        if not cleaned.get("webhook_url"):
            self.add_error("webhook_url", _("The robot's address is needed."))
        if bool(cleaned.get("store")) == bool(cleaned.get("region")):
            self.add_error("store", _("Choose a store or a region, not both."))
        return cleaned


@admin.register(ChatRobot)
class ChatRobotAdmin(admin.ModelAdmin):
    form = ChatRobotForm
    list_display = ["name", "platform", "store", "region", "language", "address_shown", "is_active"]
    list_filter = ["platform", "is_active", "language"]
    readonly_fields = ["address_shown", "secret_shown"]

    @admin.display(description=_("address"))
    def address_shown(self, robot: ChatRobot) -> str:
        return robot.webhook_url.split("?")[0] + ("?…" + masked(robot.webhook_url) if "?" in robot.webhook_url else "")

    @admin.display(description=_("signing secret set"))
    def secret_shown(self, robot: ChatRobot) -> str:
        return masked(robot.secret)


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "store", "owner", "allow_private_network", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "store", "owner", "is_active", "failures_in_a_row", "disabled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret_shown", "failures_in_a_row", "disabled_at", "disabled_reason"]

    @admin.display(description=_("signing secret"))
    def secret_shown(self, subscription: WebhookSubscription) -> str:
        # Not yet saved: the default drawn for the form is not the one saving draws (shown once, after saving).
        return masked(subscription.secret) if subscription.pk else ""

    def save_model(self, request, subscription: WebhookSubscription, form, change: bool) -> None:
        if change and subscription.is_active and "is_active" in form.changed_data:
            subscription.failures_in_a_row, subscription.disabled_at, subscription.disabled_reason = 0, None, ""
        super().save_model(request, subscription, form, change)
        if not change:
            messages.warning(
                request,
                _("The signing secret, shown this once: %(secret)s. Give it to the subscriber now.")
                % {"secret": subscription.secret},
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every webhook message: to whom, its event, what came of it; replay sends it again under its webhook-id."""

    list_display = ["created_at", "kind", "destination", "status", "attempts", "error_code", "sent_at", "complaint"]
    list_filter = ["status", "kind", "destination"]
    search_fields = ["complaint__reference", "provider_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["complaint"]
    actions = ["replay"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(channel="webhook")

    @admin.action(description=_("Send again (replay)"))
    def replay(self, request, queryset) -> None:
        count = webhook_deliveries_replay(list(queryset.values_list("pk", flat=True)))
        said = ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        self.message_user(request, said % {"count": count})
