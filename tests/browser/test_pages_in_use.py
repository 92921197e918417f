"""The pages as people use them (issue 25): the filters applied with a value, the downloads that arrive as
files, a reload after a refused form, an expired session, two people on one tablet, in both languages."""

import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.browser.helpers import screenshot
from tests.conftest import METRICS_DAY
from tests.helpers import HOUR, T0, walk

LANGUAGES = ["en", "zh-hans"]


def short(language: str) -> str:
    return "zh" if language == "zh-hans" else "en"


# --- 1. The dashboard's CSV buttons download a file -----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_csv_buttons_download_a_file_and_leave_the_page(page_for, day_of_complaints, tap, language):
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(day_of_complaints.admin, language=language, viewport=(1024, 768))
        page.goto(f"/dashboard/?date_from={METRICS_DAY}&date_to={METRICS_DAY}")
        heading = page.get_by_role("heading", level=1)
        title = heading.inner_text()

        name = "Table by day (CSV)" if language == "en" else "按日明细表（CSV）"
        with page.expect_download() as arrived:
            tap(page.get_by_role("link", name=name))
        download = arrived.value

        assert download.suggested_filename.endswith(".csv")
        assert METRICS_DAY in Path(download.path()).read_text(encoding="utf-8-sig")
        expect(heading).to_have_text(title)  # the dashboard is still there, not a page of CSV text
        expect(page.locator("figure.chart svg")).to_have_count(6)


# --- 2. The dashboard's dates show in Chinese too ---------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_dates_show_and_apply_in_both_languages(page_for, day_of_complaints, tap, language):
    with time_machine.travel(T0 + 3 * HOUR, tick=True):
        page = page_for(day_of_complaints.admin, language=language, viewport=(1024, 768))
        page.goto("/dashboard/")  # the last 30 days, as the form fills them in

        expect(page.locator("#id_date_from")).to_have_value("2026-10-25")
        expect(page.locator("#id_date_to")).to_have_value(METRICS_DAY)
        tap(page.locator("form.filters button"))  # 显示 / Show, without picking the dates again

        expect(page).to_have_url(re.compile(f"date_from=2026-10-25&date_to={METRICS_DAY}"))
        expect(page.locator(".figure").first).to_contain_text("3")
        page.reload()
        expect(page.locator("#id_date_from")).to_have_value("2026-10-25")
        expect(page.locator("#id_date_to")).to_have_value(METRICS_DAY)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        screenshot(page, f"dashboard-filters-{short(language)}-landscape")


# --- 3. The store board's status filter -------------------------------------------------------------------


@pytest.fixture
def floor(org, limits, sla, supervisor1_pin, api):
    """Store S1 with three complaints: one just logged, one waiting for approval, one closed."""
    with time_machine.travel(T0, tick=True):
        frontline1 = api(org.frontline1)
        new = frontline1.log(description="Logged only").json()
        waiting_id = frontline1.apologized(description="Waiting for approval")
        assert frontline1.respond(waiting_id, ("voucher", "80.00")).status_code == 200
        closed_id = frontline1.apologized(description="All done")
        walk(frontline1, closed_id, ["respond", "follow-up", "close"])
        references = {
            "new": new["reference"],
            "awaiting_approval": Complaint.objects.get(pk=waiting_id).reference,
            "closed": Complaint.objects.get(pk=closed_id).reference,
        }
        yield org, references


STATUS_LABELS = {
    "en": {"awaiting_approval": "Awaiting approval", "closed": "Closed"},
    "zh-hans": {"awaiting_approval": "待审批", "closed": "已关闭"},
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", ["awaiting_approval", "closed"])
def test_the_boards_status_filter_lists_only_that_status(page_for, floor, tap, language, status):
    org, references = floor
    page = page_for(org.supervisor1, language=language)
    page.goto("/board/")
    board = page.locator("#board")
    expect(board).to_contain_text(references["new"])
    expect(board).not_to_contain_text(references["closed"])  # open ones by default

    tap.choose(page.locator("#id_status"), STATUS_LABELS[language][status])

    expect(page).to_have_url(re.compile(f"status={status}"))
    expect(board.locator(".ref")).to_have_text([references[status]])
    page.reload()  # the address keeps the filter
    expect(page.locator("#id_status")).to_have_value(status)
    expect(board.locator(".ref")).to_have_text([references[status]])
    if status == "awaiting_approval":
        page.evaluate("document.activeElement && document.activeElement.blur()")
        screenshot(page, f"board-filtered-{short(language)}-portrait")


def test_a_board_filter_that_cannot_be_applied_says_so_and_lists_nothing(page_for, page_guards, floor):
    org, references = floor
    page_guards.expect_console_error("status of 400")
    page = page_for(org.supervisor1, language="zh-hans")
    response = page.goto("/board/?status=lost")

    assert response.status == 400
    expect(page.locator("#board [role=alert]")).to_contain_text("状态")
    expect(page.locator("#board")).not_to_contain_text(references["new"])
