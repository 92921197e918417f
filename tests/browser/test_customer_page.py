"""The customer's page on a tablet, both ways up and in both languages: accessible, and pictured for docs/screens/."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from complaints.models import Category, Complaint
from recovery.models import CompensationGuideline
from tests.browser.helpers import axe_violations, screenshot
from tests.browser.test_tablet_pages import LANDSCAPE, PORTRAIT, SMALL_TARGETS, T0
from tests.helpers import Api

DAY = timedelta(days=1)


@pytest.fixture
def customer_id(org, limits, sla):
    """Ms. Wang: three complaints at S1 in 20 days (two granted above the guideline), one answered 4/5, a member."""
    category = Category.objects.get(code="food_quality")
    CompensationGuideline.objects.create(category=category, severity="high", min_amount=0, max_amount=Decimal(20))
    frontline1, supervisor1 = Api(org.frontline1), Api(org.supervisor1)
    wang = {"name": "王女士 Ms. Wang", "phone": "138 0013 8000", "email": "wang@example.com"}
    for days_ago, amount, satisfaction in ((20, "30.00", 4), (6, "40.00", None), (0, None, None)):
        with time_machine.travel(T0 - days_ago * DAY, tick=False):
            complaint_id = frontline1.apologized(customer=wang)
            if amount:
                frontline1.respond(complaint_id, ("voucher", amount))
            if satisfaction:
                frontline1.step(complaint_id, "follow-up", {"outcome": "OK", "satisfaction": satisfaction})
    customer_id = Complaint.objects.get(pk=complaint_id).customer_id
    with time_machine.travel(T0 - DAY, tick=False):
        response = supervisor1.post(
            f"/api/v1/customers/{customer_id}/tier/", {"tier": "B", "reason": "Loyalty card 会员卡"}
        )
        assert response.status_code == 200, response.json()
    with time_machine.travel(T0, tick=True):
        yield customer_id


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("orientation", "viewport"), [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_the_customer_page_is_accessible_and_pictured(page_for, org, customer_id, language, orientation, viewport):
    page = page_for(org.supervisor1, language=language, viewport=viewport)
    page.goto(f"/complaints/{Complaint.objects.order_by('-created_at').first().pk}/")
    page.locator(f"a[href='/customers/{customer_id}/']").click()

    expect(page.locator(".flags .flag")).to_have_count(2)
    expect(page.locator(".tier")).to_contain_text("B")
    expect(page.locator(".cards .card")).to_have_count(3)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(SMALL_TARGETS) == []
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"customer-{'zh' if language == 'zh-hans' else 'en'}-{orientation}", full_page=True)
