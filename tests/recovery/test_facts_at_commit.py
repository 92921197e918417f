"""The metrics' facts are kept when a transaction commits, from what it left: the order its statements wrote
the complaint, its deadlines and its event in no longer matters."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from complaints.events import event_record
from complaints.models import Complaint, EventKind, ServqualDimension
from recovery import metrics
from recovery.metrics.projection import facts_flush
from recovery.models import ComplaintFacts
from tests.helpers import MINUTE, T0, log_at
from tests.recovery.test_metrics_sources import answers, assert_all_agree

DAY = metrics.MetricsFilter(date_from=date(2026, 11, 23), date_to=date(2026, 11, 23), zone=ZoneInfo("Asia/Shanghai"))


def test_a_change_saved_after_its_event_is_in_the_facts_and_the_day_sums(org, api):
    complaint_id = log_at(api(org.frontline1), T0, servqual_dimension=ServqualDimension.EMPATHY)
    complaint = Complaint.objects.get(pk=complaint_id)
    with transaction.atomic():
        event_record(complaint=complaint, kind=EventKind.SEVERITY_CHANGED, actor=org.supervisor1, at=T0 + MINUTE)
        # Saved after its event: the trigger of old refreshed the facts at the event, and missed this.
        Complaint.objects.filter(pk=complaint_id).update(
            servqual_dimension=ServqualDimension.RELIABILITY, satisfaction=2
        )
    found = answers(org.admin, DAY, now=T0 + 2 * MINUTE)
    assert_all_agree(found)
    assert [row["key"] for row in found["days"]["totals"]["pareto"]["servqual_dimension"]] == ["reliability"]
    assert found["days"]["totals"]["satisfaction"]["distribution"]["2"] == 1


def test_nothing_is_kept_of_what_a_transaction_rolled_back(org, api):
    complaint_id = log_at(api(org.frontline1), T0)
    facts_flush()
    before = ComplaintFacts.objects.values().get(complaint_id=complaint_id)
    with transaction.atomic():
        event_record(complaint=Complaint.objects.get(pk=complaint_id), kind=EventKind.HELD, actor=org.frontline1, at=T0)
        Complaint.objects.filter(pk=complaint_id).update(satisfaction=1)
        transaction.set_rollback(True)
    facts_flush()
    assert ComplaintFacts.objects.values().get(complaint_id=complaint_id) == before


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_has_its_facts_without_asking(org, api):
    complaint_id = log_at(api(org.frontline1), T0)
    assert not connection.in_atomic_block
    assert ComplaintFacts.objects.filter(complaint_id=complaint_id, closed=False).exists()
    with transaction.atomic():
        event_record(complaint=Complaint.objects.get(pk=complaint_id), kind=EventKind.HELD, actor=org.frontline1, at=T0)
        Complaint.objects.filter(pk=complaint_id).update(satisfaction=4)
        # Inside the transaction, before its commit, the facts are still those of before.
        assert ComplaintFacts.objects.get(complaint_id=complaint_id).satisfaction is None
    assert ComplaintFacts.objects.get(complaint_id=complaint_id).satisfaction == 4
