"""The customer's answer to the follow-up survey: the follow-up by the customer, a reopen and the supervisors
told when it is not put right, and links that expired, were changed or were answered already."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from complaints.models import Complaint, ComplaintEvent
from outbox import sending
from recovery.models import Notification, SurveyInvitation
from recovery.surveys import invitations
from tests.api.test_survey_api import responded
from tests.helpers import MINUTE, T0, Api, email_of, survey_email_of

DAY = timedelta(days=1)


@pytest.fixture
def sent(org, sla):
    """A responded complaint at S1 whose customer agreed to be contacted, and the survey link sent to them at T0."""
    with time_machine.travel(T0, tick=False):
        frontline1 = Api(org.frontline1)
        complaint_id = responded(frontline1)
        frontline1.step(complaint_id, "survey")
    invitation = SurveyInvitation.objects.get()
    return complaint_id, invitations.survey_token(invitation)


def answer(token: str, *, solved: str, score: str, comment: str = "", at=T0 + 5 * MINUTE, language: str = "en"):
    """The customer answers on the survey page, at ``at``."""
    client = Client(headers={"Accept-Language": language})
    with time_machine.travel(at, tick=False):
        return client.post(f"/survey/{token}/", {"solved": solved, "score": score, "comment": comment})


def by_customer(complaint_id) -> list[tuple[str, str, str]]:
    return [
        (event.kind, event.status_before, event.status_after)
        for event in ComplaintEvent.objects.filter(complaint_id=complaint_id, actor=None, data__by="customer")
    ]


def test_a_good_answer_is_the_follow_up_by_the_customer(org, sent):
    complaint_id, token = sent

    response = answer(token, solved="yes", score="5", comment="很好，谢谢")

    assert (response.status_code, response["Location"]) == (302, f"/survey/{token}/")
    complaint = Complaint.objects.get(pk=complaint_id)
    assert (complaint.status, complaint.satisfaction) == ("followed_up", 5)
    assert by_customer(complaint_id) == [("followed_up", "responded", "followed_up")]
    event = ComplaintEvent.objects.get(complaint_id=complaint_id, kind="followed_up")
    assert event.data | {"survey": None} == {
        "outcome": "顾客问卷：问题已解决 / Survey: solved",
        "satisfaction": 5,
        "note": "很好，谢谢",
        "by": "customer",
        "via": "survey",
        "survey": None,
        "solved": True,
    }
    assert not Notification.objects.filter(kind="survey_unsatisfied").exists()
    with time_machine.travel(T0 + 10 * MINUTE, tick=False):
        assert "Thank you for your answer" in Client().get(f"/survey/{token}/").content.decode()


@pytest.mark.parametrize(("solved", "score"), [("no", "4"), ("yes", "2"), ("no", "1")])
def test_not_solved_or_a_low_score_reopens_and_tells_the_stores_supervisor(org, sent, solved, score):
    complaint_id, token = sent

    assert answer(token, solved=solved, score=score, comment="Still cold").status_code == 302

    complaint = Complaint.objects.get(pk=complaint_id)
    assert complaint.status == "reopened"
    assert by_customer(complaint_id) == [
        ("followed_up", "responded", "followed_up"),
        ("reopened", "followed_up", "reopened"),
    ]
    assert complaint.deadlines.filter(step="respond", closed_at__isnull=True).exists()  # a fresh window to respond
    [notice] = Notification.objects.filter(kind="survey_unsatisfied")
    assert notice.recipient == org.supervisor1  # the store's supervisor, not S2's
    assert f"score {score}/5" in notice.text
    assert "Still cold" in notice.text
    assert "投诉已重新打开" in notice.text


def test_the_supervisor_is_told_by_email_too(org, sent):
    complaint_id, token = sent
    answer(token, solved="no", score="3")
    [notice] = Notification.objects.filter(kind="survey_unsatisfied")

    assert sending.outbox_message_send(email_of(notice).pk, now=T0 + 6 * MINUTE) == "sent"

    [message] = mail.outbox
    assert message.to == ["supervisor1@example.com"]
    assert "not solved" in message.body
    assert f"/complaints/{complaint_id}/" in message.body


def test_an_expired_link_says_so_and_changes_nothing(org, sent):
    complaint_id, token = sent
    late = T0 + 14 * DAY

    response = answer(token, solved="yes", score="5", at=late, language="zh-hans")

    assert response.status_code == 410
    assert "此问卷链接已过期" in response.content.decode()
    assert Complaint.objects.get(pk=complaint_id).status == "responded"
    with time_machine.travel(T0 + 14 * DAY - MINUTE, tick=False):  # the last minute still counts
        assert Client().get(f"/survey/{token}/").status_code == 200


def test_the_link_lasts_as_long_as_the_setting_says(org, sla, settings):
    settings.SURVEY_LINK_MAX_AGE_DAYS = 3
    with time_machine.travel(T0, tick=False):
        frontline1 = Api(org.frontline1)
        frontline1.step(responded(frontline1), "survey")
    token = invitations.survey_token(SurveyInvitation.objects.get())

    assert answer(token, solved="yes", score="5", at=T0 + 3 * DAY).status_code == 410


def test_a_changed_link_is_not_valid(org, sent):
    complaint_id, token = sent
    payload, signature = token.rsplit(":", 1)
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + ":" + signature

    page = Client().get(f"/survey/{tampered}/")
    answered = answer(tampered, solved="no", score="1")

    assert page.status_code == answered.status_code == 400
    assert "This survey link is not valid" in page.content.decode()
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


def test_a_link_signed_for_something_else_is_not_valid(org, sent):
    from django.core import signing

    complaint_id, _token = sent
    nonce = SurveyInvitation.objects.get().nonce
    forged = signing.Signer().sign_object({"complaint": complaint_id, "nonce": nonce})  # not the survey's salt

    assert Client().get(f"/survey/{forged}/").status_code == 400


def test_a_link_is_answered_once(org, sent):
    complaint_id, token = sent
    answer(token, solved="yes", score="4")

    again = answer(token, solved="no", score="1", at=T0 + 10 * MINUTE, language="zh-hans")

    assert again.status_code == 409
    assert "此问卷已经回答过了" in again.content.decode()
    complaint = Complaint.objects.get(pk=complaint_id)
    assert (complaint.status, complaint.satisfaction) == ("followed_up", 4)
    assert len(by_customer(complaint_id)) == 1


def test_a_complaint_followed_up_by_staff_meanwhile_needs_no_answer(org, sent):
    complaint_id, token = sent
    with time_machine.travel(T0 + MINUTE, tick=False):
        Api(org.frontline1).step(complaint_id, "follow-up", {"outcome": "Called her", "satisfaction": 5})

    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        page = Client(headers={"Accept-Language": "en"}).get(f"/survey/{token}/")

    assert page.status_code == 409
    assert "no longer waiting for your answer" in page.content.decode()
    assert answer(token, solved="no", score="1").status_code == 409
    assert Complaint.objects.get(pk=complaint_id).satisfaction == 5


def test_an_old_link_does_not_answer_for_a_later_response(org, sent):
    """Reopened and responded again: the first response's link does not speak for the second."""
    complaint_id, token = sent
    answer(token, solved="no", score="1")
    with time_machine.travel(T0 + 30 * MINUTE, tick=False):
        Api(org.frontline1).step(complaint_id, "respond", {"resolution": "A full refund."})
        Api(org.frontline1).step(complaint_id, "survey")
    first, second = SurveyInvitation.objects.order_by("sent_at")

    assert answer(invitations.survey_token(first), solved="yes", score="5", at=T0 + 60 * MINUTE).status_code == 409
    assert answer(invitations.survey_token(second), solved="yes", score="5", at=T0 + 60 * MINUTE).status_code == 302
    assert Complaint.objects.get(pk=complaint_id).status == "followed_up"


