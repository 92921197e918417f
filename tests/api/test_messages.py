"""Messages in the reader's language: every error reads in English, or in Chinese for `Accept-Language: zh-hans`."""

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from core.errors import ApplicationError
from recovery.approvals.errors import WrongPin
from tests.helpers import STEP_BODIES, walk

CHINESE = {"Accept-Language": "zh-hans"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_a_step_out_of_order_is_refused_in_the_readers_language(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]

    english = frontline1.step(complaint_id, "follow-up", STEP_BODIES["follow-up"])
    chinese = frontline1.step(complaint_id, "follow-up", STEP_BODIES["follow-up"], **CHINESE)

    assert english.json()["detail"] == "Cannot follow up a complaint that is new; allowed: apologize, close."
    assert chinese.json()["detail"] == "投诉当前为“新建”，不能跟进；可以进行：道歉、关闭。"
    # The codes a client acts on stay the same in every language.
    assert chinese.json() | {"detail": ""} == english.json() | {"detail": ""}


def test_a_hold_on_a_held_complaint_is_refused_in_chinese(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    hold = {"reason": "Waiting for the receipt", "until": (timezone.now() + timedelta(days=1)).isoformat()}
    assert frontline1.step(complaint_id, "hold", hold).status_code == 200

    response = frontline1.step(complaint_id, "hold", hold, **CHINESE)

    assert (response.status_code, response.json()["code"]) == (409, "on_hold")
    assert response.json()["detail"].endswith("（UTC 时间）；请先恢复处理。")  # the API answers in UTC


def test_what_frontline_staff_may_not_do_alone_is_refused_in_chinese_naming_who_may(org, api):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]

    lowered = frontline1.step(complaint_id, "severity", {"severity": "low"}, **CHINESE)
    too_long = {"reason": "Waiting for the receipt", "until": (timezone.now() + timedelta(days=8)).isoformat()}
    held = frontline1.step(complaint_id, "hold", too_long, **CHINESE)

    assert lowered.json()["detail"] == "只有主管、经理或管理员可以调低投诉的严重程度。"
    assert held.json() == {"until": ["须为将来的某个时间，最多 7 天之后；主管可暂停最长 30 天。"]}


def test_wrong_pins_count_down_in_words_that_agree_with_the_number(org, api, limits, supervisor1_pin):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    approval_id = frontline1.respond(complaint_id, ("voucher", "60.00")).json()["pending_approval"]["id"]
    path = f"/api/v1/approvals/{approval_id}/approve/"
    body = {"note": "OK", "approver": "supervisor1", "pin": "9999"}

    english = [frontline1.post(path, body).json()["detail"] for _ in range(3)]
    chinese = frontline1.post(path, body, **CHINESE).json()

    told = "Wrong PIN, or this approver may not decide this request; {} left before in-person approval by this "
    told += "approver locks on this device."
    assert english == [told.format("4 tries"), told.format("3 tries"), told.format("2 tries")]
    assert (chinese["code"], chinese["attempts_left"]) == ("wrong_pin", 1)
    assert chinese["detail"] == "PIN 错误，或该审批人不能审批此申请；再错 1 次，该审批人在此设备上的当面审批将被锁定。"
    with translation.override("en"):
        assert WrongPin(attempts_left=1).detail == told.format("1 try")


def test_an_approver_without_a_pin_is_told_how_to_set_one(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    approval_id = frontline1.respond(complaint_id, ("voucher", "60.00")).json()["pending_approval"]["id"]
    body = {"note": "OK", "approver": "supervisor1", "pin": "2580"}

    response = frontline1.post(f"/api/v1/approvals/{approval_id}/approve/", body)

    assert (response.status_code, response.json()["code"]) == (403, "pin_not_set")
    assert "PUT /api/v1/me/approval-pin/" in response.json()["detail"]
    assert "profile" not in response.json()["detail"]


def test_deciding_your_own_request_is_refused_in_chinese_naming_the_approver(org, api, limits):
    supervisor1 = api(org.supervisor1)
    complaint_id = supervisor1.apologized()
    asked = supervisor1.respond(complaint_id, ("voucher", "600.00")).json()  # above a supervisor's 500 per action

    response = supervisor1.post(
        f"/api/v1/approvals/{asked['pending_approval']['id']}/approve/", {"note": ""}, **CHINESE
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "任何人都不能审批自己的申请：须由您以外的经理审批。"


@pytest.mark.parametrize(
    ("field", "listed"),
    [
        ("closure_code", "resolved (Resolved), resolved_unsatisfied (Resolved, customer still unsatisfied)"),
        ("servqual_dimension", "reliability (Reliability), responsiveness (Responsiveness)"),
        ("blueprint_area", "front_stage (Front stage), back_stage (Back stage), support (Support systems)"),
    ],
)
def test_a_wrong_choice_names_the_valid_ones(org, api, field, listed):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.log().json()["id"]
    walk(frontline1, complaint_id, ["apologize", "respond", "follow-up"])

    response = frontline1.step(complaint_id, "close", {**STEP_BODIES["close"], field: "luck"})

    assert response.status_code == 400
    [message] = response.json()[field]
    assert message.startswith('"luck" is not a valid choice; choose one of: ')
    assert listed in message


def test_a_wrong_choice_names_the_valid_ones_in_chinese(org, api):
    response = api(org.frontline1).post("/api/v1/complaints/", {"description": "x", "stage": "someday"}, **CHINESE)

    assert response.json()["stage"] == [
        "“someday”不是有效的选项；请选择：pre_sale（售前）、in_sale（售中）、after_sale（售后）。"
    ]


def test_field_errors_and_refusals_read_in_chinese(org, api, limits):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    body = {"resolution": "x", "compensation": [{"kind": "refund", "amount": "5.00", "note": ""}]}

    refused = frontline1.step(complaint_id, "respond", body, **CHINESE)
    bad_phone = frontline1.post("/api/v1/complaints/", {"description": "x", "customer": {"phone": "12345"}}, **CHINESE)

    assert refused.json()["compensation"] == [
        "第 1 项：您的角色不能给予退款（可给予：折扣、赠品、礼品、换货、代金券）。"
    ]
    assert bad_phone.json()["customer"]["phone"][0].startswith("请输入有效的电话号码，例如 ")


def _application_errors() -> list[type[ApplicationError]]:
    root = Path(settings.BASE_DIR)
    for app in ("core", "complaints", "recovery", "staff"):
        for module in sorted((root / app).rglob("errors.py")):
            importlib.import_module(".".join(module.relative_to(root).with_suffix("").parts))
    found, todo = [], [ApplicationError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("error", _application_errors(), ids=lambda cls: cls.__name__)
def test_every_error_has_its_default_message_in_chinese(error):
    with translation.override("zh-hans"):
        chinese = str(error.default_detail)
    with translation.override("en"):
        english = str(error.default_detail)
    assert HAN.search(chinese), (error, chinese)
    assert chinese != english


def test_every_message_in_the_catalogue_is_translated():
    catalogue = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = catalogue.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    untranslated = [entry for entry in entries if re.search(r'^msgstr(\[0\])? ""\Z', entry.strip(), re.M)]
    assert entries
    assert untranslated == []
    # A fuzzy entry (a guess by makemessages) is left out of the compiled catalogue.
    assert [entry for entry in entries if "fuzzy" in entry] == []


# --- The language a person chose ------------------------------------------------------------------------------


def test_the_api_answers_a_person_in_the_language_they_chose_whatever_the_request_asks(org, api):
    frontline1 = api(org.frontline1)
    chosen = frontline1.client.patch("/api/v1/me/", {"language": "zh-hans"}, format="json")
    assert chosen.json()["language"] == "zh-hans"
    complaint_id = frontline1.log().json()["id"]

    refused = frontline1.step(complaint_id, "follow-up", STEP_BODIES["follow-up"], **{"Accept-Language": "en"})

    assert refused["Content-Language"] == "zh-hans"
    assert refused.json()["detail"] == "投诉当前为“新建”，不能跟进；可以进行：道歉、关闭。"
    assert refused.json()["code"] == "invalid_transition"  # codes stay as they are


def test_choosing_no_language_follows_accept_language_again(org, api):
    frontline1 = api(org.frontline1)
    frontline1.client.patch("/api/v1/me/", {"language": "zh-hans"}, format="json")

    me = frontline1.client.patch("/api/v1/me/", {"language": ""}, format="json")

    assert me.json()["language"] == ""
    assert frontline1.client.get("/api/v1/me/", headers={"Accept-Language": "en"})["Content-Language"] == "en"


def test_a_language_not_offered_is_a_400_naming_the_ones_offered(org, api):
    response = api(org.frontline1).client.patch("/api/v1/me/", {"language": "fr"}, format="json")

    assert response.status_code == 400
    assert "zh-hans" in response.json()["language"][0]
