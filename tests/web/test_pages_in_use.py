"""What the pages offer as people use them (issue 25, items 14, 18, 19): names apart, plain words, and only
what may be done."""

from tests.helpers import walk
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
