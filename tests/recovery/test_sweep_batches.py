"""The sweep works a batch at a time: its statements do not grow with the batch, and a backlog,
however it is split between batches and sweeps, has each due deadline handed out once."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import ComplaintEvent, Deadline
from recovery import reminders, tasks
from recovery.models import Notification
from staff.models import OpeningHours, StoreHoliday
from tests.helpers import MINUTE, T0, Api, log_at, purge_queue, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

SWEPT_AT = T0 + 4 * MINUTE

# A batch, whatever its size: its commit told not to wait for the disk; the due complaints locked;
# their customers, their stores and their assignees, each read once; their open deadlines locked; the
# open hours and holidays of the stores on a business clock; the staff of the stores with an
# escalation; the notifications, their recipients' addresses and their emails (outbox rows); the deadlines,
# the complaints' levels, the events; with an escalation, the active work chat robots (their alerts written in
# one more when there are any: none here). (The customers were joined to the complaints until the batch's rows
# were read without the ORM's row building, which a join needs: one statement more, a fifth less of the batch's
# Python.)
STATEMENTS_PER_BATCH = 16


def due_mix(org, count: int) -> dict[str, int]:
    """``count`` complaints of each kind due at ``SWEPT_AT``, in two stores on two clocks: in person
    and 80% into the time to apologize (a reminder); in person with both steps past due (escalated
    together); by phone and past due in open hours."""
    for store in (org.s1, org.s2):
        for weekday in range(7):
            OpeningHours.objects.create(store=store, weekday=weekday, opens=time(9), closes=time(22))
    StoreHoliday.objects.create(store=org.s2, date=T0.date().replace(month=12, day=25))
    frontline1, frontline3 = Api(org.frontline1), Api(org.frontline3)
    for n in range(count):
        api = frontline1 if n % 2 else frontline3
        log_at(api, T0, severity="critical", customer={"phone": f"+86 138 {n:04d} 0001"})
        # The apology (5 min) and the response (15 min) both overdue: level 1 for both, in one notice.
        log_at(api, T0 - 16 * MINUTE, severity="critical", customer={"phone": f"+86 138 {n:04d} 0002"})
        # By phone: 30 minutes to apologize, counted in open hours (from 11:20 in Shanghai).
        log_at(api, T0 - 40 * MINUTE, severity="critical", channel="phone", customer={"phone": f"+86 138 {n:04d} 0003"})
    return {
        "reminders": count,
        "escalated steps": count * 2 + count,
        "escalation notices": count * 2,  # one per complaint, to its store's one supervisor
    }


@pytest.mark.parametrize("count", [2, 20])
def test_a_batch_takes_the_same_statements_however_many_deadlines_are_due(org, sla, count):
    expected = due_mix(org, count)

    with CaptureQueriesContext(connection) as queries:
        swept = reminders.due_batch_sweep(now=SWEPT_AT)

    assert swept.handled == expected["reminders"] + expected["escalated steps"]
    assert Notification.objects.filter(kind="reminder").count() == expected["reminders"]
    assert ComplaintEvent.objects.filter(kind="escalated").count() == expected["escalated steps"]
    notices = Notification.objects.filter(kind="escalation")
    assert notices.count() == expected["escalation notices"]
    assert {(n.recipient.username, n.complaint.store.code) for n in notices} == {
        ("supervisor1", "S1"),
        ("supervisor2", "S2"),
    }
    assert len(swept.notification_ids) == Notification.objects.count()  # everyone here has an email
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) == STATEMENTS_PER_BATCH, "\n".join(statements)


def test_a_backlog_in_small_batches_and_two_sweeps_at_once_is_handed_out_once(org, sla, settings):
    settings.SLA_SWEEP_BATCH = 7
    frontline1 = Api(org.frontline1)
    for n in range(40):
        log_at(frontline1, T0, severity="critical", customer={"phone": f"+86 138 0000 {n:04d}"})
    purge_queue()

    results = run_at_once(2, lambda i: tasks.sweep_due(now=SWEPT_AT.isoformat()))

    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result["deadlines"] for result in results) == 40  # each due deadline once, none twice
    assert Notification.objects.filter(kind="reminder").count() == 40
    assert not Deadline.objects.filter(step="apologize", reminded_at=None).exists()
    assert tasks.sweep_due(now=SWEPT_AT.isoformat())["deadlines"] == 0
    purge_queue()


def _complaint_updates() -> tuple[int, int]:
    """The complaint table's updates so far, and how many of them were in place (HOT), this backend's included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # flushed as this statement's transaction ends
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'complaints_complaint'"
        )
        return cursor.fetchone()


def test_an_escalation_updates_the_complaint_in_place_without_rewriting_its_indexes(org, sla):
    """The level has no index, and the table's pages keep room: the sweep's busiest write stays on its page."""
    log_at(Api(org.frontline1), T0, severity="critical")
    updates, in_place = _complaint_updates()

    swept = reminders.due_batch_sweep(now=T0 + 6 * MINUTE)  # the apology was due at T0 + 5 minutes

    assert swept.handled == 1
    assert ComplaintEvent.objects.filter(kind="escalated").count() == 1
    after, in_place_after = _complaint_updates()
    assert after - updates == 1, "the sweep wrote the complaint's level once"
    assert in_place_after - in_place == 1, "as a HOT update"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'complaints_complaint'")
        assert "fillfactor=85" in cursor.fetchone()[0]
