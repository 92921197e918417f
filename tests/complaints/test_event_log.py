"""The event log is append-only: no API, ORM call or SQL statement changes or deletes an event, but for the words
typed into a forgotten customer's events."""

import pytest
from django.db import DatabaseError, connection, transaction

from complaints.models import AppendOnlyError, ComplaintEvent
from recovery.customers.privacy import customer_anonymize


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


@pytest.fixture
def granted(org, api, limits) -> ComplaintEvent:
    """A complaint whose customer was granted a ¥30 voucher with a note: the grant's event."""
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    body = {"resolution": "New soup", "compensation": [{"kind": "voucher", "amount": "30.00", "note": "For Ms. Wang"}]}
    assert frontline1.step(complaint_id, "respond", body).status_code == 200
    return ComplaintEvent.objects.get(complaint_id=complaint_id, kind="compensation_granted")


def rewritten(sql: str, *params) -> None:
    """Run ``sql``, which the log must refuse whoever runs it, in a savepoint."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_no_session_setting_lets_even_the_tables_owner_rewrite_an_event(granted):
    """The tests run as the owner (a superuser): the guard itself refuses, whatever the session says."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL complaints.event_redaction = 'on'")
        rewritten("""UPDATE complaints_complaintevent SET data = jsonb_set(data, '{total}', '"99999.00"')""")
        rewritten("UPDATE complaints_complaintevent SET at = at - interval '1 day'")
        rewritten("DELETE FROM complaints_complaintevent")
    assert ComplaintEvent.objects.get(pk=granted.pk).data["total"] == "30.00"


def test_the_words_of_an_event_go_only_when_its_customer_is_forgotten_and_only_the_words(granted):
    redacted = "UPDATE complaints_complaintevent SET data = complaints_event_data_redacted(data) WHERE id = %s"
    rewritten(redacted, granted.pk)  # the customer is not forgotten
    with pytest.raises(DatabaseError, match="not forgotten"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT complaints_customer_events_redact(%s)", [granted.complaint.customer_id])

    assert customer_anonymize(customer=granted.complaint.customer) is True

    data = ComplaintEvent.objects.get(pk=granted.pk).data
    assert (data["total"], data["currency"]) == ("30.00", "CNY")
    assert [(line["kind"], line["amount"], line["note"]) for line in data["compensation"]] == [
        ("voucher", "30.00", "[removed]")
    ]
    # Forgotten, their events still take no other change than that.
    rewritten(
        """UPDATE complaints_complaintevent SET data = jsonb_set(data, '{total}', '"99999.00"') WHERE id = %s""",
        granted.pk,
    )
    rewritten("UPDATE complaints_complaintevent SET data = '{}' WHERE id = %s", granted.pk)
