"""The framework internals this project leans on, each kept for a gain a benchmark showed, and only here.

Each relies on how Django or DRF work inside, not on what they promise; ``tests/core/test_internals.py``
checks each assumption, so that an upgrade that breaks one fails there, loudly, instead of somewhere else
in silence. Measure again before adding one (``bench/internals.py`` prints what each saves).
"""

import threading
from inspect import getattr_static

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils.functional import cached_property
from rest_framework import serializers

# --- Model instances without Model.__init__ ------------------------------------------------------------------


def instances_from_rows(model: type[Model], db: str, names: list[str], rows: list[tuple]) -> list[Model]:
    """``model.from_db(db, names, row)`` of each row, its columns set in the instance's dict directly.

    What ``Model.__init__`` does for an instance read from the database (``names``: its fields' attnames, all
    of them), without the per-field descriptors and init signals (which nothing receives: checked, else
    ``from_db``): a fifth of a sweep batch's Python went to building its thousand instances.
    """
    if (
        model.from_db.__func__ is not Model.from_db.__func__
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        return [model.from_db(db, names, row) for row in rows]
    instances = []
    for row in rows:
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, row, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, db
        instances.append(instance)
    return instances


# --- A serializer's fields bound once ------------------------------------------------------------------------

_bound = threading.local()


def fields_bound_once(serializer_class: type[serializers.Serializer]):
    """The class's fields, bound once per thread, to lend to each serializer of that class that only validates.

    DRF deep-copies every declared field for each serializer it makes, nested ones included: for a complaint's
    create that cost more than checking its input (about a millisecond). Validating reads nothing of the
    serializer the fields are bound to but a context and ``partial``, which a lender never gives; fields keep
    nothing of one input for the next; one thread checks one input at a time. Relies on ``Serializer.fields``
    being a cached property that an assignment replaces.
    """
    by_class = getattr(_bound, "fields", None)
    if by_class is None:
        by_class = _bound.fields = {}
    fields = by_class.get(serializer_class)
    if fields is None:
        fields = by_class[serializer_class] = serializer_class().fields
    return fields


def fields_lendable() -> bool:
    """Whether DRF still keeps a serializer's bound fields as a cached property (what lending them assumes)."""
    return isinstance(getattr_static(serializers.Serializer, "fields"), cached_property)
