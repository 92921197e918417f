"""Browser tests: pages in Debian's headless Chromium, driven by Playwright, against pytest-django's
live server (a real HTTP server on the test database, serving the apps' static files).

    def test_something(page_for, org, tap):
        page = page_for(org.frontline1, language="zh-hans")   # signed in, in its own browser context
        page.goto("/admin/")                                   # relative to the live server
        tap(page.get_by_role("button", name="…"))
        expect(page.get_by_role("heading", name="…")).to_be_visible()
        assert axe_violations(page) == []                      # from tests.browser.helpers

Every page runs under ``page_guards``: a console error, an uncaught error or a request to another
host fails the test at teardown.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from complaints.models import Complaint
from staff.models import User
from tests.browser.helpers import PageGuards, Taps
from tests.helpers import T0, walk

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Django's language code → the locale of a tablet set to that language: Chromium sends it as
# Accept-Language and as navigator.language. Django reads zh-CN as zh-hans (its zh-cn → zh-hans fallback).
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all the browser tests (each test gets fresh contexts)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it, or run `bash .ci/browser.sh` as root")
    # Playwright's sync API keeps an asyncio loop running on this thread while it is started, and Django
    # refuses ORM calls under a running loop. The tests' own ORM calls (factories, sign-in) are plain
    # synchronous code, so allow them, only while the browser runs: package scope ends it after the
    # last browser test, before the rest of the suite.
    allowed_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if allowed_before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allowed_before


@pytest.fixture
def page_guards(live_server) -> Iterator[PageGuards]:
    """The guards of this test's pages; at teardown, asserts that none was tripped unexpectedly."""
    guards = PageGuards(origin=live_server.url)
    yield guards
    if failures := guards.failures():
        pytest.fail("the pages under test misbehaved:\n  " + "\n  ".join(failures), pytrace=False)


def session_cookie_for(user: User) -> str:
    """A signed-in session for ``user`` in the test database, as Django's sign-in makes it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def _touch_contexts() -> dict[int, bool]:
    """id(context) → whether it has a touch screen: what page_for opened, for tap to read."""
    return {}


@pytest.fixture
def page_for(browser, live_server, page_guards, _touch_contexts) -> Iterator[Callable[..., Page]]:
    """``page_for(user, *, language="en", viewport=(768, 1024), touch=True, timezone="Asia/Shanghai")``:
    a new page in its own browser context (cookies, storage), signed in as ``user`` (None: signed out),
    with relative URLs going to the live server. ``language`` is Django's code (``en``, ``zh-hans``);
    the default viewport is a tablet upright, with a touch screen."""
    contexts = []

    def open_page(
        user: User | None,
        *,
        language: str = "en",
        viewport: tuple[int, int] = (768, 1024),
        touch: bool = True,
        timezone: str = "Asia/Shanghai",
    ) -> Page:
        width, height = viewport
        context = browser.new_context(
            base_url=live_server.url,
            locale=LOCALES[language.lower()],
            viewport={"width": width, "height": height},
            has_touch=touch,
            timezone_id=timezone,
        )
        contexts.append(context)
        _touch_contexts[id(context)] = touch
        page_guards.watch(context)
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_cookie_for(user),
                        # Domain and path, not url: with a url, Playwright drops Secure on http://.
                        "domain": urlsplit(live_server.url).hostname,
                        "path": settings.SESSION_COOKIE_PATH,
                        "httpOnly": settings.SESSION_COOKIE_HTTPONLY,
                        "secure": settings.SESSION_COOKIE_SECURE,
                        "sameSite": settings.SESSION_COOKIE_SAMESITE or "None",
                    }
                ]
            )
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def tap(_touch_contexts) -> Taps:
    """``tap(locator)`` taps (or clicks, without a touch screen) and counts; ``tap.count`` is this test's
    total, ``tap.count_on(page)`` one page's, ``tap.choose(select, label)`` picks an option (two taps)."""
    return Taps(_touch_contexts)


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
