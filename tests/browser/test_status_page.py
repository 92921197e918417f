"""The customer's status page in Chromium, on a phone (390 by 844): in their language, then switched; axe clean."""

import re

from playwright.sync_api import expect

from complaints.models import Complaint, Customer
from complaints.status_links import status_url
from tests.api.test_survey_api import CONTACT
from tests.browser.helpers import axe_violations, screenshot
from tests.browser.test_tablet_pages import LATIN_ALLOWED, store  # noqa: F401 - the fixture, shared
from tests.helpers import Api

PHONE = (390, 844)


def surveyed(org) -> str:
    """A complaint apologized, responded with a voucher granted, its survey sent: the status page's path."""
    frontline1 = Api(org.frontline1)
    complaint_id = frontline1.apologized(customer=CONTACT, contact_consent=True)
    assert frontline1.respond(complaint_id, ("voucher", "20.00")).status_code == 200
    assert frontline1.step(complaint_id, "survey").status_code == 200
    url = status_url(Complaint.objects.get(pk=complaint_id))
    return url[url.index("/s/") :]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def english_left(page) -> list[str]:
    text = LATIN_ALLOWED.sub(" ", page.locator("body").inner_text())
    return re.findall(r"[A-Za-z]{2,}", text)


def test_a_chinese_customer_follows_their_complaint_on_the_phone_then_reads_it_in_english(page_for, store, tap):  # noqa: F811
    path = surveyed(store)
    Customer.objects.update(language="zh-hans")  # their phone's language, as the form or survey noted it
    page = page_for(None, language="en", viewport=PHONE)  # a phone set to English: the customer's language wins
    page.goto(path)

    expect(page.get_by_role("heading", name="您的投诉")).to_be_visible()
    expect(page.locator(".status-steps li")).to_have_count(4)
    expect(page.locator(".status-steps")).to_contain_text("代金券，¥20.00")
    expect(page.get_by_role("link", name="告诉我们问题是否已解决")).to_be_visible()
    assert english_left(page) == []
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    page.wait_for_load_state("networkidle")
    screenshot(page, "status-zh", full_page=True)

    tap(page.get_by_role("button", name="English"))

    expect(page.get_by_role("heading", name="Your complaint")).to_be_visible()
    expect(page.locator(".status-steps")).to_contain_text("We gave you: Voucher, ¥20.00.")
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    page.wait_for_load_state("networkidle")
    screenshot(page, "status-en", full_page=True)

    tap(page.get_by_role("link", name="Tell us whether we put it right"))
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()


def test_an_unknown_link_says_so_on_the_phone_in_both_languages(page_for, page_guards, store):  # noqa: F811
    page_guards.expect_console_error(r"status of 404")  # the page's own answer: the link is no one's
    for language, heading in [("zh-hans", "此链接无法使用"), ("en", "This link does not work")]:
        page = page_for(None, language=language, viewport=PHONE)
        page.goto("/s/not-a-real-key-at-all/")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert fits_the_phone(page)
        assert axe_violations(page) == []
