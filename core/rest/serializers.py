"""Serializer parts shared by the API's apps."""

import copy

from rest_framework import serializers


class FieldsBuiltOnce:
    """A model serializer whose fields are worked out from the model once per class, then copied for
    each instance, as DRF copies the declared ones.

    DRF builds a ``ModelSerializer``'s fields again for every instance, introspecting the model each
    time: for a complaint's answer that is about a quarter of its cost. Only for serializers whose
    fields do not depend on the request (none of ours do).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        built = type(self).__dict__.get("_fields_built")  # a subclass builds its own
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built
        return copy.deepcopy(built)
