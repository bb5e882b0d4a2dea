"""Browser tests: the real app on a live server, driven by Chromium through Playwright.

* `live_server`: `web.create_app` on the `deployed` engine's database (SQLite, and
  PostgreSQL when DATABASE_URL is set), served by werkzeug on 127.0.0.1 and a free port
  in a background thread; a new app per test, since each test starts from the seed.
* `browser`: one headless Chromium per session (/usr/bin/chromium, never downloaded).
* `people`: `people.login("cv_vhtt")` gives a page in a fresh browser context (its own
  cookies) after signing in through the login form; every page a test opened is
  screenshotted into test-output/screenshots/<test name>[-<n>].png when the test fails.
* `shoot(page, name)` (a fixture): a full-page screenshot kept whatever the outcome.

Every test here carries the `browser` marker; they are skipped (with the reason) only
when /usr/bin/chromium is missing.
"""

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from engine.facade import Policyflow
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end tests in Chromium (tests/browser, needs /usr/bin/chromium)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = pytest.mark.skip(reason=f"{CHROMIUM} is missing: browser tests need Chromium")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(missing)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.\[\]-]+", "_", name)


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-output/screenshots/, kept whatever the outcome."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- the server ------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(deployed: Policyflow) -> Iterator[LiveServer]:
    app = create_app({"DATABASE_URL": deployed.url, "SECRET_KEY": "test", "TESTING": True})
    server = LiveServer(app)
    yield server
    server.stop()


# -- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: browser tests need Chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def english_chromium(browser: Browser) -> Iterator[Browser]:
    """A second Chromium launched with --lang=en-US (its own date and number formats are
    English), from the session's Playwright: one sync Playwright per process."""
    launched = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--lang=en-US"]
    )
    yield launched
    launched.close()


class People:
    """Fresh browser contexts, one per person signing in; screenshots on failure."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.pages: list[tuple[str, Page]] = []
        self.contexts: list[Any] = []

    def page(self, who: str = "anonymous") -> Page:
        context = self.browser.new_context(
            base_url=self.server.url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append((who, page))
        return page

    def login(self, username: str, password: str = "demo") -> Page:
        """A page of a new context, signed in through the login form, on the inbox (the
        auditor, who has no inbox, on the audit log)."""
        page = self.page(username)
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        landing = "/audit" if username == "kiem_toan" else "/"
        expect(page).to_have_url(f"{self.server.url}{landing}")
        return page

    def close(self, failed: bool, test_name: str) -> None:
        if failed:
            for n, (who, page) in enumerate(self.pages):
                if page.is_closed():
                    continue
                suffix = "" if n == len(self.pages) - 1 else f"-{n + 1}-{who}"
                try:
                    screenshot(page, f"{test_name}{suffix}")
                except Exception as err:  # a crashed page must not hide the failure
                    print(f"screenshot of {who}'s page failed: {err}")
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    report = getattr(request.node, "rep_call", None)
    crowd.close(failed=bool(report is not None and report.failed), test_name=request.node.name)


@pytest.fixture
def shoot(deployed: Policyflow) -> Callable[[Page, str], Path]:
    """shoot(page, "inbox"): test-output/screenshots/inbox[sqlite].png, kept on success."""
    backend = "postgresql" if deployed.url.startswith("postgresql") else "sqlite"
    return lambda page, name: screenshot(page, f"{name}[{backend}]")
