"""A new complaint written in one statement (PostgreSQL): its customer unless known, its reference, the
complaint, its deadlines, its ``logged`` event and the messages it causes (the outbox's rows: the customer's
text message with their reference).

One statement is all-or-nothing by itself, so outside a transaction a create needs no BEGIN and COMMIT,
and every write of it is one round trip, where each was one of its own: the customer's insert, the
reference counter's, then the rest. The store's counter row stays locked from its increment to the
statement's end, which is the end of the complaint's other writes.
"""

from datetime import date
from functools import cache

from django.db import connection

from complaints.models import Complaint, ComplaintEvent, Customer, Deadline, ReferenceCounter
from complaints.references import reference_number_sql, reference_prefix
from core.bulk_rows import NewRow, insert_fields
from core.cursors import cursor_bound
from core.statements import record_dumps, record_json
from outbox.models import OutboxMessage


def complaint_insert_with_customer(
    complaint: Complaint,
    opened: list[Deadline],
    logged: ComplaintEvent,
    *,
    reference_day: date,
    new_customer: Customer | None,
    messages: list[NewRow] = (),
) -> bool:
    """Insert ``complaint`` (its reference numbered from the store's counter for ``reference_day``), the
    deadlines ``opened``, the event ``logged`` and the outbox ``messages`` (each given the complaint's id, and its
    reference as the ``reference`` of its ``payload["params"]``), with ``new_customer`` inserted first as its
    customer, or else ``complaint.customer`` as it is (known, or None).

    Returns False, having written nothing, when ``new_customer``'s phone or email is another customer's
    (the caller finds that customer and calls again with it). On True, ``complaint.reference`` and the new
    customer's primary key are set. A complaint whose id is taken raises ``IntegrityError``.
    """
    store = complaint.store
    document = {
        "store_id": store.pk,
        "day": reference_day.isoformat(),
        "reference_prefix": reference_prefix(store.code, reference_day),
        "complaint": record_json(Complaint, complaint),
        "deadlines": [record_json(Deadline, deadline) for deadline in opened],
        "events": [record_json(ComplaintEvent, logged)],
        "messages": [record_json(OutboxMessage, message) for message in messages],
    }
    if new_customer is not None:
        document["new_customer"] = record_json(Customer, new_customer)
    else:
        document["customer_id"] = complaint.customer_id
    # The document bound apart from the statement, not quoted into its text: PostgreSQL parsed a few kilobytes
    # of literal again for each create.
    with cursor_bound(connection, prepared=True) as cursor:
        cursor.execute(_statement(), [record_dumps(document)])
        row = cursor.fetchone()
    if row is None:
        return False
    complaint.reference, customer_id = row
    if new_customer is not None:
        new_customer.pk = customer_id
        new_customer._state.adding = False
        complaint.customer = new_customer
    for written in (complaint, *opened, logged):
        written._state.adding = False
    return True


@cache
def _statement() -> str:
    """The statement, the same text for every create (one parameter: the document ``complaint_insert_with_customer``
    builds), made once per process from the models' columns."""
    quote = connection.ops.quote_name

    def insert(model, *, source: str, given: dict[str, str]) -> str:
        # Each column from the document's record ``r``, but those the statement itself gives.
        fields = insert_fields(model)
        columns = ", ".join(quote(field.column) for field in fields)
        values = ", ".join(given.get(field.attname, f"r.{quote(field.column)}") for field in fields)
        return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {values} FROM {source}"

    def each(model, key: str) -> str:
        return (
            f"input, complaint, ROWS FROM (jsonb_populate_recordset(NULL::{quote(model._meta.db_table)}, "
            f"input.doc -> '{key}')) WITH ORDINALITY AS r ORDER BY r.ordinality"
        )

    def one(model, key: str) -> str:
        return f"jsonb_populate_record(NULL::{quote(model._meta.db_table)}, input.doc -> '{key}') AS r"

    counter = quote(ReferenceCounter._meta.db_table)
    new_customer = insert(
        Customer, source=f"input, {one(Customer, 'new_customer')} WHERE input.doc ? 'new_customer'", given={}
    )
    complaint = insert(
        Complaint,
        source=f"input, customer, counter, {one(Complaint, 'complaint')}",
        given={
            "reference": f"(input.doc ->> 'reference_prefix') || {reference_number_sql('counter.last_number')}",
            "customer_id": "customer.id",
        },
    )
    deadlines = insert(Deadline, source=each(Deadline, "deadlines"), given={"complaint_id": "complaint.id"})
    events = insert(ComplaintEvent, source=each(ComplaintEvent, "events"), given={"complaint_id": "complaint.id"})
    # The reference is numbered by this statement: the messages that quote it take it from the complaint's row.
    messages = insert(
        OutboxMessage,
        source=each(OutboxMessage, "messages"),
        given={
            "complaint_id": "complaint.id",
            "payload": "jsonb_set(r.payload, '{params,reference}', to_jsonb(complaint.reference))",
        },
    )
    # Each write reads the one before it, so that none happens when the customer's insert was refused.
    return (
        "WITH input AS (SELECT %s::jsonb AS doc), "
        # Any conflict is the phone's or the email's unique index (partial, so not nameable as a constraint, and
        # one statement can name only one): either means the customer is known.
        f"new_customer AS ({new_customer} ON CONFLICT DO NOTHING RETURNING id), "
        "customer AS (SELECT id FROM new_customer UNION ALL "
        "SELECT (doc ->> 'customer_id')::bigint FROM input WHERE NOT doc ? 'new_customer'), "
        f"counter AS (INSERT INTO {counter} AS c (store_id, day, last_number) "
        "SELECT (doc ->> 'store_id')::bigint, (doc ->> 'day')::date, 1 FROM input, customer "
        "ON CONFLICT (store_id, day) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number), "
        f"complaint AS ({complaint} RETURNING id, reference), "
        f"deadlines AS ({deadlines}), "
        f"events AS ({events}), "
        f"messages AS ({messages}) "
        "SELECT complaint.reference, customer.id FROM complaint, customer"
    )
