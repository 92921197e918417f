"""The recovery dashboard page: for supervisors and above, within their scope, figures and charts drawn."""

import re

import pytest
import time_machine

from tests.conftest import METRICS_DAY as DAY
from tests.helpers import HOUR, T0
from tests.web.test_pages import signed_in


def dashboard(user, language: str = "en", **params):
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        return signed_in(user, language=language).get("/dashboard/", {"date_from": DAY, "date_to": DAY, **params})


def test_the_dashboard_shows_the_days_figures_and_six_charts(day_of_complaints):
    page = dashboard(day_of_complaints.supervisor1).content.decode()

    assert re.search(r'Complaints</span>\s*<strong class="figure-value">3</strong>', page)
    assert re.search(r'Solved at first contact</span>\s*<strong class="figure-value">50%</strong>', page)
    assert re.search(r'Compensation given</span>\s*<strong class="figure-value">¥100.00</strong>', page)
    assert page.count('<svg width="100%"') == 6
    assert 'aria-label="Which categories make 80% (Pareto): Food quality: 2 · 67%; Waiting time: 1 · 100%"' in page


def test_the_dashboard_downloads_its_table_with_the_filters_shown(day_of_complaints):
    supervisor = day_of_complaints.supervisor1
    page = dashboard(supervisor, category="food_quality").content.decode()
    links = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(
            r'<a class="secondary" href="([^"]+)" download hx-boost="false">([^<]+)</a>', page
        )
    )

    assert set(links) == {"Table by day (CSV)", "Table by store (CSV)"}
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        response = signed_in(supervisor).get(links["Table by store (CSV)"])  # the page's session is enough
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines] == [
        ["Store", "Complaints"],
        ["S1", "2"],
        ["Total", "2"],
        ["Previous period", "0"],
    ]


@pytest.mark.parametrize(("user", "status"), [("frontline1", 403), ("supervisor1", 200), ("manager1", 200)])
def test_the_dashboard_is_for_supervisors_and_above(day_of_complaints, user, status):
    assert dashboard(getattr(day_of_complaints, user)).status_code == status


def test_another_region_sees_none_of_it(day_of_complaints):
    page = dashboard(day_of_complaints.manager_other_region).content.decode()
    assert re.search(r'Complaints</span>\s*<strong class="figure-value">0</strong>', page)


def test_a_backwards_period_is_refused_plainly(day_of_complaints):
    response = dashboard(day_of_complaints.admin, date_from="2026-11-24")
    assert response.status_code == 400
    assert "Choose a period of at most 366 days that ends after it starts." in response.content.decode()


def test_the_dashboard_reads_in_chinese(day_of_complaints):
    page = dashboard(day_of_complaints.admin, language="zh-hans").content.decode()
    assert "服务补救看板" in page
    assert "哪些类别占了 80%（帕累托）" in page
