"""The metrics' query: a period, the filters and a grouping."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.models import Channel, Severity
from core.rest.fields import ChoiceField
from recovery.metrics import GROUPINGS

DEFAULT_DAYS = 30
LONGEST_PERIOD = timedelta(days=366)


class MetricsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, help_text="First day (the stores' calendar); default 30 days ago."
    )
    date_to = serializers.DateField(required=False, help_text="Last day, inclusive; default today.")
    store = serializers.CharField(required=False, help_text="Store codes, comma-separated (default: all of yours).")
    region = serializers.CharField(required=False, max_length=20)
    category = serializers.CharField(required=False, max_length=50, help_text="Category code.")
    channel = ChoiceField(choices=Channel.choices, required=False)
    severity = ChoiceField(choices=Severity.choices, required=False)
    group_by = ChoiceField(choices=[(key, key) for key in GROUPINGS], required=False)

    def validate(self, attrs: dict) -> dict:
        zone = self.context["zone"]
        today = timezone.localdate(timezone.now(), zone)
        attrs.setdefault("date_to", today)
        attrs.setdefault("date_from", attrs["date_to"] - timedelta(days=DEFAULT_DAYS - 1))
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_from": [_("The period starts after it ends.")]})
        if attrs["date_to"] - attrs["date_from"] >= LONGEST_PERIOD:
            raise serializers.ValidationError({"date_from": [_("A period of at most 366 days.")]})
        if "store" in attrs:
            attrs["store"] = tuple(code.strip() for code in attrs["store"].split(",") if code.strip())[:100]
        return attrs
