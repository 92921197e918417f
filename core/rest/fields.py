"""Input helpers for serializers: related objects named by code, strict UUIDs, and validating a body."""

from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    """``data`` checked by ``serializer_class``: its validated data, or a 400 with field messages."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CodeField(serializers.SlugRelatedField):
    """A related object named by its code (or username), with a plain "unknown" message."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "does_not_exist": "Unknown {noun} '{value}'.",
    }

    def __init__(self, *, noun: str, **kwargs) -> None:
        self.noun = noun
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Codes are short printable strings; PostgreSQL would refuse a NUL byte or a lone surrogate.
        if not isinstance(data, str) or not data.isprintable() or len(data) > 150:
            self.fail("does_not_exist", noun=self.noun, value=str(data)[:100])
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", noun=self.noun, value=data[:100])


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string (DRF would also take an integer, and ``false`` as the zero UUID)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
