"""The follow-up survey in Chromium: the customer answers on a phone (390 by 844), and the tablet shows the QR code."""

import re

from playwright.sync_api import expect

from complaints.models import Complaint
from recovery.models import SurveyInvitation
from recovery.surveys import invitations
from tests.api.test_survey_api import responded
from tests.browser.helpers import axe_violations, screenshot
from tests.browser.test_tablet_pages import english_left, store  # noqa: F401 - the fixture, shared
from tests.helpers import Api

PHONE = (390, 844)


def survey_path(org) -> tuple[str, str]:
    """A responded complaint whose customer agreed to be contacted, its survey sent: (complaint id, page path)."""
    frontline1 = Api(org.frontline1)
    complaint_id = responded(frontline1)
    assert frontline1.step(complaint_id, "survey").status_code == 200
    return complaint_id, f"/survey/{invitations.survey_token(SurveyInvitation.objects.get())}/"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_answers_the_survey_on_their_phone_in_chinese(page_for, store, tap):  # noqa: F811
    complaint_id, path = survey_path(store)
    page = page_for(None, language="zh-hans", viewport=PHONE)
    page.goto(path)

    expect(page.get_by_role("heading", name="您的反馈")).to_be_visible()
    expect(page.locator(".survey")).to_contain_text("Downtown")
    assert english_left(page) == []
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    page.wait_for_load_state("networkidle")
    screenshot(page, "survey-zh", full_page=True)

    tap(page.get_by_label("否", exact=True))
    tap(page.get_by_label("2", exact=True))
    tap(page.get_by_label(re.compile("还有什么想告诉我们")))
    page.get_by_label(re.compile("还有什么想告诉我们")).fill("汤还是凉的")
    tap(page.get_by_role("button", name="提交我的回答"))

    expect(page.get_by_role("heading", name="感谢您的回答")).to_be_visible()
    assert english_left(page) == []
    assert axe_violations(page) == []
    screenshot(page, "survey-thanks", full_page=True)
    assert tap.count <= 5
    complaint = Complaint.objects.get(pk=complaint_id)
    assert (complaint.status, complaint.satisfaction) == ("reopened", 2)


def test_the_survey_reads_in_english_on_an_english_phone(page_for, store):  # noqa: F811
    _complaint_id, path = survey_path(store)
    page = page_for(None, language="en", viewport=PHONE)
    page.goto(path)

    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    page.wait_for_load_state("networkidle")
    screenshot(page, "survey-en", full_page=True)


def test_the_tablet_shows_the_survey_link_as_a_qr_code_to_scan(page_for, store, tap):  # noqa: F811
    frontline1 = Api(store.frontline1)
    complaint_id = responded(frontline1, id="6f1d2c3b-4a59-4e68-9d7c-8b9a0f1e2d3c")  # fixed, as the nonce below
    page = page_for(store.frontline1)
    page.goto(f"/complaints/{complaint_id}/")

    tap(page.get_by_role("button", name="Send the survey link"))

    qr = page.locator("#survey svg.qr-code")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 200  # large enough to scan across the counter
    expect(page.locator("#survey")).to_contain_text("scan this with their phone's camera")
    assert axe_violations(page) == []
    # A fixed nonce (and complaint id) draws the same code every run: the committed picture stays as it is.
    SurveyInvitation.objects.update(nonce="0" * 32)
    page.reload()
    page.locator("#survey").scroll_into_view_if_needed()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_load_state("networkidle")
    screenshot(page, "complaint-survey-qr")
