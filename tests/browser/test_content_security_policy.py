"""The pages under a strict Content-Security-Policy, and a shared tablet's session (issue 26, item 10), in Chromium.

Every page of every browser test runs under the policy: a violation is a console error, which fails the test
(``page_guards``). These add what the rest do not reach: the admin and the API's docs, an injected script that
must not run, a page left open after its session ended, and a draft older than a shift.
"""

import json
import re
from datetime import timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_pages_in_use import type_a_complaint

CSP_VIOLATION = r"Content Security Policy"


def test_an_injected_inline_script_does_not_run(page_for, org, page_guards):
    page_guards.expect_console_error(CSP_VIOLATION)
    page = page_for(org.frontline1)
    page.goto("/")

    # What stored XSS would be, were a customer's words ever put on a page unescaped.
    page.evaluate(
        """() => {
            const image = '<img src="/static/web/favicon.svg" onload="window.pwned = 1">';
            document.body.insertAdjacentHTML("beforeend", image);
            const script = document.createElement("script");
            script.textContent = "window.pwned = 2";
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("window.pwned") is None


def test_the_admin_works_under_the_policy(page_for, org):
    page = page_for(org.admin)
    page.goto("/admin/staff/store/")
    expect(page.get_by_role("link", name="S1")).to_be_visible()
    page.get_by_role("link", name="S1").click()
    # The change form's scripts (its widgets, the related-object links) are the admin's files: they run.
    expect(page.locator("#store_form")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-theme", "auto")


def test_the_api_docs_work_under_the_policy(page_for, org):
    page = page_for(org.admin)
    page.goto("/api/v1/docs/")

    expect(page.get_by_text("Service Recovery Desk API")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/complaints/").first).to_be_visible()


def test_a_complaint_page_left_open_goes_to_the_sign_in_page_once_its_session_ends(page_for, org, limits, sla, api):
    frontline1 = api(org.frontline1)
    waiting = frontline1.apologized(description="Waiting for approval")
    assert frontline1.respond(waiting, ("voucher", "80.00")).status_code == 200  # over ¥50: waits for a supervisor
    page = page_for(org.frontline1)
    page.goto(f"/complaints/{waiting}/")
    expect(page.get_by_text("Waiting for approval").first).to_be_visible()

    # Nobody touches the tablet: the page asks every 3 s whether the approval came, which keeps nothing alive.
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=True):
        expect(page).to_have_url(re.compile(rf"/sign-in/\?next=/complaints/{waiting}/$"), timeout=10_000)

    expect(page.get_by_text("Waiting for approval")).to_have_count(0)


def test_a_draft_older_than_a_shift_is_not_brought_back(page_for, org, tap):
    page = page_for(org.frontline1)
    type_a_complaint(page, tap, "en", description="Cold soup, table 4", phone="139 1234 5678")
    [key] = page.evaluate("Object.keys(localStorage).filter((key) => key.includes('draft'))")
    draft = json.loads(page.evaluate("(key) => localStorage.getItem(key)", key))
    assert draft["values"]["customer_phone"] == "139 1234 5678"

    # The same draft, as if saved 12 hours and a minute ago (the tablet's clock is the browser's).
    draft["savedAt"] -= (12 * 60 + 1) * 60 * 1000
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, json.dumps(draft)])
    page.goto("/complaints/new/")

    expect(page.locator("#id_description")).to_have_value("")
    expect(page.locator("#id_customer_phone")).to_have_value("")
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.includes('draft'))") == []


def test_the_approval_queue_waits_while_a_note_is_typed_and_refreshes_after(page_for, org, limits, sla, api):
    # The pause was an htmx filter, which needs eval; it is app.js's now.
    frontline1 = api(org.frontline1)
    first = frontline1.apologized(description="Cold soup")
    assert frontline1.respond(first, ("voucher", "80.00")).status_code == 200
    page = page_for(org.supervisor1)
    page.clock.install()
    page.goto("/approvals/")
    note = page.locator("#queue form").first.locator("[name=note]")
    note.click()
    note.fill("Agreed: a voucher for next time")
    second = frontline1.apologized(description="Long wait")
    assert frontline1.respond(second, ("voucher", "90.00")).status_code == 200
    second_reference = frontline1.get(f"/api/v1/complaints/{second}/").json()["reference"]

    page.clock.run_for(25_000)  # two refreshes' time while the note has the focus
    page.wait_for_timeout(300)
    expect(note).to_have_value("Agreed: a voucher for next time")
    expect(page.get_by_text(second_reference)).to_have_count(0)

    page.get_by_role("heading", level=1).click()  # the focus leaves the form
    page.clock.run_for(11_000)
    expect(page.get_by_text(second_reference)).to_be_visible()
