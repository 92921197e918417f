"""Closing the loop: the requester hears the decision, approvers' notices settle, an approval sent
up gets a fresh window, and steps overdue together are escalated in one notice."""

import pytest
import time_machine
from django.core import mail

from complaints.models import ComplaintEvent
from recovery.models import Notification
from tests.helpers import MINUTE, T0, Api, email_of, emails_unsent, log_at, sweep


def told(user) -> list[tuple[str, bool]]:
    return [(n.kind, n.read_at is not None) for n in Notification.objects.filter(recipient=user).order_by("id")]


def ask_for_approval(frontline: Api, at) -> tuple[str, str]:
    complaint_id = log_at(frontline, at)
    with time_machine.travel(at, tick=False):
        frontline.step(complaint_id, "apologize", {"note": "Sorry"})
        body = frontline.respond(complaint_id, ("voucher", "60.00")).json()
    return complaint_id, body["pending_approval"]["id"]


def test_the_requester_hears_the_approval_and_the_approvers_notices_are_settled(org, api, sla, limits):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    _, approval_id = ask_for_approval(frontline1, T0)
    sweep(T0)  # the store's supervisors hear of it at once
    assert told(org.supervisor1) == [("approval_requested", False)]

    with time_machine.travel(T0 + MINUTE, tick=False):
        assert supervisor1.post(f"/api/v1/approvals/{approval_id}/approve/", {"note": "OK"}).status_code == 200

    assert told(org.supervisor1) == [("approval_requested", True)]
    assert told(org.frontline1) == [("approval_approved", False)]
    inbox = frontline1.get("/api/v1/notifications/").json()["results"]
    assert inbox[0]["text"] == "Approved: ¥60.00 for S1-20261123-0001 by supervisor1."  # said for its reader
    notice = Notification.objects.get(recipient=org.frontline1)
    assert email_of(notice).status == "queued"  # sent on commit, or by the outbox's poll if that is lost


def test_the_requester_hears_a_rejection_made_in_person_with_its_reason(org, api, sla, limits):
    frontline1 = api(org.frontline1)
    assert (
        api(org.supervisor1)
        .client.put("/api/v1/me/approval-pin/", {"pin": "2580", "password": "test-pass-123"}, format="json")
        .status_code
        == 204
    )
    _, approval_id = ask_for_approval(frontline1, T0)
    with time_machine.travel(T0 + MINUTE, tick=False):
        rejected = frontline1.post(
            f"/api/v1/approvals/{approval_id}/reject/",
            {"reason": "Offer a dessert instead", "approver": "supervisor1", "pin": "2580"},
        )
    assert rejected.status_code == 200
    [notice] = Notification.objects.filter(recipient=org.frontline1)
    assert notice.kind == "approval_rejected"
    assert "by supervisor1 (Offer a dessert instead)" in notice.text


@pytest.mark.django_db(transaction=True)
def test_the_decision_reaches_the_requester_by_email_through_the_worker(org, sla, limits, worker, finished):
    frontline1, supervisor1 = Api(org.frontline1), Api(org.supervisor1)
    _, approval_id = ask_for_approval(frontline1, T0)
    finished.wait_for("recovery.tasks.sweep_complaint")  # the approvers were told
    finished.wait_until(lambda: not emails_unsent())
    mail.outbox.clear()

    assert supervisor1.post(f"/api/v1/approvals/{approval_id}/approve/", {"note": "OK"}).status_code == 200
    finished.wait_until(lambda: not emails_unsent())

    assert [message.to for message in mail.outbox] == [["frontline1@example.com"]]
    assert "Approved" in mail.outbox[0].body


def test_an_approval_sent_up_by_the_sweep_gets_a_fresh_window(org, api, sla, limits):
    frontline1, manager1 = api(org.frontline1), api(org.manager1)
    _, approval_id = ask_for_approval(frontline1, T0)
    sweep(T0)
    sweep(T0 + 11 * MINUTE)  # ten minutes undecided: up to the region's manager

    with time_machine.travel(T0 + 11 * MINUTE, tick=False):
        approval = manager1.get(f"/api/v1/approvals/{approval_id}/").json()
    assert approval["approver_role"] == "manager"
    assert approval["due_at"] == (T0 + 21 * MINUTE).isoformat().replace("+00:00", "Z")
    assert told(org.manager1) == [("approval_escalated", False)]
    assert told(org.supervisor1) == [("approval_requested", False)]


def test_steps_overdue_together_are_escalated_in_one_notice_naming_both(org, api, sla):
    complaint_id = log_at(api(org.frontline1), T0, severity="critical")  # apologize in 5 min, respond in 15

    sweep(T0 + 15 * MINUTE)  # nothing swept before: both are past due at once

    [notice] = Notification.objects.filter(recipient=org.supervisor1)
    assert notice.kind == "escalation"
    assert (
        "S1-20261123-0001 is overdue: the apology was due by 11-23 12:05 and the response by 11-23 12:15 "
        "(escalation level 1)" in notice.text
    )
    assert "应于 11-23 12:05 前道歉、应于 11-23 12:15 前回应" in notice.text
    escalated = ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="escalated")
    assert sorted(event.data["step"] for event in escalated) == ["apologize", "respond"]


def test_notification_emails_are_readable_text_linking_to_the_site(org, api, sla, settings):
    settings.SITE_URL = "https://desk.example.com"
    org.frontline1.language = "zh-hans"
    org.frontline1.save()
    complaint_id = log_at(api(org.frontline1), T0, severity="critical")

    sweep(T0 + 4 * MINUTE)  # the reminder to apologize, and its email

    [message] = mail.outbox
    raw = message.message().as_bytes().decode()
    assert "Content-Transfer-Encoding: 8bit" in raw
    assert "前向Ms. Wang道歉（S1-20261123-0001）" in raw  # the Chinese as written, not base64
    assert f"https://desk.example.com/complaints/{complaint_id}/" in raw
