"""core.bulk_rows: rows written many at once, and read many at once."""

import pytest

from complaints.models import Complaint, ComplaintEvent, Deadline, EventKind
from core.bulk_rows import instances_fetch, row_new, rows_insert
from recovery.models import Notification
from tests.helpers import T0, Api, log_at

pytestmark = pytest.mark.django_db


def test_a_new_row_takes_the_fields_defaults_and_is_written_as_given(org, sla):
    complaint_id = log_at(Api(org.frontline1), T0)
    event = row_new(ComplaintEvent, complaint_id=complaint_id, kind="escalated", actor_id=None, at=T0)
    assert (event.data, event.status_before) == ({}, "")

    rows_insert(ComplaintEvent, [event, row_new(ComplaintEvent, complaint_id=complaint_id, kind="escalated", at=T0)])

    written = ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="escalated")
    assert [(e.at, e.actor_id, e.data) for e in written] == [(T0, None, {}), (T0, None, {})]


def test_a_new_row_refuses_a_field_it_does_not_have_rather_than_drop_it(org):
    with pytest.raises(TypeError, match="recipient"):
        row_new(Notification, recipient=org.frontline1, level=0)


def _state(instance) -> tuple:
    """What a model instance holds: its loaded fields' values (deferred ones left out) and its state."""
    return (
        {name: value for name, value in vars(instance).items() if not name.startswith("_")},
        instance._state.adding,
        instance._state.db,
    )


def test_instances_fetched_by_keys_are_those_the_orm_gives_deferred_fields_included(org, sla):
    api = Api(org.frontline1)
    ids = [log_at(api, T0, severity=severity) for severity in ("low", "critical", "medium")]
    fetch = Deadline.objects.filter(complaint_id__any=[ids[0], ids[2]]).order_by("complaint_id", "step")
    fetched = instances_fetch(fetch)
    assert [_state(d) for d in fetched] == [
        _state(d) for d in Deadline.objects.filter(complaint_id__in=[ids[0], ids[2]]).order_by("complaint_id", "step")
    ]
    assert {d.complaint_id for d in fetched} == {
        Complaint.objects.get(pk=ids[0]).pk,
        Complaint.objects.get(pk=ids[2]).pk,
    }
    assert len(fetched) == 4  # two deadlines each: apologize and respond

    narrow = instances_fetch(Complaint.objects.only("reference", "store").filter(pk__any=ids).order_by("reference"))
    assert [_state(c) for c in narrow] == [
        _state(c) for c in Complaint.objects.only("reference", "store").filter(pk__in=ids).order_by("reference")
    ]
    assert narrow[2].severity == "medium"  # deferred, read when asked for, as the ORM's own
    assert narrow[0].store == org.s1

    assert instances_fetch(Deadline.objects.filter(complaint_id__any=[])) == []
    with pytest.raises(ValueError, match="plain queryset"):
        instances_fetch(Complaint.objects.select_related("store"))


def test_rows_are_written_with_their_values_as_the_orm_would_save_them(org, sla):
    complaint_id = log_at(Api(org.frontline1), T0)
    naive = T0.replace(tzinfo=None)  # made aware in the current time zone (UTC in tests), as the ORM does
    first, second = (
        row_new(ComplaintEvent, complaint_id=complaint_id, kind=kind, at=T0) for kind in ("held", "resumed")
    )
    first.data["note"] = "own dict"  # each row has its own default {}, not one shared by all
    third = row_new(
        ComplaintEvent, complaint_id=complaint_id, kind=EventKind.ESCALATED, actor_id=org.supervisor1.pk, at=naive
    )
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        rows_insert(ComplaintEvent, [first, second, third])

    written = ComplaintEvent.objects.filter(complaint_id=complaint_id).exclude(kind="logged").order_by("id")
    assert [(e.kind, e.actor_id, e.at, e.data) for e in written] == [
        ("held", None, T0, {"note": "own dict"}),
        ("resumed", None, T0, {}),
        ("escalated", org.supervisor1.pk, T0, {}),
    ]
