"""Reference data kept in each process (core.reference): SLA policies, guidelines and categories are read once,
and read again as soon as anyone changes them, in this process or another; a worker's task asks at each read."""

import uuid
from datetime import datetime

import pytest
from django.db import transaction

from complaints import sla
from complaints.models import Category, SlaPolicy
from core.models import ReferenceDataVersion
from core.reference import reference_data_renew


def apologize_window_minutes(api, user, **overrides) -> float:
    """Log a complaint (high severity, in person) and read its apology deadline's window."""
    answer = api(user).log(**overrides).json()
    (apologize,) = [deadline for deadline in answer["deadlines"] if deadline["step"] == "apologize"]
    logged_at = datetime.fromisoformat(answer["created_at"])
    return (datetime.fromisoformat(apologize["due_at"]) - logged_at).total_seconds() / 60


@pytest.fixture
def kept(org, sla, limits):
    """The organisation as if committed before the test: from here on the process keeps what it reads."""
    reference_data_renew()


def test_an_admins_change_applies_to_the_next_complaint(org, api, kept, django_capture_on_commit_callbacks):
    assert apologize_window_minutes(api, org.frontline1) == 10  # read, and kept
    policy = SlaPolicy.objects.get(severity="high", channel="in_person")

    with django_capture_on_commit_callbacks(execute=True):
        changed = api(org.admin).client.patch(
            f"/api/v1/sla-policies/{policy.pk}/", {"apologize_within": 20 * 60}, format="json"
        )

    assert changed.status_code == 200
    assert apologize_window_minutes(api, org.frontline1) == 20


def test_another_process_change_is_read_at_the_next_request(org, api, kept):
    assert apologize_window_minutes(api, org.frontline1) == 10
    # Another process changes the row (no signal reaches this one) and, once committed, publishes a version.
    SlaPolicy.objects.filter(severity="high", channel="in_person").update(apologize_within=30 * 60)
    assert apologize_window_minutes(api, org.frontline1) == 10  # kept: not read again while nothing says so

    ReferenceDataVersion.objects.filter(pk=1).update(version=uuid.uuid4())  # as its change commits

    assert apologize_window_minutes(api, org.frontline1) == 30


def test_a_category_made_inactive_is_refused_at_once(org, api, kept, django_capture_on_commit_callbacks):
    assert api(org.frontline1).log(category="wait_time").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):  # as the admin saves it
        category = Category.objects.get(code="wait_time")
        category.is_active = False
        category.save()

    refused = api(org.frontline1).log(category="wait_time")
    assert refused.status_code == 400
    assert "Unknown category 'wait_time'" in refused.json()["category"][0]


def high_in_person_minutes() -> float:
    (policy,) = [p for p in sla.SLA_POLICIES.get() if (p.severity, p.channel, p.tier_id) == ("high", "in_person", None)]
    return policy.apologize_within / 60


def test_outside_a_request_every_read_asks_for_the_version(org, kept):
    """A worker's task has no request: each read asks the database for the version, and finds a change."""
    assert high_in_person_minutes() == 10
    SlaPolicy.objects.filter(severity="high", channel="in_person").update(apologize_within=40 * 60)
    assert high_in_person_minutes() == 10  # kept: nothing said it changed

    ReferenceDataVersion.objects.filter(pk=1).update(version=uuid.uuid4())  # as another process's change commits

    assert high_in_person_minutes() == 40


def test_each_change_gives_the_version_a_value_never_given_before(org, kept):
    """Random, so that after a change that rolled back, no process keeps rows under a version that comes round
    again (a counter would give the rolled-back change's number to the next one)."""
    policy = SlaPolicy.objects.get(severity="high", channel="in_person", tier=None)
    seen = [ReferenceDataVersion.objects.get().version]
    rolled_back = transaction.savepoint_create()
    policy.save()
    seen.append(ReferenceDataVersion.objects.get().version)  # another process may read rows under it
    transaction.savepoint_rollback(rolled_back)
    for _ in range(2):
        policy.save()
        seen.append(ReferenceDataVersion.objects.get().version)
    assert len(set(seen)) == 4, seen
