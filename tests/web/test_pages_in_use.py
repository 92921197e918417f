"""What the pages offer as people use them (issue 25, items 11, 14, 17, 18, 19): the store's clock, names apart, plain
words, a search for everyone, and only what may be done."""

import time_machine

from tests.helpers import T0, walk
from tests.web.test_pages import signed_in


def test_the_two_boards_have_different_names_in_chinese(org):
    page = signed_in(org.supervisor1, language="zh-hans").get("/").content.decode()

    assert ">门店看板<" in page
    assert ">数据看板<" in page
    assert ">看板<" not in page


def test_staff_logging_by_hand_are_not_offered_the_qr_forms_channel(org):
    page = signed_in(org.frontline1).get("/complaints/new/").content.decode()

    assert 'value="in_person"' in page
    assert 'value="qr_form"' not in page


def test_closing_asks_in_plain_words_first(org, api, limits, sla):
    complaint_id = api(org.frontline1).apologized()
    walk(api(org.frontline1), complaint_id, ["respond", "follow-up"])

    page = signed_in(org.frontline1, language="zh-hans").get(f"/complaints/{complaint_id}/").content.decode()

    assert "哪方面做得不好？" in page
    assert "SERVQUAL" not in page
    assert "服务蓝图" not in page


def test_the_board_offers_no_take_over_of_a_closed_complaint(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    closed_id = frontline1.apologized()
    walk(frontline1, closed_id, ["respond", "follow-up", "close"])
    open_id = frontline1.apologized()

    page = signed_in(org.supervisor1).get("/board/", {"status": "closed"}).content.decode()
    open_page = signed_in(org.supervisor1).get("/board/").content.decode()

    assert f"/complaints/{closed_id}/assign/" not in page
    assert f"/complaints/{open_id}/assign/" in open_page


def test_the_limits_name_who_approves_above_each_role(org, api, limits, sla):
    complaint_id = api(org.frontline1).apologized()

    frontline = signed_in(org.frontline1, language="zh-hans").get(f"/complaints/{complaint_id}/").content.decode()
    supervisor = signed_in(org.supervisor1, language="zh-hans").get(f"/complaints/{complaint_id}/").content.decode()

    assert "超出部分须由主管或以上人员审批。" in frontline
    assert "超出部分须由经理或以上人员审批。" in supervisor


def test_the_in_person_box_names_the_role_that_may_approve_and_offers_only_its_people(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    # Over a supervisor's limit per compensation (¥500) too: only a manager or above may approve it.
    assert frontline1.respond(complaint_id, ("voucher", "600.00")).json()["status"] == "awaiting_approval"

    page = signed_in(org.frontline1, language="zh-hans").get(f"/complaints/{complaint_id}/")

    text = page.content.decode()
    assert "经理或以上人员在此审批" in text
    assert "主管或以上人员在此审批" not in text
    approvers = list(page.context["forms"]["in_person"].fields["approver"].queryset)
    assert org.manager1 in approvers
    assert org.supervisor1 not in approvers


def test_each_wrong_amount_gets_one_clear_message_in_chinese(org, api, limits, sla):
    complaint_id = api(org.frontline1).apologized()
    client = signed_in(org.frontline1, language="zh-hans")
    expected = {
        "-5": "金额不能小于 0。",
        "0.001": "金额最多保留两位小数，例如 12.50。",
        "99999999999999999999": "金额过大，请检查输入的数字。",
    }
    for amount, message in expected.items():
        body = {
            "resolution": "换了一碗热汤",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-kind": "voucher",
            "lines-0-amount": amount,
        }
        page = client.post(f"/complaints/{complaint_id}/respond/", body, follow=True)

        errors = page.context["forms"]["lines"].forms[0].errors
        assert page.status_code == 400
        assert errors == {"amount": [message]}, amount


def test_text_too_long_is_said_in_plain_chinese(org):
    body = {"id": "8f9c4e1e-1b0a-4a55-9b7e-0d0d6f0a0a01", "category": "food_quality", "description": "长" * 10_001}
    page = signed_in(org.frontline1, language="zh-hans").post("/complaints/new/", body, follow=True)

    assert "请不要超过 10000 个字（现在有 10001 个）。" in page.content.decode()


def test_approving_from_the_queue_says_what_happened(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    approval_id = frontline1.respond(complaint_id, ("voucher", "80.00")).json()["pending_approval"]["id"]
    reference = frontline1.get(f"/api/v1/complaints/{complaint_id}/").json()["reference"]

    page = signed_in(org.supervisor1, language="zh-hans").post(
        f"/approvals/{approval_id}/approve/", {"note": "同意"}, follow=True
    )

    assert f"已批准 {reference}。" in page.content.decode()


def test_a_step_says_what_happened(org, api, limits, sla):
    complaint_id = api(org.frontline1).log().json()["id"]

    page = signed_in(org.frontline1).post(f"/complaints/{complaint_id}/apologize/", {"note": ""}, follow=True)

    assert "is now Apologized." in page.content.decode()


def test_a_customer_with_only_a_phone_is_offered_the_qr_code_not_a_link_sent(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized(customer={"phone": "138 0013 8000"}, contact_consent=True)
    walk(frontline1, complaint_id, ["respond"])
    client = signed_in(org.frontline1)
    path = f"/complaints/{complaint_id}/"

    page = client.get(path).content.decode()
    assert "Show the survey's QR code" in page
    assert "nothing is sent to them" in page
    assert "Send the survey link" not in page

    client.post(f"{path}survey/", {})
    page = client.get(path).content.decode()
    assert 'class="qr-code"' in page
    assert 'class="copy-link"' in page


def test_the_step_bar_keeps_the_response_ticked_while_more_compensation_waits(org, api, limits, sla):
    frontline1 = api(org.frontline1)
    complaint_id = frontline1.apologized()
    walk(frontline1, complaint_id, ["respond"])
    lines = [{"kind": "voucher", "amount": "80.00", "note": ""}]
    assert frontline1.step(complaint_id, "compensation", {"compensation": lines}).status_code == 200

    page = signed_in(org.frontline1).get(f"/complaints/{complaint_id}/")

    assert page.context["complaint"].status == "awaiting_approval"
    assert page.context["progress"] == 3  # listen, apologize, respond: done


# --- 17. Frontline staff find any complaint of their stores ---------------------------------------------------


def found(user, query: str, *, language: str = "en"):
    return signed_in(user, language=language).get("/", {"search": query})


def test_frontline_staff_find_their_stores_complaints_by_reference_name_or_phone(org, api):
    wang = api(org.frontline1).log(description="Cold soup", customer={"name": "王女士", "phone": "138 0013 8000"})
    li = api(org.frontline2).log(description="Loud music", customer={"name": "Mr. Li", "phone": "139 0013 9000"})
    airport = api(org.frontline3).log(description="Elsewhere", customer={"name": "王女士", "phone": "13800138000"})
    wang, li, airport = wang.json(), li.json(), airport.json()

    def references(query: str) -> set[str]:
        response = found(org.frontline1, query)
        assert response.status_code == 200
        return {c.reference for c in response.context["complaints"]}

    assert references(li["reference"]) == {li["reference"]}  # a colleague's, not only my own
    assert references("王女士") == {wang["reference"]}  # not the other store's customer of the same name
    assert references("+86 138-0013-8000") == {wang["reference"]}
    assert references("music") == {li["reference"]}
    assert references(airport["reference"]) == set()


def test_a_search_too_long_is_refused_on_its_field_in_the_readers_language(org):
    response = found(org.frontline1, "汤" * 201, language="zh-hans")

    assert response.status_code == 400
    assert response.context["search_form"].errors["search"]
    assert response.context["complaints"] is None


# --- 11. Times people read are the store's --------------------------------------------------------------------


def test_a_hold_sent_from_a_stale_tab_says_until_when_on_the_stores_clock(org, api):
    complaint_id = api(org.frontline1).log().json()["id"]
    tablet = signed_in(org.frontline1, language="zh-hans")
    hold = {"reason": "等收据", "until": "2026-11-24T18:30"}  # the tablet's field: the store's wall-clock time
    with time_machine.travel(T0, tick=False):
        assert tablet.post(f"/complaints/{complaint_id}/hold/", hold).status_code == 302

        again = tablet.post(f"/complaints/{complaint_id}/hold/", hold, follow=True)  # from a tab drawn before

    assert again.status_code == 409
    assert again.context["forms"]["hold"].non_field_errors() == [
        "已暂停至 2026-11-24 18:30（Asia/Shanghai 时间）；请先恢复处理。"
    ]
