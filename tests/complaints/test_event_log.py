"""The event log is append-only: no API, ORM call or SQL statement changes or deletes an event."""

import pytest
from django.db import DatabaseError, connection, transaction

from complaints.models import AppendOnlyError, ComplaintEvent


@pytest.fixture
def event(org, api) -> ComplaintEvent:
    api(org.frontline1).log()
    return ComplaintEvent.objects.get()


def test_orm_refuses_to_change_or_delete_an_event(event):
    event.data = {"tampered": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ComplaintEvent.objects.filter(pk=event.pk).update(kind="closed")
    with pytest.raises(AppendOnlyError):
        ComplaintEvent.objects.all().delete()
    assert ComplaintEvent.objects.get().data == {"channel": "in_person", "severity": "high", "assignee": "frontline1"}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE complaints_complaintevent SET kind = 'closed'",
        "DELETE FROM complaints_complaintevent",
    ],
)
def test_database_refuses_raw_update_and_delete(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert ComplaintEvent.objects.get().kind == "logged"


def test_admin_shows_events_read_only(event, client, org):
    client.force_login(org.admin)
    complaint = event.complaint
    page = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    assert page.status_code == 200
    assert "Logged" in page.content.decode()  # the event, by its label
    assert client.post(f"/admin/complaints/complaintevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/complaints/complaint/{complaint.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ComplaintEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE complaints_complaintevent SET kind = 'closed'",
        "UPDATE complaints_complaintevent SET at = at - interval '1 day', data = '{}'",
        "DELETE FROM complaints_complaintevent",
    ],
)
def test_forgetting_a_customer_may_change_an_events_words_never_what_happened(event, sql):
    """The one exception (``events_redact``, for a customer being forgotten) reaches the data only."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL complaints.event_redaction = 'on'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL complaints.event_redaction = 'on'")
        cursor.execute("""UPDATE complaints_complaintevent SET data = '{"note": "[removed]"}'""")
    assert ComplaintEvent.objects.values_list("kind", "data").get() == ("logged", {"note": "[removed]"})
