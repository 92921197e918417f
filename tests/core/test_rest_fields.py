"""``validated``: each body checked on its own, though a serializer class's fields are bound once per thread."""

import threading

import pytest
from rest_framework import serializers

from api.complaints.serializers import ComplaintCreateInputSerializer, RespondInputSerializer
from core.rest.fields import validated


def errors_of(serializer_class, data) -> dict:
    with pytest.raises(serializers.ValidationError) as raised:
        validated(serializer_class, data)
    return raised.value.detail


def test_a_refused_body_leaves_nothing_behind_for_the_next_one(org):
    refused = errors_of(
        ComplaintCreateInputSerializer,
        {"category": "nope", "description": "", "customer": {"phone": "12345", "email": "not-an-email"}},
    )
    assert set(refused) == {"category", "description", "customer"}
    assert set(refused["customer"]) == {"phone", "email"}

    data = validated(
        ComplaintCreateInputSerializer,
        {"category": "food_quality", "description": "Cold soup", "customer": {"phone": "138 0013 8000"}},
    )
    assert data["category"].code == "food_quality"
    assert data["customer"] == {"name": "", "phone": "+8613800138000", "email": ""}
    assert data["severity"] == "medium"  # a default, not the refused body's anything

    assert set(errors_of(ComplaintCreateInputSerializer, {"description": "x"})) == {"category"}


def test_nested_lists_are_checked_item_by_item_each_time():
    first = validated(
        RespondInputSerializer, {"resolution": "Refunded", "compensation": [{"kind": "refund", "amount": "5"}]}
    )
    second = validated(RespondInputSerializer, {"resolution": "Nothing"})
    assert [line["kind"] for line in first["compensation"]] == ["refund"]
    assert second["compensation"] == []
    refused = errors_of(
        RespondInputSerializer, {"resolution": "x", "compensation": [{"kind": "refund"}, {"kind": "?"}]}
    )
    assert set(refused["compensation"][0]) == {"amount"}
    assert set(refused["compensation"][1]) == {"kind", "amount"}


def test_threads_check_their_bodies_apart():
    results: dict[int, object] = {}
    start = threading.Barrier(4)

    def check(i: int) -> None:
        start.wait()
        for _ in range(50):
            results[i] = validated(RespondInputSerializer, {"resolution": f"resolution {i}", "note": str(i)})
            assert results[i]["note"] == str(i)

    threads = [threading.Thread(target=check, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {i: result["resolution"] for i, result in results.items()} == {i: f"resolution {i}" for i in range(4)}
