"""core.internals: each framework internal the project leans on still works as it assumes, or fails here."""

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError

from api.complaints.serializers import ComplaintCreateInputSerializer
from complaints.models import Deadline
from core.bulk_rows import instances_fetch
from core.cursors import cursor_bound
from core.internals import fields_lendable
from core.rest.fields import validated
from tests.helpers import T0, Api, log_at

BODIES = [
    {"channel": "in_person", "category": "food_quality", "stage": "in_sale", "description": "Cold soup."},
    {"channel": "carrier-pigeon", "category": "food_quality", "stage": "in_sale", "description": ""},
    {
        "channel": "phone",
        "category": "wait_time",
        "stage": "after_sale",
        "description": "Late.",
        "severity": "high",
        "customer": {"name": "Li", "phone": "13800138000"},
    },
    {"channel": "phone", "stage": 5, "customer": {"phone": ["x"]}},
]


def fresh(body: dict):
    """What DRF itself says of ``body``: its own serializer, its own fields."""
    serializer = ComplaintCreateInputSerializer(data=body)
    return serializer.validated_data if serializer.is_valid() else serializer.errors


def lent(body: dict):
    try:
        return validated(ComplaintCreateInputSerializer, body)
    except ValidationError as refused:
        return refused.detail


def test_drf_keeps_a_serializers_fields_as_a_cached_property_that_lending_replaces():
    assert fields_lendable(), "DRF's Serializer.fields is no longer a cached_property: stop lending fields"


@pytest.mark.django_db
def test_lent_fields_validate_each_input_as_drfs_own_and_keep_nothing_from_the_last(org):
    # Twice over, in turn: a field lent for one input must carry nothing of it to the next.
    for body in BODIES + BODIES:
        assert lent(body) == fresh(body)


@pytest.mark.django_db
def test_instances_are_built_by_django_when_someone_listens_to_their_init(org, sla):
    log_at(Api(org.frontline1), T0)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Deadline)
    try:
        fetched = instances_fetch(Deadline.objects.all())
    finally:
        post_init.disconnect(receiver, sender=Deadline)
    assert seen == fetched
    assert len(fetched) == 2


@pytest.mark.django_db
def test_a_prepared_statement_is_logged_with_its_text_when_statements_are_counted():
    with cursor_bound(connection, prepared=True) as cursor:  # prepared on the connection, unlogged
        cursor.execute("SELECT %s::int + 1", [41])
    with CaptureQueriesContext(connection) as captured, cursor_bound(connection, prepared=True) as cursor:
        for _ in range(3):
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
    # Bound apart from the statement: its text with the placeholder the server fills.
    assert [query["sql"] for query in captured.captured_queries] == ["SELECT $1::int + 1"] * 3
