"""Emails are written in their recipient's language (issue 25, item 10): a notice as that person's inbox says it,
the survey in the customer's; received by a real SMTP server on loopback."""

import pytest
import time_machine
from django.test import Client

from complaints.models import Customer
from outbox import sending
from recovery.models import SurveyInvitation
from recovery.surveys import invitations
from staff.models import Role
from tests.api.test_survey_api import responded
from tests.factories import UserFactory
from tests.helpers import MINUTE, T0, Api, log_at, survey_email_of, sweep


def ask_for_approval(frontline: Api) -> None:
    complaint_id = log_at(frontline, T0)
    with time_machine.travel(T0, tick=False):
        frontline.step(complaint_id, "apologize", {"note": "Sorry"})
        assert frontline.respond(complaint_id, ("voucher", "60.00")).json()["status"] == "awaiting_approval"


def test_each_approver_is_emailed_the_request_in_their_own_language(org, sla, limits, smtp):
    org.supervisor1.language = "zh-hans"
    org.supervisor1.save()
    english = UserFactory(
        username="supervisor1b", email="kate@example.com", role=Role.SUPERVISOR, store=org.s1, region=None
    )
    english.browser_language = "en"  # chose nothing: their browser's, when they last signed in
    english.save()
    ask_for_approval(Api(org.frontline1))

    sweep(T0)  # the store's supervisors hear of it at once, by email too

    [chinese_body] = smtp.bodies_to("supervisor1@example.com")
    [english_body] = smtp.bodies_to("kate@example.com")
    assert "待审批：S1-20261123-0001 补偿 ¥60.00" in chinese_body
    assert "Approval needed" not in chinese_body
    assert "Approval needed: ¥60.00 for S1-20261123-0001" in english_body
    assert "待审批" not in english_body
    assert smtp.subjects_to("supervisor1@example.com") == ["[服务补救] S1-20261123-0001：已申请审批"]
    assert smtp.subjects_to("kate@example.com") == ["[Service Recovery] S1-20261123-0001: Approval requested"]


def test_a_reminder_is_emailed_on_the_stores_clock_in_the_recipients_language(org, sla, smtp):
    org.frontline1.language = "zh-hans"
    org.frontline1.save()
    log_at(Api(org.frontline1), T0, severity="critical")  # apologize within 5 minutes

    sweep(T0 + 4 * MINUTE)  # the reminder at 80% of the window

    [body] = smtp.bodies_to("frontline1@example.com")
    assert "12:05" in body  # 04:05 UTC is 12:05 in Shanghai
    assert "Apologize" not in body


@pytest.fixture
def survey_for(org, sla):
    """A responded complaint whose customer (wang@example.com) agreed to be contacted; its survey sent at T0."""

    def send(language: str) -> str:
        with time_machine.travel(T0, tick=False):
            frontline1 = Api(org.frontline1)
            complaint_id = responded(frontline1)
            Customer.objects.filter(complaints=complaint_id).update(language=language)
            frontline1.step(complaint_id, "survey")
        invitation = SurveyInvitation.objects.get()
        assert sending.outbox_message_send(survey_email_of(invitation).pk, now=T0 + MINUTE) == "sent"
        return invitations.survey_url(invitation)

    return send


@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [
        ("zh-hans", "问题解决了吗？请花一分钟告诉我们", "Was it solved?"),
        ("en", "Was it solved? Tell us in a minute", "问题解决了吗"),
    ],
)
def test_the_survey_is_emailed_in_the_language_the_customer_reads(survey_for, smtp, language, said, not_said):
    url = survey_for(language)

    [body] = smtp.bodies_to("wang@example.com")
    assert said in body
    assert not_said not in body
    assert url in body


def test_a_customer_whose_language_is_not_known_gets_the_survey_in_both(survey_for, smtp):
    survey_for("")

    [body] = smtp.bodies_to("wang@example.com")
    assert body.index("问题解决了吗？") < body.index("Was it solved?")  # Chinese first, as on the floor


def test_the_customers_language_is_the_one_their_phone_used_on_the_stores_form(org, sla, rate_limit_redis):
    phone = Client(headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    response = phone.post(
        f"/f/{org.s1.public_token}/",
        {"description": "汤是凉的", "still_in_store": "no", "contact": "wang@example.com", "contact_consent": "on"},
    )

    assert response.status_code == 302
    assert Customer.objects.get(email="wang@example.com").language == "zh-hans"


def test_answering_the_survey_notes_the_language_of_the_customers_phone(org, sla):
    with time_machine.travel(T0, tick=False):
        frontline1 = Api(org.frontline1)
        complaint_id = responded(frontline1)
        frontline1.step(complaint_id, "survey")
    token = invitations.survey_token(SurveyInvitation.objects.get())
    phone = Client(headers={"Accept-Language": "en-GB,en;q=0.9"})

    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        phone.post(f"/survey/{token}/", {"solved": "yes", "score": "5", "comment": ""})

    assert Customer.objects.get(complaints=complaint_id).language == "en"


def test_the_apis_inbox_says_each_notice_in_the_readers_language(org, sla, limits):
    org.supervisor1.language = "zh-hans"
    org.supervisor1.save()
    ask_for_approval(Api(org.frontline1))
    sweep(T0)

    [notice] = Api(org.supervisor1).get("/api/v1/notifications/").json()["results"]

    assert notice["kind"] == "approval_requested"  # the code, as it is
    assert notice["text"].startswith("待审批：S1-20261123-0001 补偿 ¥60.00")
