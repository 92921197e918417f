"""A complaint's facts tell its customer's other complaints whether they are repeats (the facts refresh's
neighbours), and leave other customers' complaints alone."""

from datetime import timedelta

from recovery.metrics.projection import facts_flush
from recovery.models import ComplaintFacts
from tests.helpers import T0, log_at, walk
from tests.recovery.test_facts_on_logging import facts_deferred

WANG = {"name": "Ms. Wang", "phone": "138 0013 8000"}
LI = {"name": "Mr. Li", "phone": "139 0013 9000"}


def facts(complaint_id: str) -> tuple[bool, object]:
    facts_flush()
    row = ComplaintFacts.objects.get(complaint_id=complaint_id)
    return row.repeat_customer, row.previous_at


def test_a_customers_second_complaint_makes_the_first_a_repeat_and_no_one_elses(org, api):
    frontline1 = api(org.frontline1)
    first = log_at(frontline1, T0, customer=WANG)
    other = log_at(frontline1, T0 + timedelta(minutes=5), customer=LI)
    nameless = log_at(frontline1, T0 + timedelta(minutes=7), customer=None)
    assert facts(first) == (False, None)

    second = log_at(frontline1, T0 + timedelta(minutes=10), customer=WANG)
    assert facts(first) == (True, None)
    assert facts(second) == (True, T0)
    assert facts(other) == (False, None)
    assert facts(nameless) == (False, None)


def test_complaints_far_apart_are_not_repeats_but_still_follow_each_other(org, api):
    frontline1 = api(org.frontline1)
    first = log_at(frontline1, T0, customer=WANG)
    later = log_at(frontline1, T0 + timedelta(days=200), customer=WANG)
    assert facts(first) == (False, None)
    assert facts(later) == (False, T0)


def test_a_complaint_logged_before_a_known_one_becomes_its_previous(org, api):
    """A customer's complaint whose time comes before the one already kept (the server's clock, say, set back):
    the kept one learns of it, though nothing else of it changed."""
    frontline1 = api(org.frontline1)
    later = log_at(frontline1, T0 + timedelta(days=3), customer=WANG)
    assert facts(later) == (False, None)

    earlier = log_at(frontline1, T0, customer=WANG)
    assert facts(earlier) == (True, None)
    assert facts(later) == (True, T0)


def test_a_step_that_first_gives_a_complaint_facts_tells_its_customers_other_complaints(org, api):
    """The whole refresh (not logging's short way) also updates the neighbours: here a complaint logged while the
    facts were deferred gets its facts at its first step, and makes the customer's earlier complaint a repeat."""
    frontline1 = api(org.frontline1)
    first = log_at(frontline1, T0, customer=WANG)
    facts_flush()  # the first's facts, kept before the second exists
    facts_deferred(True)
    second = log_at(frontline1, T0 + timedelta(minutes=10), customer=WANG)
    facts_deferred(False)
    assert facts(first) == (False, None)

    walk(frontline1, second, ["apologize"])

    assert facts(second) == (True, T0)
    assert facts(first) == (True, None)
