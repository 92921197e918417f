"""A just-logged complaint adds its facts and its few day sums (recovery.metrics.projection); a complaint with
work done already, or with facts already, still takes the whole refresh. Either way the day sums, the
kept facts and the figures computed from the records agree."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection

from complaints.events import event_new
from complaints.models import Complaint, ComplaintEvent, EventKind
from recovery import metrics
from recovery.metrics.projection import facts_flush
from recovery.models import ComplaintFacts
from tests.helpers import MINUTE, T0, log_at, walk
from tests.recovery.test_metrics_sources import answers, assert_all_agree

DAY = metrics.MetricsFilter(date_from=date(2026, 11, 23), date_to=date(2026, 11, 23), zone=ZoneInfo("Asia/Shanghai"))


def facts_deferred(on: bool) -> None:
    """The events trigger skips the facts for the rest of the test's transaction (a bulk writer's switch)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('recovery.facts_deferred', %s, true)", ["on" if on else "off"])


def logged_again(complaint_ids: list[str]) -> None:
    """One statement of ``logged`` events for these complaints, as a bulk import would write them."""
    complaints = Complaint.objects.filter(pk__in=complaint_ids)
    ComplaintEvent.objects.bulk_create(
        event_new(complaint=complaint, kind=EventKind.LOGGED, actor=None, at=complaint.created_at)
        for complaint in complaints
    )


def test_a_just_logged_complaint_adds_its_volume_dimension_area_and_category(org, api):
    frontline1 = api(org.frontline1)
    log_at(frontline1, T0, category="food_quality")
    log_at(frontline1, T0 + MINUTE, category="wait_time", customer=None)
    found = answers(org.admin, DAY, group_by="store", now=T0 + 2 * MINUTE)
    assert_all_agree(found)
    assert found["days"]["totals"]["volume"] == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT value, count FROM recovery_facts_day_count WHERE figure = 'category' ORDER BY value::bigint"
        )
        assert [count for _, count in cursor.fetchall()] == [1, 1]


def test_a_batch_of_logged_events_counts_the_just_logged_and_refreshes_the_rest(org, api):
    """Forty complaints whose facts were deferred: thirty-six just logged, four already closed with a score.
    One statement of their ``logged`` events takes the batch's way for the first and the whole refresh
    for the others, and the day counts all forty with the closed ones' scores."""
    frontline1 = api(org.frontline1)
    facts_deferred(True)
    ids = [log_at(frontline1, T0 + n * MINUTE) for n in range(40)]
    for complaint in ids[:4]:
        walk(frontline1, complaint, ["apologize", "respond", "follow-up", "close"])
    assert not ComplaintFacts.objects.exists()
    facts_deferred(False)

    logged_again(ids)

    facts_flush()
    assert ComplaintFacts.objects.count() == 40
    assert ComplaintFacts.objects.filter(closed=True, satisfaction=5).count() == 4
    found = answers(org.admin, DAY, now=T0 + 60 * MINUTE)
    assert_all_agree(found)
    assert found["days"]["totals"]["volume"] == 40
    assert found["days"]["totals"]["closed"] == 4


def test_a_logged_event_for_a_complaint_with_facts_changes_nothing(org, api):
    frontline1 = api(org.frontline1)
    complaint = log_at(frontline1, T0)
    walk(frontline1, complaint, ["apologize", "respond"])
    before = answers(org.admin, DAY, now=T0 + 30 * MINUTE)

    logged_again([complaint])

    after = answers(org.admin, DAY, now=T0 + 30 * MINUTE)
    assert_all_agree(after)
    assert after == before
