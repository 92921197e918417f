"""Each person reads the desk in the language they chose (issue 25, items 10 to 12), whatever the tablet's."""

from playwright.sync_api import expect

from staff.models import Role, User
from tests.browser.helpers import screenshot
from tests.factories import UserFactory
from tests.helpers import MINUTE, T0, sweep

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
