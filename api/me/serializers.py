"""Shapes of the caller's own resources: who I am, my limits, my approval PIN."""

from rest_framework import serializers

from api.serializers import MONEY
from core.rest.fields import ChoiceField, CodeField, StrictUUIDField
from recovery.compensation import selectors as compensation_selectors
from recovery.compensation.policies import left_for_customer, left_today
from recovery.models import CompensationKind
from staff.models import Role, Store, User, language_choices
from staff.selectors import stores_visible_to

LANGUAGE_HELP = (
    "The language you are answered in (the pages, the API's messages, your emails); empty: what your browser asks "
    "for (`Accept-Language`)."
)


class MeSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    language = ChoiceField(choices=language_choices(), allow_blank=True, help_text=LANGUAGE_HELP)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "store", "region", "language"]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    language = ChoiceField(choices=language_choices(), allow_blank=True, help_text=LANGUAGE_HELP)


class MyLimitsQuerySerializer(serializers.Serializer):
    store = CodeField(
        noun="store",
        slug_field="code",
        queryset=Store.objects.none(),
        required=False,
        help_text="Store code; defaults to yours (managers and admins: required).",
    )
    complaint = StrictUUIDField(required=False, help_text="A complaint: its store, and what is left for its customer.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user := self.context.get("user"):  # only the caller's stores are known to them
            self.fields["store"].queryset = stores_visible_to(user)


class ApprovalPinInputSerializer(serializers.Serializer):
    pin = serializers.RegexField(r"^[0-9]{4,12}$", write_only=True, help_text="4 to 12 digits.")
    password = serializers.CharField(max_length=128, write_only=True, help_text="Your password, to prove it is you.")


class PerActionLimitSerializer(serializers.Serializer):
    max = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: no limit.")


class LimitSerializer(PerActionLimitSerializer):
    used = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: not known (no customer given).")
    left = serializers.DecimalField(**MONEY, allow_null=True, help_text="null: no limit, or not known.")


class MyLimitsSerializer(serializers.Serializer):
    role = ChoiceField(choices=Role.choices)
    store = serializers.CharField(help_text="The store these limits apply in (a store may override them).")
    currency = serializers.CharField()
    business_day = serializers.DateField(help_text="Today, in the store's time zone.")
    allowed_kinds = serializers.ListField(child=ChoiceField(choices=CompensationKind.choices))
    allow_zero_amount = serializers.BooleanField(
        help_text="Whether any kind may be granted at 0 (see zero_amount_kinds)."
    )
    zero_amount_kinds = serializers.ListField(
        child=ChoiceField(choices=CompensationKind.choices),
        help_text="The kinds you may grant at 0: those of no set value, where your policy allows it.",
    )
    per_action = PerActionLimitSerializer()
    per_day = LimitSerializer(help_text="What you granted this business day, and what is left.")
    per_customer_30_days = LimitSerializer(
        help_text="With `complaint`: what its customer got in 30 days (all staff), and what is left."
    )

    @staticmethod
    def from_report(report: compensation_selectors.LimitsReport) -> dict:
        limits, usage = report.limits, report.usage
        return {
            "role": limits.role,
            "store": report.store.code,
            "currency": report.store.currency,
            "business_day": report.business_day,
            "allowed_kinds": sorted(limits.allowed_kinds),
            "allow_zero_amount": bool(limits.zero_amount_kinds),
            "zero_amount_kinds": sorted(limits.zero_amount_kinds),
            "per_action": {"max": limits.max_per_action},
            "per_day": {"max": limits.max_per_day, "used": usage.granted_today, "left": left_today(limits, usage)},
            "per_customer_30_days": {
                "max": limits.max_per_customer,
                "used": usage.customer_30_days,
                "left": left_for_customer(limits, usage),
            },
        }
