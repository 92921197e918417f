"""Shapes shown by several resources: money, the customer, compensation actions, exceeded limits."""

import re
from decimal import Decimal, InvalidOperation

from rest_framework import serializers

from complaints.masking import mask_email, mask_phone
from complaints.models import Customer
from core.rest.fields import ChoiceField
from core.rest.serializers import FieldsBuiltOnce
from recovery.models import CompensationAction

MONEY = {"max_digits": 12, "decimal_places": 2}


class MoneyField(serializers.DecimalField):
    """An amount in the store's currency: a plain decimal string (``"49.50"``) or a JSON number, never negative.

    Strings are ASCII digits with an optional point: no exponent (``"1e9"``), no sign, no spaces,
    no full-width digits, which Python's Decimal would all accept.
    """

    PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
    default_error_messages = {
        **serializers.DecimalField.default_error_messages,
        "not_plain": 'Enter the amount as plain digits with at most 2 decimals, e.g. "49.50".',
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**MONEY, min_value=Decimal(0), **kwargs)

    def to_internal_value(self, data):
        # A float would round money (0.1 + 0.2); JSON numbers are read as their decimal text.
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str) and not self.PLAIN.fullmatch(data) and _is_finite_decimal(data):
            self.fail("not_plain")
        return super().to_internal_value(data)


def _is_finite_decimal(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


class CustomerSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """The customer in full: on one complaint or the customer's page, which only their stores' staff see."""

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "email"]


class MaskedCustomerSerializer(CustomerSerializer):
    """The customer in a list: phone and email masked (``138****8000``, ``w***@example.com``); the complaint or
    the customer's page shows them whole."""

    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)

    def get_email(self, customer: Customer) -> str:
        return mask_email(customer.email)


class CompensationActionSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CompensationAction
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "note",
            "status",
            "requested_by",
            "granted_by",
            "granted_at",
            "above_guideline",
            "far_above_guideline",
            "approval",
        ]
        read_only_fields = fields


class ExcessSerializer(serializers.Serializer):
    limit = ChoiceField(
        choices=["per_action", "per_day", "per_customer", "anonymous_per_day", "kind"],
        help_text="Which limit was exceeded.",
    )
    max = serializers.DecimalField(**MONEY, required=False, help_text="The limit.")
    requested = serializers.DecimalField(
        **MONEY, required=False, help_text="What was asked: the largest line (per action) or the request's total."
    )
    used_before = serializers.DecimalField(
        **MONEY, required=False, help_text="Per day and per customer: what was already granted against the cap."
    )
    over = serializers.DecimalField(**MONEY, required=False, help_text="By how much.")
    detail = serializers.CharField(required=False)
