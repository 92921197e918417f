"""The store's public QR form on a customer's phone (390 by 844), in Chinese and English, photo and all."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from complaints.models import Complaint, ComplaintPhoto
from tests.browser.helpers import axe_violations, screenshot
from tests.browser.test_tablet_pages import PORTRAIT, T0
from tests.helpers import jpeg_with_gps

PHONE = (390, 844)


@pytest.fixture
def shop(org, sla, rate_limit_redis, public_form_media):
    with time_machine.travel(T0, tick=True):
        yield org


def test_a_customer_sends_a_complaint_with_a_photo_from_their_phone_in_chinese(page_for, shop, tap):
    page = page_for(None, language="zh-hans", viewport=PHONE)
    page.goto(f"/f/{shop.s1.public_token}/")
    expect(page.get_by_role("heading", name="告诉我们哪里做得不好")).to_be_visible()
    assert axe_violations(page) == []
    # Nothing sideways: the form fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    tap(page.get_by_label("发生了什么？"))
    page.get_by_label("发生了什么？").fill("面条是凉的，而且等了四十分钟。")
    tap(page.get_by_label("是，我还在店里"))
    tap(page.get_by_label("您的称呼（选填）"))
    page.get_by_label("您的称呼（选填）").fill("王女士")
    tap(page.get_by_label("电话或邮箱（选填）"))
    page.get_by_label("电话或邮箱（选填）").fill("138 0013 8000")
    tap(page.get_by_label("同意就本次投诉与我联系。"))
    page.get_by_label("照片（选填）").set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1200, 900))}
    )
    screenshot(page, "public-form-zh", full_page=True)
    tap(page.get_by_role("button", name="提交"))

    expect(page.get_by_role("heading", name="感谢您告诉我们")).to_be_visible()
    complaint = Complaint.objects.get()
    expect(page.locator(".reference")).to_have_text(complaint.reference)
    assert re.fullmatch(r"S1-20261123-0001", complaint.reference)
    assert (complaint.channel, complaint.severity, complaint.assignee) == ("qr_form", "high", shop.supervisor1)
    assert ComplaintPhoto.objects.filter(complaint=complaint).count() == 1
    assert axe_violations(page) == []
    screenshot(page, "public-thank-you-zh")
    # Coming back to the form later starts afresh: the draft ended with the thanks.
    page.goto(f"/f/{shop.s1.public_token}/")
    expect(page.get_by_label("发生了什么？")).to_have_value("")

    # The store's supervisor has it in their queue, photo included.
    tablet = page_for(shop.supervisor1, language="zh-hans", viewport=PORTRAIT)
    tablet.goto("/")
    tap(tablet.get_by_role("link", name=re.compile(complaint.reference)))
    photo = tablet.locator(".photos img")
    expect(photo).to_be_visible()
    # Loaded through the store-checked view (lazily: wait for it), at the size it was stored.
    tablet.wait_for_function("() => document.querySelector('.photos img').naturalWidth > 0")
    assert photo.evaluate("img => img.naturalWidth") == 1200
    expect(tablet.locator(".timeline")).to_contain_text("顾客（通过门店二维码表单）")
    assert axe_violations(tablet) == []
    screenshot(tablet, "complaint-from-qr-form-zh-portrait", full_page=True)


def test_the_form_in_english_says_what_is_wrong_and_keeps_what_was_typed(page_for, page_guards, shop, tap):
    page_guards.expect_console_error("status of 400")  # the form comes back refused, as it should
    page = page_for(None, language="en", viewport=PHONE)
    page.goto(f"/f/{shop.s1.public_token}/")
    tap(page.get_by_label("What happened?"))
    page.get_by_label("What happened?").fill("The table was sticky.")
    tap(page.get_by_label("No, I have left"))
    tap(page.get_by_label("Phone or email (optional)"))
    page.get_by_label("Phone or email (optional)").fill("not a number")
    tap(page.get_by_role("button", name="Send"))

    expect(page.locator(".error")).to_contain_text("Enter a valid phone number")
    expect(page.get_by_label("What happened?")).to_have_value("The table was sticky.")
    assert not Complaint.objects.exists()
    screenshot(page, "public-form-en", full_page=True)
    assert axe_violations(page) == []