def test_the_page_shows_the_store_reference_and_category_and_nothing_else(org, sent):
    complaint_id, token = sent
    complaint = Complaint.objects.get(pk=complaint_id)

    with time_machine.travel(T0 + 5 * MINUTE, tick=False):  # within the link's 14 days, whatever today is
        page = Client(headers={"Accept-Language": "zh-hans"}).get(f"/survey/{token}/").content.decode()

    assert "Downtown" in page
    assert complaint.reference in page
    assert "菜品质量" in page
    for private in ["The soup was cold.", "Ms. Wang", "138", "wang@example.com", "A fresh bowl.", "frontline1"]:
        assert private not in page
    assert "您的问题解决了吗？" in page


def test_an_incomplete_answer_is_shown_again_with_what_was_typed(org, sent):
    complaint_id, token = sent

    response = answer(token, solved="no", score="", comment="汤还是凉的", language="zh-hans")

    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择 1 到 5 分。" in page
    assert "汤还是凉的" in page
    assert Complaint.objects.get(pk=complaint_id).status == "responded"


def test_the_link_is_emailed_to_the_customer_once(org, sent):
    invitation = SurveyInvitation.objects.get()
    email = survey_email_of(invitation)

    assert sending.outbox_message_send(email.pk, now=T0 + MINUTE) == "sent"
    assert sending.outbox_message_send(email.pk, now=T0 + MINUTE) is None  # the task delivered twice

    [message] = mail.outbox
    assert message.to == ["wang@example.com"]
    assert invitations.survey_url(invitation) in message.body
    assert "您的问题解决了吗" in message.subject
    assert "was your problem solved?" in message.subject  # the customer's language is not known: both
    assert "Downtown" in message.body
    assert "2026-12-07" in message.body


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_out_through_the_worker_once_the_link_is_sent(org, sla, worker, finished):
    frontline1 = Api(org.frontline1)
    complaint_id = responded(frontline1)

    assert frontline1.step(complaint_id, "survey").status_code == 200
    [tried] = finished.wait_for("outbox.tasks.outbox_send")

    assert tried == 1
    assert [message.to for message in mail.outbox] == [["wang@example.com"]]
    assert survey_email_of(SurveyInvitation.objects.get()).status == "sent"
    assert frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["survey"]["emailed_at"] is not None
