"""Customers by SMS (issue 27, item 1): through each provider's real SDK to a local fake that checks the
signature and fields; the messages at logging, after the survey and after a reopened complaint's new response;
quiet hours, the daily limit, the opt-out reply, and the templates' rules."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from complaints.models import Complaint
from complaints.status_links import status_url
from outbox import sending
from outbox.models import MessageTemplate, OutboxMessage, SmsOptOut
from outbox.sms.providers import sms_provider
from outbox.sms.texts import segments, sms_text, templates_forget
from recovery.models import SurveyInvitation
from recovery.notices import notifications
from recovery.surveys.invitations import survey_url
from tests.helpers import T0
from tests.outbox.fake_sms import TEMPLATE_CODES, FakeAliyun, FakeTencent, aliyun_settings, tencent_settings
from tests.public.test_public_form import complaint_of, send, visitor
from tests.web.test_pages import signed_in

# 10:00 in Shanghai (the stores' time zone): outside quiet hours (21:00–09:00).
DAYTIME = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
CONTACT = {"name": "Ms. Wang", "phone": "138 0013 8000"}
PHONE = "+8613800138000"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_TEMPLATE_CODES = TEMPLATE_CODES
    settings.SMS_SIGN_NAME = "服务补救"
    settings.OUTBOX_SEND_THREADS = 1
    sms_provider.cache_clear()
    templates_forget()
    yield
    sms_provider.cache_clear()


@pytest.fixture
def aliyun(settings):
    with FakeAliyun() as fake:
        aliyun_settings(settings, fake)
        yield fake


@pytest.fixture
def tencent(settings):
    with FakeTencent() as fake:
        tencent_settings(settings, fake)
        yield fake


def logged(org, api, at: datetime = DAYTIME - timedelta(minutes=5), **overrides) -> Complaint:
    with time_machine.travel(at, tick=False):
        response = api(org.frontline1).log(customer=CONTACT, contact_consent=True, **overrides)
    assert response.status_code == 201, response.json()
    return Complaint.objects.select_related("customer").get(pk=response.json()["id"])


def send_all(now=DAYTIME) -> list[str | None]:
    return [sending.outbox_message_send(pk, now=now) for pk in sending.outbox_due_ids(now=now, limit=100)]


# At logging


def test_a_complaint_logged_with_consent_and_a_phone_queues_its_text_with_reference_and_status_link(org, api):
    complaint = logged(org, api)

    [message] = OutboxMessage.objects.all()
    assert (message.channel, message.kind, message.destination, message.language) == (
        "sms",
        "complaint_logged",
        PHONE,
        "zh-hans",  # the customer's language unknown: the store's
    )
    assert message.complaint_id == complaint.pk
    assert message.payload["params"] == {"reference": complaint.reference, "link": status_url(complaint)}
    assert status_url(complaint).endswith(f"/s/{complaint.status_token}/")
    assert message.status == "queued"


def test_no_text_without_consent_or_without_a_phone(org, api):
    assert api(org.frontline1).log(customer=CONTACT).status_code == 201
    no_phone = {"name": "Mr. Li", "email": "li@example.com"}
    assert api(org.frontline1).log(customer=no_phone, contact_consent=True).status_code == 201
    assert not OutboxMessage.objects.exists()


def test_a_known_customer_is_texted_in_their_own_language(org, api):
    logged(org, api)
    Complaint.objects.get().customer.__class__.objects.update(language="en")
    logged(org, api, description="Again: the soup was cold.")
    assert sorted(OutboxMessage.objects.values_list("language", flat=True)) == ["en", "zh-hans"]


# The providers, through their SDKs


def test_alibaba_sends_the_template_signed_as_documented(org, api, aliyun):
    complaint = logged(org, api)
    assert send_all() == ["sent"]

    [sent] = aliyun.accepted
    assert sent["phone"] == "8613800138000"
    assert (sent["sign"], sent["template"]) == ("服务补救", "SMS_100001")
    assert sent["params"] == {"reference": complaint.reference, "link": status_url(complaint)}
    message = OutboxMessage.objects.get()
    assert (message.status, message.provider, message.provider_message_id) == ("sent", "aliyun", "1^0")
    assert aliyun.refused == []


def test_alibaba_throttling_is_retried_later_with_its_code(org, api, aliyun):
    logged(org, api)
    aliyun.answer = lambda m: (
        200,
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控", "RequestId": "x"},
    )
    assert send_all() == ["failed"]
    message = OutboxMessage.objects.get()
    assert (message.error_code, message.attempts) == ("isv.BUSINESS_LIMIT_CONTROL", 1)
    assert message.next_attempt_at > DAYTIME

    aliyun.answer = None
    assert send_all(message.next_attempt_at) == ["sent"]
    assert len(aliyun.accepted) == 1


def test_alibaba_refuses_a_wrong_signature_and_the_message_is_given_up(org, api, aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    logged(org, api)
    assert send_all() == ["given_up"]
    assert [code for code, _ in aliyun.refused] == ["SignatureDoesNotMatch"]
    assert OutboxMessage.objects.get().error_code == "SignatureDoesNotMatch"


def test_tencent_sends_the_template_signed_as_documented(org, api, tencent):
    complaint = logged(org, api)
    assert send_all() == ["sent"]

    [sent] = tencent.accepted
    assert sent["phone"] == PHONE
    assert (sent["sign"], sent["template"]) == ("服务补救", "SMS_100001")
    assert sent["params"] == [complaint.reference, status_url(complaint)]  # {1}, {2}
    message = OutboxMessage.objects.get()
    assert (message.status, message.provider) == ("sent", "tencent")
    assert message.provider_message_id.startswith("2433:")
    assert tencent.refused == []


def test_tencent_throttling_of_a_number_is_retried_later_with_its_code(org, api, tencent):
    logged(org, api)

    def throttled(message):
        status = {"SerialNo": "", "PhoneNumber": message["phone"], "Fee": 0, "SessionContext": "", "IsoCode": "CN"}
        status |= {"Code": "LimitExceeded.PhoneNumberThirtySecondLimit", "Message": "触发每个号码30秒内的频率限制"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "x"}}

    tencent.answer = throttled
    assert send_all() == ["failed"]
    assert OutboxMessage.objects.get().error_code == "LimitExceeded.PhoneNumberThirtySecondLimit"


def test_tencent_refuses_a_wrong_signature_and_the_message_is_given_up(org, api, tencent, settings):
    settings.SMS_TENCENT_SECRET_KEY = "not-the-key"
    logged(org, api)
    assert send_all() == ["given_up"]
    assert [code for code, _ in tencent.refused] == ["AuthFailure.SignatureFailure"]


def test_a_provider_that_cannot_be_reached_is_retried(org, api, settings):
    with FakeAliyun() as fake:
        aliyun_settings(settings, fake)
    logged(org, api)  # the fake is gone: nothing listens on its port
    assert send_all() == ["failed"]
    assert OutboxMessage.objects.get().next_attempt_at == DAYTIME + timedelta(
        seconds=settings.OUTBOX_RETRY_BASE_SECONDS
    )


def test_the_console_prints_the_admins_text_in_the_customers_language(org, api, capsys):
    complaint = logged(org, api)
    MessageTemplate.objects.filter(kind="complaint_logged", language="zh-hans").update(
        text="已收到您的投诉{reference}，进度：{link}"
    )
    assert send_all() == ["sent"]
    assert f"[SMS to {PHONE}] 【服务补救】已收到您的投诉{complaint.reference}，进度：{status_url(complaint)}" in (
        capsys.readouterr().out
    )


# When


def test_at_two_in_the_morning_it_waits_for_the_end_of_quiet_hours(org, api, aliyun):
    night = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # 02:00 in Shanghai
    logged(org, api, at=night)
    assert send_all(night) == ["deferred"]
    message = OutboxMessage.objects.get()
    assert message.next_attempt_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert message.attempts == 0
    assert aliyun.accepted == []
    assert send_all(message.next_attempt_at) == ["sent"]


def test_past_the_daily_limit_a_number_waits_for_the_next_morning(org, api, aliyun, settings):
    settings.SMS_DAILY_LIMIT = 2
    for n in range(3):
        logged(org, api, description=f"Complaint {n}")
    assert send_all() == ["sent", "sent", "deferred"]
    waiting = OutboxMessage.objects.get(status="queued")
    assert waiting.next_attempt_at == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # tomorrow 09:00 in Shanghai
    assert len(aliyun.accepted) == 2


# The survey and a reopened complaint


def test_the_survey_link_follows_by_text_and_a_reopened_complaints_outcome_too(org, api, settings):
    frontline1 = api(org.frontline1)
    complaint = logged(org, api)
    assert frontline1.step(str(complaint.pk), "apologize", {"note": "Sorry."}).status_code == 200
    assert frontline1.step(str(complaint.pk), "respond", {"resolution": "A fresh bowl."}).status_code == 200
    assert frontline1.step(str(complaint.pk), "survey").status_code == 200
    survey = OutboxMessage.objects.get(channel="sms", kind="survey_invitation")
    # The status link, whose page shows the survey while it may be answered: two parts, not the signed link's four.
    assert survey.payload["params"] == {"reference": complaint.reference, "link": status_url(complaint)}
    assert (
        segments(f"【{settings.SMS_SIGN_NAME}】" + sms_text(survey.kind, survey.language, survey.payload["params"]))
        <= 2
    )
    page = Client().get(status_url(complaint).removeprefix(settings.SITE_URL)).content.decode()
    assert survey_url(SurveyInvitation.objects.get(complaint=complaint)).removeprefix(settings.SITE_URL) in page
    assert frontline1.step(str(complaint.pk), "follow-up", {"outcome": "Fine", "satisfaction": 4}).status_code == 200
    assert frontline1.step(str(complaint.pk), "reopen", {"reason": "Called back."}).status_code == 200
    assert not OutboxMessage.objects.filter(kind="reopened_outcome").exists()
    assert frontline1.step(str(complaint.pk), "respond", {"resolution": "A refund."}).status_code == 200
    outcome = OutboxMessage.objects.get(kind="reopened_outcome")
    assert outcome.payload["params"] == {"reference": complaint.reference, "link": status_url(complaint)}


# Opting out


def test_the_opt_out_reply_withdraws_consent_and_stops_every_text(org, api, settings, client):
    settings.SMS_INBOUND_TOKEN = "callback-secret"
    complaint = logged(org, api)
    url = "/api/v1/sms/replies/tencent/"
    reply = {"extend": "", "mobile": "13800138000", "nationcode": "86", "sign": "服务补救", "text": "TD", "time": 1}

    assert client.post(url, reply, content_type="application/json").status_code == 403
    assert client.post(url + "?token=wrong", reply, content_type="application/json").status_code == 403
    assert not SmsOptOut.objects.exists()

    answer = client.post(url + "?token=callback-secret", reply, content_type="application/json")
    assert (answer.status_code, answer.json()) == (200, {"result": 0, "errmsg": "OK"})
    assert SmsOptOut.objects.get().phone == PHONE
    complaint.refresh_from_db()
    assert complaint.contact_consent is False
    assert OutboxMessage.objects.get().status == "given_up"

    # A message written meanwhile is not sent either.
    sending.outbox_enqueue(
        channel="sms", destination=PHONE, kind="complaint_logged", idempotency_key="later", payload={"params": {}}
    )
    assert send_all(datetime.now(UTC)) == ["given_up"]


def test_an_alibaba_opt_out_reply_is_recorded_and_other_replies_are_not(org, api, settings, client):
    settings.SMS_INBOUND_TOKEN = "callback-secret"
    logged(org, api)
    replies = [
        {"phone_number": "13800138000", "content": "谢谢", "send_time": "2026-12-07 10:00:00", "sign_name": "服务补救"},
        {"phone_number": "13800138000", "content": "退订", "send_time": "2026-12-07 10:01:00", "sign_name": "服务补救"},
    ]
    answer = client.post(
        "/api/v1/sms/replies/aliyun/",
        replies,
        content_type="application/json",
        headers={"X-Sms-Callback-Token": "callback-secret"},
    )
    assert answer.status_code == 200
    assert list(SmsOptOut.objects.values_list("phone", "word")) == [(PHONE, "退订")]


# The templates


def test_a_template_must_use_the_kinds_variables_and_fit_the_providers_length(db, settings):
    settings.SMS_MAX_SEGMENTS = 2
    template = MessageTemplate.objects.get(kind="complaint_logged", language="zh-hans")
    template.full_clean()  # the seed fits

    template.text = "您的投诉{reference}已收到，金额{amount}。{link}"
    with pytest.raises(ValidationError, match="Unknown variables: amount"):
        template.full_clean()
    template.text = "您的投诉{reference}已收到。"
    with pytest.raises(ValidationError, match="must contain link"):
        template.full_clean()
    template.text = "您的投诉{reference}已收到，" + "我们非常重视您的意见" * 8 + "：{link}"
    with pytest.raises(ValidationError, match="3 messages"):
        template.full_clean()


def test_a_template_is_measured_with_a_status_link_on_this_sites_address(db, settings):
    settings.SMS_MAX_SEGMENTS = 2
    template = MessageTemplate.objects.get(kind="complaint_logged", language="zh-hans")
    template.full_clean()  # the seed fits with make run's address
    settings.SITE_URL = "https://complaints." + "long-department-name-" * 3 + "example-retail-group.com.cn"
    with pytest.raises(ValidationError, match="3 messages"):
        template.full_clean()  # the same text with this site's longer links


# Where staff see them


def test_each_text_is_on_the_complaints_timeline_with_what_became_of_it(org, api, aliyun):
    complaint = logged(org, api)
    aliyun.answer = lambda message: (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit", "RequestId": "x"})
    send_all()
    page = signed_in(org.frontline1).get(f"/complaints/{complaint.pk}/").content.decode()
    assert "Messages sent" in page
    assert "SMS · Complaint received (with its status link) · …8000" in page
    assert "Failed, to be retried (isv.BUSINESS_LIMIT_CONTROL)" in page
    assert PHONE not in page.split("Messages sent")[1]  # the number by its last digits only

    zh = signed_in(org.frontline1, language="zh-hans").get(f"/complaints/{complaint.pk}/").content.decode()
    assert "已发送的消息" in zh


def test_staffs_emails_about_a_complaint_are_not_among_its_messages_sent(org, api, sla):
    complaint = logged(org, api)
    deadline = complaint.deadlines.first()
    notifications.notifications_create(
        complaint=complaint,
        deadline=deadline,
        level=1,
        kind="escalation",
        text="",
        recipients=[org.supervisor1],
        now=T0,
    )
    assert OutboxMessage.objects.filter(complaint=complaint, channel="email").exists()  # emailed, in the outbox

    page = signed_in(org.frontline1).get(f"/complaints/{complaint.pk}/").content.decode()
    sent = page.split("Messages sent")[1]
    assert "SMS · Complaint received" in sent
    assert "Email" not in sent  # the supervisor's email is theirs (their inbox), not the customer's messages


def test_a_customer_on_the_stores_qr_form_is_texted_in_their_phones_language(org, sla, rate_limit_redis):
    assert send(org.s1, complaint_of(), client=visitor("en")).status_code == 302
    [message] = OutboxMessage.objects.filter(channel="sms")  # (the assignee is emailed: still in the store)
    assert (message.kind, message.language, message.destination) == ("complaint_logged", "en", PHONE)
