"""Production's two roles: the runtime role, granted what ``migrate`` grants it, works the app's rows but cannot
rewrite, delete or empty the event log, disable its guard or change the schema; forgetting a customer still works,
through the one function that may remove their words."""

import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from complaints.models import ComplaintEvent
from core.database_roles import runtime_role_grant
from recovery.customers.privacy import customer_anonymize

TOTAL_TO_99999 = """UPDATE complaints_complaintevent SET data = jsonb_set(data, '{total}', '"99999.00"')"""


@pytest.fixture
def runtime_role(db) -> str:
    """A role granted as ``migrate`` grants ``DATABASE_RUNTIME_ROLE``; the test's connection acts as it (SET ROLE)
    until the test ends, and its transaction, the role's creation with it, is rolled back."""
    role = f"runtime_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        runtime_role_grant(cursor, role)
        cursor.execute(f"SET ROLE {role}")
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def refused(sql: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_the_runtime_role_works_the_app_but_cannot_rewrite_delete_or_empty_the_event_log(
    org, api, limits, runtime_role
):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    body = {"resolution": "New soup", "compensation": [{"kind": "voucher", "amount": "30.00", "note": "For Ms. Wang"}]}
    assert frontline1.step(complaint_id, "respond", body).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (runtime_role,)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the metrics' facts, kept at commit: by this role too
    event = ComplaintEvent.objects.get(complaint_id=complaint_id, kind="compensation_granted")

    refused(TOTAL_TO_99999, "permission denied")
    refused("DELETE FROM complaints_complaintevent", "permission denied")
    refused("TRUNCATE complaints_complaintevent CASCADE", "permission denied")
    refused("ALTER TABLE complaints_complaintevent DISABLE TRIGGER complaints_event_append_only", "must be owner")
    refused("DROP TRIGGER complaints_event_append_only ON complaints_complaintevent", "must be owner")
    refused("CREATE TABLE runtime_made (id integer)", "permission denied")
    # The setting the log's guard once listened to opens nothing.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL complaints.event_redaction = 'on'")
        refused(TOTAL_TO_99999, "permission denied")
    # The one function redacts for its purpose only: a customer being forgotten.
    refused(f"SELECT complaints_customer_events_redact({event.complaint.customer_id})", "not forgotten")

    assert customer_anonymize(customer=event.complaint.customer) is True

    data = ComplaintEvent.objects.get(pk=event.pk).data
    assert (data["total"], [line["note"] for line in data["compensation"]]) == ("30.00", ["[removed]"])


def test_migrate_grants_the_configured_runtime_role_and_none_without_one(db, settings):
    role = f"runtime_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")

    call_command("migrate", verbosity=0)  # nothing to apply: its post_migrate step alone
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'complaints_complaint', 'UPDATE')", [role])
        assert cursor.fetchone() == (False,)

    settings.DATABASE_RUNTIME_ROLE = role
    call_command("migrate", verbosity=0)

    privileges = {}
    with connection.cursor() as cursor:
        for table in ("complaints_complaint", "complaints_complaintevent", "recovery_complaintfacts"):
            cursor.execute(
                "SELECT privilege FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) privilege "
                "WHERE has_table_privilege(%s, %s, privilege)",
                [role, table],
            )
            privileges[table] = [row[0] for row in cursor.fetchall()]
    assert privileges == {
        "complaints_complaint": ["SELECT", "INSERT", "UPDATE", "DELETE"],
        "complaints_complaintevent": ["SELECT", "INSERT"],
        "recovery_complaintfacts": ["SELECT", "INSERT", "UPDATE", "DELETE"],
    }
