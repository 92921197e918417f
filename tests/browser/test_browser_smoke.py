"""The browser-test machinery works: pages open in both languages, signed in or not, with the apps'
static files; taps are counted; axe reports violations; screenshots are written; the guards catch
requests to other hosts and errors on the page."""

import re
import struct

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, screenshot

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("language", "title", "site_name", "sign_in"),
    [
        ("en", "Log in | Service Recovery Desk administration", "Service Recovery Desk administration", "Log in"),
        ("zh-hans", "登录 | 服务补救台管理", "服务补救台管理", "登录"),
    ],
)
def test_the_sign_in_page_speaks_the_tablets_language(page_for, language, title, site_name, sign_in):
    page = page_for(None, language=language)
    page.goto("/admin/login/")
    expect(page).to_have_title(title)
    expect(page.get_by_role("banner").get_by_role("link", name=site_name)).to_be_visible()
    expect(page.get_by_role("button", name=sign_in)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_chinese_tablet_gets_chinese_on_the_sign_in_page(page_for):
    page = page_for(None, language="zh-hans")
    page.goto("/admin/login/")
    expect(page.locator("main")).to_contain_text(CHINESE)
    expect(page).to_have_title(CHINESE)


def test_the_apps_static_css_and_javascript_load(page_for):
    page = page_for(None)
    statics = []
    page.on("response", lambda response: "/static/" in response.url and statics.append(response))
    page.goto("/admin/login/")
    # The admin's stylesheet colours the header; its theme script marks the page's theme.
    expect(page.locator("#header")).to_have_css("background-color", "rgb(65, 118, 144)")
    expect(page.locator("html")).to_have_attribute("data-theme", "auto")
    assert {response.url.rsplit("/", 1)[1] for response in statics} >= {"base.css", "login.css", "theme.js"}
    assert [response.url for response in statics if response.status != 200] == []


def test_page_for_signs_the_user_in_and_keeps_each_page_to_itself(page_for, org):
    signed_in = page_for(org.admin)
    signed_in.goto("/admin/")
    expect(signed_in.get_by_role("heading", name="Settings and records")).to_be_visible()
    expect(signed_in.locator("#user-tools")).to_contain_text("admin")

    signed_out = page_for(None)  # its own context: no cookie of the other page
    signed_out.goto("/admin/")
    expect(signed_out).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    expect(signed_out.get_by_role("button", name="Log in")).to_be_visible()


def test_taps_are_counted_per_test_and_per_page(page_for, org, tap):
    admin = page_for(org.admin)
    admin.goto("/admin/")
    html = admin.locator("html")
    toggle = admin.locator("button.theme-toggle")

    tap(toggle)
    expect(html).to_have_attribute("data-theme", "dark")
    tap(toggle)
    expect(html).to_have_attribute("data-theme", "light")

    desktop = page_for(org.admin, viewport=(1280, 800), touch=False)  # clicked, not tapped
    desktop.goto("/admin/")
    tap(desktop.locator("button.theme-toggle"))
    expect(desktop.locator("html")).to_have_attribute("data-theme", "dark")

    assert (tap.count, tap.count_on(admin), tap.count_on(desktop)) == (3, 2, 1)


def test_axe_reports_serious_and_critical_violations_with_their_elements(page_for):
    page = page_for(None)
    page.set_content(
        "<!doctype html><html lang='en'><title>Form</title><main>"
        "<h1>Complaint</h1><img src='data:,' id='photo'><label>Name <input name='name'></label>"
        "</main></html>"
    )
    assert axe_violations(page) == [
        {"id": "image-alt", "impact": "critical", "help": "Images must have alternative text", "nodes": ["#photo"]}
    ]
    page.locator("#photo").evaluate("image => image.alt = 'Photo of the dish'")
    assert axe_violations(page) == []


def test_axe_runs_on_a_served_page(page_for):
    page = page_for(None)
    page.goto("/admin/login/")
    assert axe_violations(page) == []
    # Django's sign-in page has lesser findings (it has no h1: page-has-heading-one, moderate), in the
    # same shape; not asserted by name, as they are Django's to change.
    violations = axe_violations(page, impacts=("minor", "moderate", "serious", "critical"))
    assert violations
    for violation in violations:
        assert set(violation) == {"id", "impact", "help", "nodes"}
        assert violation["impact"] in {"minor", "moderate"}
        assert violation["nodes"]
        assert all(isinstance(node, str) for node in violation["nodes"])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_are_pngs_of_the_tablets_screen(page_for, tmp_path):
    page = page_for(None, language="zh-hans")
    page.goto("/admin/login/")
    path = screenshot(page, "admin-login-zh", directory=tmp_path)
    assert path == tmp_path / "admin-login-zh.png"
    assert png_size(path.read_bytes()) == (768, 1024)
    with pytest.raises(ValueError, match="lowercase"):
        screenshot(page, "../escape", directory=tmp_path)


def test_the_guard_aborts_and_records_requests_to_other_hosts(page_for, page_guards):
    page = page_for(None)
    page.goto("/admin/login/")
    # A script's own request to another host never starts (the Content-Security-Policy); what the policy does not
    # govern, as the browser sent to another site, the guard stops.
    with pytest.raises(PlaywrightError, match="ERR_FAILED"):  # aborted: it never left the machine
        page.goto("http://example.com/track")
    assert page_guards.foreign_requests == ["http://example.com/track"]
    assert page_guards.failures() == ["request to another host: http://example.com/track"]
    page_guards.expect_foreign_request("example.com")  # so that the teardown lets this test pass
    assert page_guards.failures() == []


def test_the_guard_records_console_errors_and_uncaught_errors(page_for, page_guards):
    page = page_for(None)
    page.goto("/admin/login/")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate("console.error('the soup is cold')")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('the kitchen is on fire') })")
    failures = page_guards.failures()
    assert len(failures) == 2
    assert failures[0].startswith("console error: the soup is cold")
    assert failures[1].startswith("uncaught error: Error: the kitchen is on fire")
    page_guards.expect_console_error("soup is cold|kitchen is on fire")
    assert page_guards.failures() == []
