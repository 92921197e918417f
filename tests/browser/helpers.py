"""What browser tests use besides the fixtures: the guards every page runs under, tap counting,
accessibility checks with axe-core, and screenshots for docs/screens/."""

import functools
import re
import struct
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Route, WebError

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "docs" / "screens"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


# --- Guards -----------------------------------------------------------------------------------------


@dataclass
class PageGuards:
    """What pages must not do, watched on every browser context of a test: log console errors, throw
    uncaught errors, or request anything from a host other than the live server (a CDN, a font
    service, analytics: the tablets may sit on a network that reaches only the desk's server).

    Foreign requests are aborted and recorded. A test that means to cause one of these declares it
    (``expect_foreign_request``, ``expect_console_error``); the fixture's teardown fails on anything
    else recorded, and on an expectation that did not happen."""

    origin: str  # the live server's, e.g. http://localhost:41234
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    _expected_hosts: set[str] = field(default_factory=set)
    _expected_errors: list[re.Pattern] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", self._web_error)

    def expect_foreign_request(self, host: str) -> None:
        """This test requests ``host`` on purpose: at least once, and every time it is aborted."""
        self._expected_hosts.add(host.lower())

    def expect_console_error(self, pattern: str) -> None:
        """This test causes a console error or an uncaught error matching ``pattern`` (a regex)."""
        self._expected_errors.append(re.compile(pattern))

    def failures(self) -> list[str]:
        """What the teardown fails on, one line each; empty when all is well."""
        failures = [f"request to another host: {url}" for url in self.foreign_requests if not self._expected(url)]
        failures += [f"console error: {text}" for text in self.console_errors if not self._forgiven(text)]
        failures += [f"uncaught error: {text}" for text in self.page_errors if not self._forgiven(text)]
        requested = {urlsplit(url).hostname for url in self.foreign_requests}
        failures += [
            f"expected a request to {host}, none was made" for host in sorted(self._expected_hosts - requested)
        ]
        errors = self.console_errors + self.page_errors
        failures += [
            f"expected an error matching {pattern.pattern!r}, none happened"
            for pattern in self._expected_errors
            if not any(pattern.search(text) for text in errors)
        ]
        return failures

    def _expected(self, url: str) -> bool:
        return urlsplit(url).hostname in self._expected_hosts

    def _forgiven(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self._expected_errors)

    def _route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.fallback()  # the live server's (and data:, blob:): on to any route a test added
            return
        self.foreign_requests.append(url)
        route.abort()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if source in self.foreign_requests:
            return  # Chromium's "Failed to load resource" for a request aborted above: already recorded
        where = f" ({source}:{message.location.get('lineNumber', 0) + 1})" if source else ""
        self.console_errors.append(message.text + where)

    def _web_error(self, web_error: WebError) -> None:
        error = web_error.error
        where = f" ({web_error.page.url})" if web_error.page else ""
        self.page_errors.append(f"{error.name}: {error.message}{where}")


# --- Taps -------------------------------------------------------------------------------------------


class Taps:
    """Taps like a finger (a click where the page has no touch screen) and counts them, so that a test
    can hold a flow to its budget: ``assert tap.count <= 8``.

    Typing is not a tap, but getting into a field is: tap the field, then ``fill`` it (``fill`` alone
    focuses the field without counting)."""

    def __init__(self, touch: dict[int, bool]) -> None:
        self._touch = touch  # id(context) → whether it has a touch screen (page_for fills it in)
        self._counts: Counter[int] = Counter()

    def __call__(self, locator: Locator) -> None:
        if self._touch.get(id(locator.page.context), False):
            locator.tap()
        else:
            locator.click()
        self._counts[id(locator.page)] += 1

    def choose(self, select: Locator, label: str) -> None:
        """Pick an option of a ``<select>``: two taps on a tablet, one to open the list and one to choose."""
        select.select_option(label=label)
        self._counts[id(select.page)] += 2

    @property
    def count(self) -> int:
        """Taps so far in this test, on every page."""
        return self._counts.total()

    def count_on(self, page: Page) -> int:
        """Taps so far on one page (one person's tablet, when a test has two)."""
        return self._counts[id(page)]


# --- Accessibility ----------------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


_AXE_RUN = """async (impacts) => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((violation) => impacts.includes(violation.impact))
        .map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => node.target.flat().join(" ")),
        }));
}"""


def axe_violations(page: Page, impacts: Iterable[str] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts: each with its rule ``id``,
    ``impact``, ``help`` (what is wrong) and ``nodes`` (CSS selectors of the offending elements).
    Tests assert it is ``[]``."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Run by the browser's debugger, which the page's Content-Security-Policy does not govern (an inline
        # script tag, as add_script_tag makes, would be refused like any other).
        page.evaluate(_axe_source())
    return page.evaluate(_AXE_RUN, list(impacts))


# --- Screenshots ------------------------------------------------------------------------------------


def screenshot(page: Page, name: str, *, directory: Path = SCREENS, full_page: bool = False) -> Path:
    """The page as it looks now, as ``<directory>/<name>.png`` (by default ``docs/screens/``), with
    animations finished and no caret, so that an unchanged page gives the same picture."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"screenshot names are lowercase words joined by - or _, not {name!r}")
    path = Path(directory) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = page.screenshot(full_page=full_page, animations="disabled", caret="hide")
    # Chromium's text antialiasing can differ by a few bytes between runs of an unchanged page; keep
    # the committed picture unless the page really changed, so that running the tests leaves the tree clean.
    if (
        not path.exists()
        or abs(len(picture) - path.stat().st_size) > len(picture) // 1000
        or _size(picture) != _size(path.read_bytes())
    ):
        path.write_bytes(picture)
    return path


def _size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    return struct.unpack(">II", png[16:24])
