"""Anonymizing customers (on request, and after the retention period): what identifies them goes, the metrics stay."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from complaints.events import REMOVED
from complaints.models import Complaint, ComplaintEvent, Customer
from recovery.customers.privacy import customer_anonymize
from recovery.models import CompensationAction, Notification
from recovery.tasks import anonymize_customers_past_retention
from tests.conftest import METRICS_DAY
from tests.helpers import HOUR, T0, log_at

DAY = timedelta(days=1)


def metrics(api, user) -> dict:
    """Every figure of the day: by store, by category, and the CSV export by day."""
    client = api(user)
    params = {"date_from": METRICS_DAY, "date_to": METRICS_DAY}
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        exported = client.get("/api/v1/metrics/recovery/export.csv", **params)
        return {
            "by_store": client.get("/api/v1/metrics/recovery/", group_by="store", **params).json(),
            "by_category": client.get("/api/v1/metrics/recovery/", group_by="category", **params).json(),
            "csv": b"".join(exported.streaming_content).decode(),
        }


def test_anonymizing_leaves_every_figure_of_the_metrics_unchanged(day_of_complaints, api, settings):
    org = day_of_complaints
    before = metrics(api, org.admin)
    customer = Customer.objects.get(phone="+8613800138000")

    assert customer_anonymize(customer=customer) is True

    after = metrics(api, org.admin)
    assert after == before
    assert before["by_store"]["totals"]["repeat_customer_rate"] == 1.0  # still one customer, twice
    assert before["by_store"]["totals"]["volume"] == 3


def test_anonymizing_removes_contact_data_words_and_notes_and_runs_once(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(
        customer={"name": "Ms. Wang", "phone": "138 0013 8000", "email": "wang@example.com"},
        desired_outcome="Call me back at home",
    )
    frontline1.step(complaint_id, "hold", {"reason": "Ms. Wang brings the receipt", "until": "2030-01-01T00:00:00Z"})
    frontline1.step(complaint_id, "resume", {})
    frontline1.post(
        f"/api/v1/complaints/{complaint_id}/respond/",
        {
            "resolution": "Refunded Ms. Wang",
            "compensation": [{"kind": "voucher", "amount": "20.00", "note": "for Ms. Wang"}],
        },
    )
    complaint = Complaint.objects.get(pk=complaint_id)
    Notification.objects.create(
        recipient=org.supervisor1,
        complaint=complaint,
        deadline=complaint.deadlines.first(),
        step="respond",
        level=1,
        kind="escalation",
        text="Respond to Ms. Wang (+8613800138000)",
    )
    figures = Complaint.objects.filter(pk=complaint_id).values("status", "severity", "created_at", "responded_at").get()
    log = list(ComplaintEvent.objects.filter(complaint=complaint).order_by("pk").values_list("pk", "kind", "at"))

    assert customer_anonymize(customer=complaint.customer) is True
    assert customer_anonymize(customer=complaint.customer) is False  # a retry changes nothing

    customer = Customer.objects.get(pk=complaint.customer_id)
    assert (customer.name, customer.phone, customer.email) == ("", "", "")
    assert customer.anonymized_at is not None
    complaint.refresh_from_db()
    assert (complaint.description, complaint.desired_outcome, complaint.resolution, complaint.hold_reason) == (
        REMOVED,
        "",
        "",
        "",
    )
    assert (
        Complaint.objects.filter(pk=complaint_id).values("status", "severity", "created_at", "responded_at").get()
        == figures
    )
    # The log keeps every event, its kind and time; only what was typed into it is gone.
    events = ComplaintEvent.objects.filter(complaint=complaint).order_by("pk")
    assert list(events.values_list("pk", "kind", "at")) == log
    typed = json.dumps(list(events.values_list("data", flat=True)), ensure_ascii=False)
    assert "Wang" not in typed
    assert events.get(kind="responded").data["resolution"] == "[removed]"
    granted = events.get(kind="compensation_granted").data["compensation"]
    assert [(line["kind"], line["amount"], line["note"]) for line in granted] == [("voucher", "20.00", "[removed]")]
    assert CompensationAction.objects.get(complaint=complaint).note == ""
    assert CompensationAction.objects.get(complaint=complaint).amount == 20
    assert Notification.objects.get(complaint=complaint).text == "Respond to *** (***)"
    # Staff see what is left: no name, no number.
    page = api(org.supervisor1).get(f"/api/v1/customers/{customer.pk}/").json()
    assert page["customer"] | {"id": None} == {"id": None, "name": "", "phone": "", "email": ""}
    assert page["anonymized_at"] is not None


def test_the_daily_task_anonymizes_customers_whose_last_complaint_is_past_retention(org, api, settings):
    settings.CUSTOMER_RETENTION_DAYS = 365
    frontline1 = api(org.frontline1)
    gone = log_at(frontline1, T0 - 400 * DAY, customer={"phone": "138 0013 8000"})
    kept_old = log_at(frontline1, T0 - 400 * DAY, customer={"phone": "139 0013 9000"})
    log_at(frontline1, T0 - 10 * DAY, customer={"phone": "139 0013 9000"})  # came back since: kept
    anonymous = log_at(frontline1, T0 - 400 * DAY, customer=None)

    with time_machine.travel(T0, tick=False):
        assert anonymize_customers_past_retention.apply().get() == 1
        assert anonymize_customers_past_retention.apply().get() == 0  # idempotent

    assert Customer.objects.get(pk=Complaint.objects.get(pk=gone).customer_id).phone == ""
    assert Customer.objects.get(pk=Complaint.objects.get(pk=kept_old).customer_id).phone == "+8613900139000"
    assert Complaint.objects.get(pk=anonymous).description == "The soup was cold."  # no customer to forget


def test_the_command_anonymizes_one_customer_by_phone(org, api, capsys):
    complaint_id = api(org.frontline1).log().json()["id"]

    call_command("anonymize_customer", phone="138 0013 8000")
    call_command("anonymize_customer", id=Complaint.objects.get(pk=complaint_id).customer_id)

    out = capsys.readouterr().out
    assert "anonymized." in out
    assert "anonymized already: nothing changed" in out
    assert Complaint.objects.get(pk=complaint_id).description == REMOVED
    with pytest.raises(CommandError, match="No customer"):
        call_command("anonymize_customer", email="nobody@example.com")
    with pytest.raises(CommandError, match="valid phone"):
        call_command("anonymize_customer", phone="12345")


def test_the_admin_action_anonymizes_the_selected_customers(org, api):
    api(org.frontline1).log(customer={"phone": "138 0013 8000"})
    api(org.frontline1).log(customer={"phone": "139 0013 9000"})
    request = RequestFactory().post("/admin/complaints/customer/")
    request.user = org.admin
    request.session = {}
    request._messages = FallbackStorage(request)

    site._registry[Customer].anonymize(request, Customer.objects.filter(phone="+8613800138000"))

    assert list(Customer.objects.exclude(anonymized_at=None).values_list("phone", flat=True)) == [""]
    assert Customer.objects.filter(phone="+8613900139000", anonymized_at=None).exists()
