"""The recovery dashboard in a real browser: figures and charts drawn for admins and managers, in both languages."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, screenshot
from tests.conftest import METRICS_DAY
from tests.helpers import HOUR, T0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["admin", "manager1"])
def test_the_dashboard_draws_its_charts(page_for, day_of_complaints, who, language):
    user = day_of_complaints.admin if who == "admin" else day_of_complaints.manager1
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(user, language=language, viewport=(1024, 768))
        page.goto(f"/dashboard/?date_from={METRICS_DAY}&date_to={METRICS_DAY}")

        expect(page.locator(".figure").first).to_contain_text("3")
        charts = page.locator("figure.chart svg")
        expect(charts).to_have_count(6)
        for index in range(6):
            assert charts.nth(index).locator("rect").count() > 0  # every chart has bars drawn
        assert page.locator("figure.chart svg rect[width='0.00%']").count() < page.locator("figure.chart rect").count()
        assert axe_violations(page) == []
        page.evaluate("document.activeElement && document.activeElement.blur()")
        if who == "admin":
            name = f"dashboard-{'zh' if language == 'zh-hans' else 'en'}"
            screenshot(page, f"{name}-landscape", full_page=True)
            page.set_viewport_size({"width": 768, "height": 1024})  # the tablet turned upright
            expect(charts).to_have_count(6)
            screenshot(page, f"{name}-portrait", full_page=True)
