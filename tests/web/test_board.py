"""The store board: supervisors see their store, managers their region; taking over and reassigning."""

import time_machine

from complaints.models import Complaint, ComplaintEvent
from recovery.notices.in_store import public_complaint_log
from tests.helpers import MINUTE, T0, log_at
from tests.web.test_pages import signed_in


def test_the_board_is_for_supervisors_and_above(org):
    assert signed_in(org.frontline1).get("/board/").status_code == 403
    assert signed_in(org.supervisor1).get("/board/").status_code == 200


def test_a_supervisor_sees_their_stores_open_complaints_and_a_manager_their_regions(org, api):
    s1 = api(org.frontline1).log(description="At Downtown").json()["reference"]
    s2 = api(org.frontline3).log(description="At the airport").json()["reference"]

    supervisor_board = signed_in(org.supervisor1).get("/board/").content.decode()
    manager_board = signed_in(org.manager1).get("/board/").content.decode()
    manager_s2 = signed_in(org.manager1).get("/board/", {"store": "S2"}).content.decode()

    assert s1 in supervisor_board
    assert s2 not in supervisor_board
    assert s1 in manager_board
    assert s2 in manager_board
    assert (s1 in manager_s2, s2 in manager_s2) == (False, True)


def test_the_board_filters_overdue_complaints(org, api, sla):
    frontline1 = api(org.frontline1)
    late = log_at(frontline1, T0, severity="critical")
    fresh = log_at(frontline1, T0 + 30 * MINUTE, severity="low")

    with time_machine.travel(T0 + 31 * MINUTE, tick=False):
        overdue = signed_in(org.supervisor1).get("/board/", {"overdue": "true"}).content.decode()

    assert late in overdue
    assert fresh not in overdue


def test_a_supervisor_takes_a_complaint_over_from_the_board(org, api):
    complaint = api(org.frontline1).log().json()
    complaint_id = complaint["id"]

    response = signed_in(org.supervisor1, language="zh-hans").post(
        f"/complaints/{complaint_id}/assign/", {"assignee": org.supervisor1.pk}, follow=True
    )

    assert response.redirect_chain == [(f"/complaints/{complaint_id}/", 302)]
    assert f"您已接手 {complaint['reference']}。" in response.content.decode()
    assert Complaint.objects.get(pk=complaint_id).assignee == org.supervisor1
    assert ComplaintEvent.objects.filter(complaint_id=complaint_id, kind="assigned").count() == 1


def test_a_reassignment_says_who_has_the_complaint_now(org, api):
    complaint = api(org.frontline1).log().json()

    response = signed_in(org.supervisor1).post(
        f"/complaints/{complaint['id']}/assign/", {"assignee": org.frontline2.pk}, follow=True
    )

    name = org.frontline2.get_full_name() or org.frontline2.username
    assert f"{complaint['reference']} is now with {name}." in response.content.decode()


def test_reassigning_to_someone_of_another_store_is_refused(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]

    response = signed_in(org.supervisor1).post(
        f"/complaints/{complaint_id}/assign/", {"assignee": org.frontline3.pk}, follow=True
    )

    assert response.status_code == 400
    assert Complaint.objects.get(pk=complaint_id).assignee == org.frontline1


def test_only_a_customer_who_said_on_the_qr_form_they_are_still_here_is_marked_waiting(org, api, sla):
    # Staff log in person during the sale too (the API's default stage), and a QR form may come from home.
    by_staff = api(org.frontline1).log(description="At the counter", channel="qr_form", stage="in_sale").json()
    here = public_complaint_log(store=org.s1, description="Cold noodles", still_in_store=True, contact="", now=T0)
    gone = public_complaint_log(store=org.s1, description="Yesterday", still_in_store=False, contact="", now=T0)

    cards = signed_in(org.supervisor1).get("/board/").context["complaints"]

    waiting = {complaint.reference: complaint.customer_waiting for complaint in cards}
    assert waiting == {by_staff["reference"]: False, here.reference: True, gone.reference: False}
