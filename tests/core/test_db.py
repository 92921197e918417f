"""core.db: rows written many at once."""

import pytest

from complaints.models import ComplaintEvent
from core.db import row_new, rows_insert
from recovery.models import EmailState, Notification
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
        row_new(Notification, recipient=org.frontline1, email_state=EmailState.NONE)
