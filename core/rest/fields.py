"""Input helpers for serializers: related objects named by code, choices that name the valid ones, strict
UUIDs, and validating a body."""

from collections.abc import Callable

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.i18n import joined
from core.internals import fields_bound_once


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    """``data`` checked by ``serializer_class``: its validated data, or a 400 with field messages."""
    serializer = serializer_class(data=data)
    serializer.fields = fields_bound_once(serializer_class)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CodeField(serializers.SlugRelatedField):
    """A related object named by its code (or username), with a plain "unknown" message."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "does_not_exist": _("Unknown {noun} '{value}'."),
    }

    def __init__(self, *, noun: str, lookup: Callable[[str], Model | None] | None = None, **kwargs) -> None:
        """``lookup``: finds the object by its code instead of querying ``queryset`` (which still describes
        the field), e.g. from reference data kept in the process; None when there is none."""
        self.noun = noun
        self.lookup = lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Codes are short printable strings; PostgreSQL would refuse a NUL byte or a lone surrogate.
        if not isinstance(data, str) or not data.isprintable() or len(data) > 150:
            self.fail("does_not_exist", noun=self.noun, value=str(data)[:100])
        if self.lookup is not None:
            found = self.lookup(data)
            if found is None:
                self.fail("does_not_exist", noun=self.noun, value=data[:100])
            return found
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", noun=self.noun, value=data[:100])


class ChoiceField(serializers.ChoiceField):
    """DRF's, but a wrong value is told the valid ones, each with its label in the reader's language."""

    default_error_messages = {
        **serializers.ChoiceField.default_error_messages,
        "invalid_choice": _('"{input}" is not a valid choice; choose one of: {choices}.'),
    }

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        try:
            return self.choice_strings_to_values[str(data)]
        except KeyError:
            # Translators: one valid choice, its code then its label.
            choices = joined(
                _("%(code)s (%(label)s)") % {"code": code, "label": label} for code, label in self.choices.items()
            )
            self.fail("invalid_choice", input=str(data)[:100], choices=choices)


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string (DRF would also take an integer, and ``false`` as the zero UUID)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
