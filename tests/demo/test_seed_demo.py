"""seed_demo: the demo organisation, idempotent, and never by accident in production."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from complaints.models import Category, Complaint, ComplaintEvent
from recovery.models import EmpowermentPolicy
from staff.models import Store, User


@pytest.mark.django_db
def test_seed_demo_creates_the_demo_organisation_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Store.objects.count(), User.objects.count(), Category.objects.count(), Complaint.objects.count())
    events = ComplaintEvent.objects.count()
    call_command("seed_demo")
    assert (Store.objects.count(), User.objects.count(), Category.objects.count(), Complaint.objects.count()) == counts
    assert ComplaintEvent.objects.count() == events
    assert {(s.code, s.name, s.timezone, s.currency) for s in Store.objects.all()} == {
        ("S1", "Downtown", "Asia/Shanghai", "CNY"),
        ("S2", "Airport", "Asia/Shanghai", "CNY"),
    }
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "frontline1": "frontline",
        "frontline2": "frontline",
        "frontline3": "frontline",
        "supervisor1": "supervisor",
        "supervisor2": "supervisor",
        "manager1": "manager",
        "admin": "admin",
    }
    assert Complaint.objects.filter(store__code="S1").exists()
    assert Complaint.objects.filter(store__code="S2").exists()


@pytest.mark.django_db
def test_seed_demo_sets_the_empowerment_limits_of_the_design(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    limits = {
        policy.role: (policy.max_per_action, policy.max_per_day, policy.max_per_customer)
        for policy in EmpowermentPolicy.objects.filter(store=None)
    }
    assert limits == {
        "frontline": (Decimal(50), Decimal(100), Decimal(150)),
        "supervisor": (Decimal(500), Decimal(2000), Decimal(1000)),
        "manager": (Decimal(5000), Decimal(20000), Decimal(5000)),
        "admin": (None, None, None),
    }
    # A sample waits in supervisor1's queue, so the demo shows an approval at once.
    supervisor1 = APIClient()
    supervisor1.force_authenticate(User.objects.get(username="supervisor1"))
    queue = supervisor1.get("/api/v1/approvals/", {"status": "pending"}).json()
    assert [(a["requested_by"], a["approver_role"], a["can_decide"]) for a in queue["results"]] == [
        ("frontline2", "supervisor", True)
    ]


@pytest.mark.django_db
def test_demo_users_sign_in_with_the_demo_password(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "supervisor2", "password": "demo-pass-123"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.filter(username="admin", is_superuser=True).exists()


@pytest.mark.django_db
def test_seed_demo_prints_each_stores_public_form_link_and_the_link_opens_its_form(settings, capsys, client):
    settings.DEBUG = True
    call_command("seed_demo")
    printed = capsys.readouterr().out
    for store in Store.objects.all():
        link = next(line for line in printed.splitlines() if line.strip().startswith(f"{store.code}'s public"))
        path = link.split(settings.SITE_URL, 1)[1]
        assert path == f"/f/{store.public_token}/"
        assert store.name in client.get(path).content.decode()
