"""Deciding in person with a PIN (issue 26, item 1): the answer never tells a right PIN from a wrong one,
wrong tries lock an approver on the tablet they were typed on only, and every refused try is on record."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from recovery.models import ApprovalRequest, Notification
from staff.models import Role
from tests.factories import UserFactory
from tests.helpers import Api, email_of

PIN = "2580"


@pytest.fixture
def pins(org, api) -> None:
    """Every approver of the organisation has set the PIN 2580, as in the demo."""
    for approver in (org.supervisor1, org.supervisor2, org.manager1, org.manager_other_region, org.admin):
        response = api(approver).client.put(
            "/api/v1/me/approval-pin/", {"pin": PIN, "password": "test-pass-123"}, format="json"
        )
        assert response.status_code == 204


def request_approval(api: Api, amount: str = "60.00") -> tuple[str, str]:
    complaint_id = api.apologized()
    body = api.respond(complaint_id, ("voucher", amount)).json()
    assert body["status"] == "awaiting_approval", body
    return complaint_id, body["pending_approval"]["id"]


def in_person(api: Api, approval_id: str, approver: str, pin: str):
    return api.post(f"/api/v1/approvals/{approval_id}/approve/", {"note": "OK", "approver": approver, "pin": pin})


def answer(response) -> tuple[int, str, int | None]:
    body = response.json()
    return response.status_code, body["code"], body.get("attempts_left")


@pytest.mark.parametrize(
    "approver",
    [
        "supervisor1",  # another store's supervisor
        "manager2",  # another region's manager
        "frontline2",  # not an approver at all (no PIN): answered the same
    ],
)
def test_someone_who_may_not_decide_the_request_is_answered_as_a_wrong_pin_whatever_the_pin(
    org, api, limits, pins, approver
):
    frontline3 = api(org.frontline3)  # store S2
    complaint_id, approval_id = request_approval(frontline3)

    with_the_right_pin = in_person(frontline3, approval_id, approver, PIN)
    with_a_wrong_pin = in_person(frontline3, approval_id, approver, "9999")

    assert answer(with_the_right_pin) == (403, "wrong_pin", 4)
    assert answer(with_a_wrong_pin) == (403, "wrong_pin", 3)
    assert with_the_right_pin.json()["detail"].replace("4 tries", "3 tries") == with_a_wrong_pin.json()["detail"]
    assert Complaint.objects.get(pk=complaint_id).status == "awaiting_approval"


def test_an_approver_below_the_requests_role_or_deciding_their_own_is_answered_as_a_wrong_pin(org, api, limits, pins):
    frontline1, supervisor1 = api(org.frontline1), api(org.supervisor1)
    _, above_supervisors = request_approval(frontline1, "600.00")  # above a supervisor's 500: a manager's
    _, own = request_approval(supervisor1, "600.00")

    assert ApprovalRequest.objects.get(pk=above_supervisors).approver_role == Role.MANAGER
    assert answer(in_person(frontline1, above_supervisors, "supervisor1", PIN)) == (403, "wrong_pin", 4)
    assert answer(in_person(supervisor1, own, "supervisor1", PIN)) == (403, "wrong_pin", 4)
    assert in_person(frontline1, above_supervisors, "manager1", PIN).status_code == 200


def test_wrong_pins_on_a_coworkers_tablet_never_lock_the_approver_out_of_another(org, api, limits, pins):
    """The finding: five wrong tries from store S2 locked supervisor1 out of S1's tablets for 15 minutes."""
    frontline3, frontline2, frontline1 = api(org.frontline3), api(org.frontline2), api(org.frontline1)
    _, from_another_store = request_approval(frontline3)
    _, coworkers = request_approval(frontline2)
    complaint_id, approval_id = request_approval(frontline1)

    across = [answer(in_person(frontline3, from_another_store, "supervisor1", "9999")) for _ in range(5)]
    beside = [answer(in_person(frontline2, coworkers, "supervisor1", "9999")) for _ in range(5)]
    on_their_tablet = in_person(frontline1, approval_id, "supervisor1", PIN)

    assert [code for _, code, _ in across] == [code for _, code, _ in beside] == ["wrong_pin"] * 4 + ["pin_locked"]
    assert answer(in_person(frontline2, coworkers, "supervisor1", PIN))[1] == "pin_locked"  # there, it is locked
    assert on_their_tablet.status_code == 200, on_their_tablet.json()
    assert Complaint.objects.get(pk=complaint_id).status == "responded"
    # From their own device, in the queue, it was never locked either.
    assert api(org.supervisor1).post(f"/api/v1/approvals/{coworkers}/approve/", {"note": "OK"}).status_code == 200


