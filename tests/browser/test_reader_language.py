"""Each person reads the desk in the language they chose (issue 25, items 10 to 12), whatever the tablet's."""

import csv
import io
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from staff.models import Role, User
from tests.browser.helpers import screenshot
from tests.conftest import METRICS_DAY
from tests.factories import UserFactory
from tests.helpers import HOUR, MINUTE, T0, sweep

APPROVAL_NEEDED = {"en": "Approval needed", "zh-hans": "待审批"}


def test_a_notice_is_read_by_a_chinese_and_an_english_reader_each_in_the_language_they_chose(page_for, floor, tap):
    org, references = floor
    english_reader = UserFactory(
        username="supervisor1b", first_name="Kate", role=Role.SUPERVISOR, store=org.s1, region=None
    )
    sweep(T0 + 5 * MINUTE)  # both supervisors of the store are told of the request

    # supervisor1 chooses Chinese on a tablet set to English, on their settings page (a tap on their name).
    chinese = page_for(org.supervisor1, language="en")
    chinese.goto("/")
    tap(chinese.locator("header a.who"))
    expect(chinese.get_by_role("heading", name="Your settings")).to_be_visible()
    tap(chinese.get_by_label("简体中文"))
    tap(chinese.get_by_role("button", name="Save"))
    expect(chinese.locator(".messages")).to_contain_text("已保存")
    screenshot(chinese, "settings-zh-portrait")

    # The other supervisor chooses English with the header's switch on a tablet set to Chinese.
    english = page_for(english_reader, language="zh-hans")
    english.goto("/inbox/")
    tap(english.get_by_role("button", name="English"))
    expect(english.get_by_role("heading", level=1)).to_have_text("Inbox")

    # Each reads the same request's notice in their own language, on any tablet they sign in to.
    for page, language in ((chinese, "zh-hans"), (page_for(english_reader, language="zh-hans"), "en")):
        page.goto("/inbox/")
        notice = page.locator("main .cards li").filter(has_text=references["awaiting_approval"]).first
        other = "en" if language == "zh-hans" else "zh-hans"
        expect(notice).to_contain_text(APPROVAL_NEEDED[language])
        expect(notice).not_to_contain_text(APPROVAL_NEEDED[other])
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if language == "zh-hans" else "en")
    assert User.objects.get(pk=english_reader.pk).language == "en"
    assert User.objects.get(pk=org.supervisor1.pk).language == "zh-hans"


# --- 11 and 12. The files people open in Excel: their language, the store's clock, minutes ----------------------

TABLE_BY_DAY = {"en": "Table by day (CSV)", "zh-hans": "按日明细表（CSV）"}
HEADERS = {
    "en": ["Day (Asia/Shanghai)", "Complaints", "Closed", "Escalation rate", "Satisfaction (mean, 1-5)"],
    "zh-hans": ["日期（Asia/Shanghai）", "投诉数", "已关闭", "升级率", "满意度（平均，1-5）"],
}
TOTAL = {"en": "Total", "zh-hans": "合计"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_dashboards_table_arrives_in_the_readers_language_with_minutes_and_percentages(
    page_for, day_of_complaints, tap, language
):
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(day_of_complaints.admin, language=language, viewport=(1024, 768))
        page.goto(f"/dashboard/?date_from={METRICS_DAY}&date_to={METRICS_DAY}")
        with page.expect_download() as arrived:
            tap(page.get_by_role("link", name=TABLE_BY_DAY[language]))
        text = Path(arrived.value.path()).read_text(encoding="utf-8-sig")

    header, day, total, _previous = list(csv.reader(io.StringIO(text, newline="")))
    assert header[:5] == HEADERS[language]
    assert day[0] == METRICS_DAY
    # A, B and C of the day: one in three escalated; responses after 20 and 50 minutes
    assert (total[0], total[3], total[5]) == (TOTAL[language], "33.3%", "35.0")


# --- 13. Django admin in the reader's language ------------------------------------------------------------------

ADMIN_WORDS = {
    "en": ("store", "QR code", "Regenerate the public form link (printed QR codes stop working)"),
    "zh-hans": ("门店", "二维码", "重新生成公开表单链接（已打印的二维码将失效）"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admins_stores_read_in_one_language(page_for, org, tap, language):
    heading, column, action = ADMIN_WORDS[language]
    page = page_for(org.admin, language=language, viewport=(1024, 768), touch=False)

    page.goto("/admin/staff/store/")

    expect(page.locator("#content h1")).to_contain_text(heading)
    expect(page.locator("#result_list thead")).to_contain_text(column)
    expect(page.locator("select[name=action] option").filter(has_text=action)).to_have_count(1)
    tap(page.get_by_role("link", name="S1", exact=True))
    other = ADMIN_WORDS["en" if language == "zh-hans" else "zh-hans"][1]
    expect(page.locator("#content")).not_to_contain_text(other)
