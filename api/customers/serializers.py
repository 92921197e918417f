"""Shapes of a customer's page: their complaints in your stores, compensation, satisfaction, flags and tiers."""

from rest_framework import serializers

from api.serializers import MONEY, CustomerSerializer
from complaints.limits import REASON_MAX_CHARS
from complaints.models import Complaint, ComplaintStatus, CustomerTier, CustomerTierChange, TierChangeSource
from core.rest.fields import ChoiceField, CodeField


class CustomerFlagsSerializer(serializers.Serializer):
    repeat_complainant = serializers.BooleanField(help_text="2 or more complaints in the last 90 days (all stores).")
    unusual_compensation = serializers.BooleanField(
        help_text="More than CUSTOMER_UNUSUAL_COMPENSATION_SHARE of their complaints of the last 365 days got a "
        "grant above the compensation guideline."
    )
    complaints_90_days = serializers.IntegerField()
    complaints_365_days = serializers.IntegerField()
    above_guideline_365_days = serializers.IntegerField(help_text="Complaints with a grant above the guideline.")


class TierSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the language asked for.")

    class Meta:
        model = CustomerTier
        fields = ["code", "name", "is_default"]
        read_only_fields = fields


class CustomerComplaintSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = ChoiceField(choices=ComplaintStatus.choices, read_only=True)
    granted = serializers.DecimalField(**MONEY, read_only=True, help_text="Compensation granted on it.")

    class Meta:
        model = Complaint
        fields = ["id", "reference", "store", "category", "severity", "status", "created_at", "satisfaction", "granted"]
        read_only_fields = fields


class TierChangeSerializer(serializers.ModelSerializer):
    tier_before = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    tier_after = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    source = ChoiceField(choices=TierChangeSource.choices, read_only=True)

    class Meta:
        model = CustomerTierChange
        fields = ["at", "tier_before", "tier_after", "source", "actor", "reason"]
        read_only_fields = fields


class CustomerPageSerializer(serializers.Serializer):
    """``recovery.customers.selectors.CustomerHistory``."""

    customer = CustomerSerializer()
    anonymized_at = serializers.DateTimeField(source="customer.anonymized_at", allow_null=True)
    tier = TierSerializer(allow_null=True, help_text="Their own tier, else the default tier.")
    flags = CustomerFlagsSerializer()
    granted_30_days = serializers.DecimalField(**MONEY, help_text="Granted to them in the last 30 days, all stores.")
    granted_365_days = serializers.DecimalField(**MONEY, help_text="Granted to them in the last 365 days, all stores.")
    satisfaction_average = serializers.FloatField(allow_null=True, help_text="Of the scores they gave (1-5).")
    complaints = CustomerComplaintSerializer(many=True, help_text="Their complaints in your stores, newest first.")
    tier_changes = TierChangeSerializer(many=True)


class TierInputSerializer(serializers.Serializer):
    tier = CodeField(
        noun="tier",
        slug_field="code",
        queryset=CustomerTier.objects.all(),
        allow_null=True,
        help_text="A, B or C; null: the default tier.",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_CHARS, help_text="Why the tier changes (kept in the tier history)."
    )