def test_every_refused_try_is_an_event_and_the_lock_tells_the_approver(org, api, limits, sla, pins):
    frontline3 = api(org.frontline3)
    complaint_id, approval_id = request_approval(frontline3)

    answers = [
        answer(in_person(frontline3, approval_id, name, pin))
        for name, pin in [
            ("supervisor2", "1111"),
            ("supervisor1", PIN),  # not S2's: the same answer, and it counts for supervisor1 on this tablet
            ("supervisor2", "2222"),
            ("supervisor2", "3333"),
            ("supervisor2", "4444"),
            ("supervisor2", "5555"),
            ("supervisor2", PIN),  # locked now: refused, and on record too
        ]
    ]

    assert answers == [
        (403, "wrong_pin", 4),
        (403, "wrong_pin", 4),
        (403, "wrong_pin", 3),
        (403, "wrong_pin", 2),
        (403, "wrong_pin", 1),
        (403, "pin_locked", None),
        (403, "pin_locked", None),
    ]
    refused = ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="in_person_refused").order_by("id")
    assert [(e.actor.username, e.data["approver"], e.data.get("attempts_left")) for e in refused] == [
        ("frontline3", "supervisor2", 4),
        ("frontline3", "supervisor1", 4),
        ("frontline3", "supervisor2", 3),
        ("frontline3", "supervisor2", 2),
        ("frontline3", "supervisor2", 1),
        ("frontline3", "supervisor2", None),
        ("frontline3", "supervisor2", None),
    ]
    assert all("locked_until" in event.data for event in list(refused)[-2:])
    # The approver hears of the lock in their inbox (and by email): someone may be guessing their PIN.
    inbox = api(org.supervisor2).get("/api/v1/notifications/").json()["results"]
    [told] = [notice for notice in inbox if notice["kind"] == "pin_locked"]
    assert "frontline3" in told["text"]
    assert email_of(Notification.objects.get(recipient=org.supervisor2, kind="pin_locked")).status == "queued"
    assert not Notification.objects.filter(recipient=org.supervisor1, kind="pin_locked").exists()


def test_a_lock_lasts_15_minutes_then_twice_as_long_each_time_until_a_right_pin(org, api, limits, pins):
    frontline1 = api(org.frontline1)
    _, approval_id = request_approval(frontline1)
    start = timezone.now()

    def last_of(at, pin: str, times: int = 1):
        with time_machine.travel(at, tick=False):
            return [in_person(frontline1, approval_id, "supervisor1", pin) for _ in range(times)][-1]

    assert answer(last_of(start, "9999", times=5))[1] == "pin_locked"
    assert answer(last_of(start + timedelta(minutes=14), PIN))[1] == "pin_locked"
    second = start + timedelta(minutes=15, seconds=1)
    assert answer(last_of(second, "9999", times=5))[1] == "pin_locked"
    assert answer(last_of(second + timedelta(minutes=29), PIN))[1] == "pin_locked"  # 30 minutes this time
    assert last_of(second + timedelta(minutes=30, seconds=1), PIN).status_code == 200


def test_a_right_pin_starts_the_count_afresh(org, api, limits, pins):
    frontline1 = api(org.frontline1)
    _, first = request_approval(frontline1)
    _, second = request_approval(frontline1)
    for _ in range(4):
        in_person(frontline1, first, "supervisor1", "9999")
    assert in_person(frontline1, first, "supervisor1", PIN).status_code == 200

    assert answer(in_person(frontline1, second, "supervisor1", "9999")) == (403, "wrong_pin", 4)


def test_an_admin_decides_in_person_in_any_store_with_their_own_pin(org, api, limits, pins):
    """Admins work on every store (staff.selectors.SCOPE_BY_ROLE), so they are among the approvers on any
    store's tablet, as on the page's list; an approver of another region's store is not."""
    frontline3 = api(org.frontline3)
    _, approval_id = request_approval(frontline3)
    other_region = UserFactory(username="frontline9", store=org.s3_other_region)
    _, elsewhere = request_approval(api(other_region))

    assert answer(in_person(api(other_region), elsewhere, "manager1", PIN)) == (403, "wrong_pin", 4)
    approved = in_person(frontline3, approval_id, "admin", PIN)
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["decided_by"], approved.json()["in_person"]) == ("admin", True)
