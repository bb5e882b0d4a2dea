"""Issue 18 items 5 and 7 in Chromium launched with an English locale (`--lang=en-US`, a
context in en-US) on purpose: date inputs still show and take dd/mm/yyyy with a picker in
Vietnamese words and the form sends ISO; file inputs say "Chọn tệp / Chưa chọn tệp"; on a
phone (390×844) the navigation folds into a menu, the page never scrolls sideways and every
menu item can be reached."""

from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import Policyflow
from tests.browser.conftest import TIMEOUT_MS, LiveServer
from tests.browser.test_browser_ui import Shoot
from tests.processes import start_document

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def english_login(english_chromium: Browser, live_server: LiveServer) -> Iterator[object]:
    contexts = []

    def login(username: str, viewport: dict[str, int] | None = None) -> Page:
        context = english_chromium.new_context(
            base_url=live_server.url,
            locale="en-US",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill("demo")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()
        return page

    yield login
    for context in contexts:
        context.close()


def test_dates_show_dd_mm_yyyy_and_submit_iso_under_an_english_browser(
    english_login: "object", shoot: Shoot
) -> None:
    page = english_login("cv_vhtt")  # type: ignore[operator]
    assert page.evaluate("navigator.language") == "en-US"
    page.goto("/audit?date_from=2024-10-01")
    shown = page.get_by_label("Từ ngày")
    expect(shown).to_have_value("01/10/2024")  # the ISO value of the URL, shown Vietnamese
    assert shown.get_attribute("type") == "text"
    # the picker opens in Vietnamese words, whatever the browser says
    shown.click()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".flatpickr-weekday").first).to_contain_text("T2")  # Monday first
    shoot(page, "dates-picker-en-US")
    page.keyboard.press("Escape")
    to = page.get_by_label("Đến ngày")
    to.fill("20/11/2024")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/audit?*")
    query = parse_qs(urlparse(page.url).query)
    assert query["date_from"] == ["2024-10-01"] and query["date_to"] == ["2024-11-20"]
    expect(page.get_by_label("Đến ngày")).to_have_value("20/11/2024")


def test_file_inputs_speak_vietnamese(english_login: "object", deployed: Policyflow) -> None:
    year = date.today().year
    instance = deployed.start("annual_report", "cv_vhtt", {"year": year, "outline_ref": "1/KH"})
    [task] = [
        t for t in deployed.tasks("xa_xuanbac")
        if t["instance_id"] == instance["id"] and t["element_id"] == "Unit_draft"
    ]  # fmt: skip
    page = english_login("xa_xuanbac")  # type: ignore[operator]
    page.goto(f"/tasks/{task['id']}")
    pick = page.locator(".file-pick").first
    expect(pick.get_by_role("button", name="Chọn tệp")).to_be_visible()
    expect(pick.locator(".file-name")).to_have_text("Chưa chọn tệp")
    pick.locator("input[type=file]").set_input_files(
        files=[{"name": "bao-cao.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    expect(pick.locator(".file-name")).to_have_text("bao-cao.pdf")


def test_phone_menu_fits_and_reaches_every_item(
    english_login: "object", deployed: Policyflow, shoot: Shoot
) -> None:
    page = english_login("admin", PHONE)  # type: ignore[operator]
    nav = page.locator("#side-nav")
    expect(nav).to_be_hidden()
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    header = page.locator("header.top").bounding_box()
    assert header and header["height"] <= 64, header
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = nav.get_by_role("link").all()
    assert len(links) >= 8
    for link in links:
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-menu-open")
    overdue = nav.get_by_role("link", name="Quá hạn")
    overdue.click()
    page.wait_for_url("**due=overdue*")
    expect(page.locator("#side-nav")).to_be_hidden()
    case = start_document(deployed, "QĐ")
    [task] = deployed.show(case.id, "cv_vhtt")["open_tasks"]
    pages = ["/", "/processes", "/instances", "/audit", f"/instances/{case.id}"]
    for path in [*pages, f"/tasks/{task['id']}"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    # the task form is one column: every field as wide as the form
    page = english_login("cv_vhtt", PHONE)  # type: ignore[operator]
    page.goto(f"/tasks/{task['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.evaluate(
        "[...document.querySelectorAll('form.jsonform .field')].map(f => f.offsetWidth)"
    )
    assert widths and max(widths) - min(widths) <= 2 and max(widths) <= PHONE["width"], widths
    shoot(page, "phone-task")
