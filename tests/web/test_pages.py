"""The tablet pages over HTTP: what each role sees and can do, in their stores only, each form acting once."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from recovery.models import ApprovalPinTries, ApprovalRequest
from tests.helpers import sweep

NEW = "/complaints/new/"


def signed_in(user, *, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def form_key(page: bytes, action: str) -> str:
    """The idempotency key of the form posting to ``action`` on ``page``."""
    html = page.decode()
    form = html[html.index(f'action="{action}"') :]
    return re.search(r'name="form_key" value="([^"]+)"', form).group(1)


def new_complaint(**overrides) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "category": "food_quality",
        "description": "The soup was cold.",
        "severity": "medium",
        "channel": "in_person",
        "stage": "in_sale",
        "customer_name": "Ms. Wang",
        "customer_phone": "138 0013 8000",
        **overrides,
    }


def test_signing_in_remembers_the_tablets_store_not_the_person(client, org):
    response = client.post("/sign-in/", {"username": "frontline1", "password": "test-pass-123"})
    assert (response.status_code, response["Location"]) == (302, "/")
    client.post("/sign-out/")

    page = client.get("/sign-in/")

    assert "Downtown (S1)" in page.content.decode()
    assert "frontline1" not in page.content.decode()
    assert client.get("/").status_code == 302  # signed out: back to sign-in


def test_home_lists_my_open_complaints_soonest_due_first(org, api, sla):
    frontline1 = api(org.frontline1)
    low = frontline1.log(severity="low", description="A low one").json()["id"]
    critical = frontline1.log(severity="critical", description="A critical one").json()["id"]
    api(org.frontline2).log(description="Not mine")

    page = signed_in(org.frontline1).get("/").content.decode()

    assert page.index(critical) < page.index(low)
    assert "Not mine" not in page


def test_home_shows_the_number_of_requests_waiting_for_a_supervisor(org, api, limits):
    frontline1 = api(org.frontline1)
    frontline1.respond(frontline1.apologized(), ("voucher", "60.00"))

    page = signed_in(org.supervisor1).get("/").content.decode()

    assert "1 request waits for your approval" in page


def test_logging_a_complaint_twice_from_the_same_form_logs_it_once(org):
    client = signed_in(org.frontline1)
    body = new_complaint()

    first = client.post(NEW, body)
    again = client.post(NEW, body)

    complaint = Complaint.objects.get()
    assert first["Location"] == again["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.customer.phone, complaint.stage) == ("+8613800138000", "in_sale")
    # The next form starts at the stage this employee used last.
    client.post(NEW, new_complaint(stage="after_sale"))
    assert re.search(r'value="after_sale"[^>]*checked', client.get(NEW).content.decode())


def test_a_bad_phone_is_refused_on_its_field_and_nothing_is_logged(org):
    response = signed_in(org.frontline1).post(NEW, new_complaint(customer_phone="12345"), follow=True)

    assert response.status_code == 400
    assert "Enter a valid phone number, e.g." in response.content.decode()
    assert "The soup was cold." in response.content.decode()  # what was typed is still there
    assert Complaint.objects.count() == 0


def test_a_known_phone_shows_the_customers_last_30_days(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    frontline1.respond(complaint_id, ("voucher", "20.00"))

    fragment = signed_in(org.frontline1).get("/complaints/new/customer/", {"customer_phone": "13800138000"})

    assert "complained once in the last 30 days" in fragment.content.decode()
    assert "¥20.00" in fragment.content.decode()
    assert (
        signed_in(org.frontline3).get("/complaints/new/customer/", {"customer_phone": "13800138000"}).content.strip()
        == b""
    )


def test_a_step_sent_twice_acts_once(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    client = signed_in(org.frontline1)
    page = client.get(f"/complaints/{complaint_id}/").content
    body = {"form_key": form_key(page, f"/complaints/{complaint_id}/apologize/"), "note": "Sorry"}

    first = client.post(f"/complaints/{complaint_id}/apologize/", body)
    again = client.post(f"/complaints/{complaint_id}/apologize/", body)

    assert first.status_code == again.status_code == 302
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="apologized").count() == 1


def test_a_step_out_of_order_is_refused_naming_what_is_allowed(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]

    response = signed_in(org.frontline1).post(
        f"/complaints/{complaint_id}/follow-up/", {"outcome": "Happy"}, follow=True
    )

    assert response.status_code == 409
    assert "Cannot follow up a complaint that is new; allowed: apologize, close." in response.content.decode()


def test_a_refused_form_redirects_to_its_page_which_says_why_once(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    client = signed_in(org.frontline1)
    page = f"/complaints/{complaint_id}/"

    refused = client.post(f"{page}follow-up/", {"outcome": "Happy, she said"})
    shown = client.get(page)
    reloaded = client.get(page)

    assert (refused.status_code, refused["Location"]) == (303, page)  # a reload asks for the page, not the POST
    assert shown.status_code == 409
    assert "allowed: apologize, close." in shown.content.decode()
    assert reloaded.status_code == 200
    assert "allowed: apologize, close." not in reloaded.content.decode()


def test_another_stores_complaint_is_not_found(org, api):
    complaint_id = api(org.frontline3).log().json()["id"]
    client = signed_in(org.frontline1)
    assert client.get(f"/complaints/{complaint_id}/").status_code == 404
    assert client.post(f"/complaints/{complaint_id}/apologize/", {"note": ""}).status_code == 404


def awaiting(api, org, amount: str = "60.00") -> str:
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    assert frontline1.respond(complaint_id, ("voucher", amount)).json()["status"] == "awaiting_approval"
    return complaint_id


def test_over_the_limit_the_page_says_which_limit_and_by_how_much(org, api, limits):
    complaint_id = awaiting(api, org)

    page = signed_in(org.frontline1).get(f"/complaints/{complaint_id}/").content.decode()

    assert "Over the limit per compensation (¥50.00) by ¥10.00." in page
    assert "Supervisor or above approves here" in page


def test_a_supervisor_approves_on_the_employees_tablet_with_their_pin(org, api, limits, supervisor1_pin):
    complaint_id = awaiting(api, org)
    client = signed_in(org.frontline1)
    action = f"/complaints/{complaint_id}/approve-in-person/"
    key = form_key(client.get(f"/complaints/{complaint_id}/").content, action)
    body = {"form_key": key, "approver": org.supervisor1.pk, "note": "OK"}

    wrong = client.post(action, {**body, "pin": "9999"}, follow=True)
    right = client.post(action, {**body, "pin": supervisor1_pin})

    assert wrong.status_code == 403
    assert "Wrong PIN, or this approver may not decide this request; 4 tries left" in wrong.content.decode()
    assert right.status_code == 302
    approval = ApprovalRequest.objects.get(complaint_id=complaint_id)
    assert (approval.status, approval.decided_by, approval.in_person) == ("approved", org.supervisor1, True)
    assert ApprovalPinTries.objects.get(approver=org.supervisor1, tablet_of=org.frontline1).failed == 0


def test_the_requester_cannot_pick_themselves_as_the_approver(org, api, limits):
    complaint_id = awaiting(api, org)
    client = signed_in(org.frontline1)
    page = client.get(f"/complaints/{complaint_id}/").content.decode()
    assert f'value="{org.supervisor1.pk}"' in page
    assert f'value="{org.frontline1.pk}"' not in page


def test_the_waiting_page_learns_of_a_decision_made_elsewhere(org, api, limits):
    complaint_id = awaiting(api, org)
    client = signed_in(org.frontline1)
    watch = f"/complaints/{complaint_id}/watch/?status=awaiting_approval"

    before = client.get(watch)
    approval_id = ApprovalRequest.objects.get(complaint_id=complaint_id).pk
    api(org.supervisor1).post(f"/api/v1/approvals/{approval_id}/approve/", {"note": "OK"})
    after = client.get(watch)

    assert before.status_code == 204
    assert after.status_code == 200
    assert after["HX-Retarget"] == "#complaint"
    assert "Record the follow-up" in after.content.decode()


def test_the_approval_queue_is_for_approvers_of_the_store(org, api, limits):
    complaint_id = awaiting(api, org)
    api(org.frontline3).respond(api(org.frontline3).apologized(), ("voucher", "70.00"))

    assert signed_in(org.frontline1).get("/approvals/").status_code == 403
    queue = signed_in(org.supervisor1).get("/approvals/").content.decode()
    assert queue.count("Over the limit per compensation") == 1
    assert f"/complaints/{complaint_id}/" in queue


def test_approving_from_the_queue_moves_the_complaint_on(org, api, limits):
    complaint_id = awaiting(api, org)
    approval_id = ApprovalRequest.objects.get(complaint_id=complaint_id).pk
    client = signed_in(org.supervisor1)

    response = client.post(f"/approvals/{approval_id}/approve/", {"note": "Fine"})
    rejected_again = client.post(f"/approvals/{approval_id}/reject/", {"note": "No"}, follow=True)

    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint_id).status == "responded"
    assert rejected_again.status_code == 409
    assert "already approved" in rejected_again.content.decode()


def test_rejecting_needs_a_reason(org, api, limits):
    complaint_id = awaiting(api, org)
    approval_id = ApprovalRequest.objects.get(complaint_id=complaint_id).pk

    response = signed_in(org.supervisor1).post(f"/approvals/{approval_id}/reject/", {"note": ""}, follow=True)

    assert response.status_code == 400
    assert "Say why, so the employee can offer something else." in response.content.decode()
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"


def test_the_whole_flow_through_the_pages(org, limits):
    client = signed_in(org.frontline1)
    complaint_id = new_complaint()["id"]
    client.post(NEW, new_complaint(id=complaint_id))
    page = f"/complaints/{complaint_id}/"

    def step(name: str, **body):
        key = form_key(client.get(page).content, f"{page}{name}/")
        response = client.post(f"{page}{name}/", {"form_key": key, **body})
        assert response.status_code == 302, response.content.decode()

    step("apologize", note="")
    lines = {"lines-TOTAL_FORMS": 2, "lines-INITIAL_FORMS": 0, "lines-0-kind": "voucher", "lines-0-amount": "10"}
    step("respond", resolution="A new bowl", note="", **lines)
    step("follow-up", outcome="Happy", satisfaction=5)
    step("close", closure_code="resolved", servqual_dimension="reliability", blueprint_area="back_stage", note="")

    complaint = Complaint.objects.get(pk=complaint_id)
    assert (complaint.status, complaint.satisfaction) == ("closed", 5)
    assert [action.amount for action in complaint.compensation_actions.all()] == [10]


def test_holding_a_complaint_until_a_time(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    client = signed_in(org.frontline1)
    until = (timezone.localtime(timezone.now(), org.s1.zone) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(f"/complaints/{complaint_id}/hold/", {"reason": "Receipt", "until": until})

    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint_id).on_hold_until is not None
    assert "Resume now" in client.get(f"/complaints/{complaint_id}/").content.decode()


@pytest.mark.parametrize("path", ["/", NEW, "/approvals/", "/inbox/"])
def test_pages_read_in_chinese(org, path):
    page = signed_in(org.supervisor1, language="zh-hans").get(path)
    assert page.status_code == 200
    assert "服务补救台" in page.content.decode()
    assert 'lang="zh-Hans"' in page.content.decode()


def test_the_flow_page_reads_in_chinese(org, api, limits):
    complaint_id = awaiting(api, org)
    page = signed_in(org.frontline1, language="zh-hans").get(f"/complaints/{complaint_id}/").content.decode()
    assert "超出单次补偿上限（¥50.00）¥10.00。" in page
    assert "主管或以上人员在此审批" in page


def test_the_home_page_costs_the_same_queries_for_one_or_many_complaints(org, api, django_assert_num_queries):
    frontline1 = api(org.frontline1)
    frontline1.log()
    client = signed_in(org.frontline1)
    with django_assert_num_queries(5):  # session, user, unread count, complaints (with store, category…)
        client.get("/")
    for _ in range(5):
        frontline1.log()
    with django_assert_num_queries(5):
        client.get("/")


def test_inbox_lists_my_notifications_and_marks_them_read(org, api, limits, sla):
    awaiting(api, org)
    sweep(timezone.now())  # what the worker does at once: the supervisor is told
    client = signed_in(org.supervisor1)

    inbox = client.get("/inbox/").content.decode()
    client.post("/inbox/read-all/")

    assert "Approval requested" in inbox
    assert 'class="badge"' in inbox
    assert 'class="badge"' not in client.get("/inbox/").content.decode()


def test_an_idempotency_record_per_form_is_per_user(org, api):
    """Two people cannot replay each other's form: keys are per user."""
    complaint_id = api(org.frontline1).log().json()["id"]
    client = signed_in(org.frontline1)
    key = form_key(client.get(f"/complaints/{complaint_id}/").content, f"/complaints/{complaint_id}/apologize/")
    client.post(f"/complaints/{complaint_id}/apologize/", {"form_key": key, "note": ""})

    other = signed_in(org.frontline2).post(
        f"/complaints/{complaint_id}/apologize/", {"form_key": key, "note": ""}, follow=True
    )

    assert other.status_code == 409  # acted on, and refused: already apologized


@pytest.mark.parametrize(
    ("kind", "amount", "says"),
    [
        ("voucher", "20", "Within your limits: it is given at once."),
        ("voucher", "80", "Over the limit per compensation (¥50.00) by ¥30.00."),
        ("refund", "5", "your role may not grant a refund"),
    ],
)
def test_while_typing_compensation_the_page_says_what_will_happen(org, api, limits, kind, amount, says):
    complaint_id = api(org.frontline1).apologized()
    lines = {"lines-TOTAL_FORMS": 1, "lines-INITIAL_FORMS": 0, "lines-0-kind": kind, "lines-0-amount": amount}

    check = signed_in(org.frontline1).get(f"/complaints/{complaint_id}/compensation-check/", lines).content.decode()

    assert says in check
    if amount == "80":
        assert "a supervisor must approve it." in check
    assert Complaint.objects.get(pk=complaint_id).status == "apologized"  # nothing was granted or asked
