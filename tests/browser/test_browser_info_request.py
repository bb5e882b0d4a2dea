"""P4 end to end through the public page in Chromium (issue 16 item 1): a citizen with no
account files an information request with a PDF, follows it by its tracking code, is asked
to complete it and completes it from the tracking page (the clock restarts from the
completion), sees the extension with its new deadline (a date, counted in working days
from the 2025 calendar) and finally the information provided — every step a numbered
letter on the page, nothing internal. The office's steps are done through the engine
(the staff's task pages are covered by the other browser tests), on the engine's clock
like the page's commands.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect
from sqlalchemy import select

from engine.context import utcnow
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import InfoRequest
from tests.browser.conftest import LiveServer, People
from tests.processes import Case
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("every_instance_replays")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# The suite's clock is Monday 2/6/2025. Online, complex: 15 working days → Monday
# 23/6/2025; extended by 15 → Monday 14/7/2025 (no holiday in between).
DUE = "23/06/2025"
EXTENDED = "14/07/2025"


@pytest.fixture
def public_server(deployed: Policyflow) -> Iterator[LiveServer]:
    config = {"DATABASE_URL": deployed.url, "SECRET_KEY": "test", "TESTING": True,
              "INFO_REQUEST_MIN_FILL_SECONDS": 1}  # fmt: skip
    server = LiveServer(create_app(config))
    yield server
    server.stop()


@pytest.fixture
def crowd(browser: Browser, public_server: LiveServer) -> Iterator[People]:
    people = People(browser, public_server)
    yield people
    people.close(failed=False, test_name="info_request")


@pytest.fixture
def citizen(crowd: People) -> Page:
    return crowd.page("citizen")


def file(name: str, mime: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": content}


def track(page: Page, code: str) -> None:
    page.goto("/yeu-cau-thong-tin/tra-cuu")
    page.fill("#code", code)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#request-status")).to_be_visible()


def status(page: Page) -> str:
    return page.locator("#request-status dd[data-status]").get_attribute("data-status") or ""


def letters(page: Page) -> list[str]:
    return page.locator("article.letter").evaluate_all("els => els.map(e => e.dataset.kind)")


def test_a_citizen_files_follows_completes_and_is_answered(
    deployed: Policyflow, citizen: Page, crowd: People, shoot: Callable[[Page, str], Path]
) -> None:
    page = citizen
    page.goto("/yeu-cau-thong-tin")
    expect(page.locator("h1")).to_have_text("Yêu cầu cung cấp thông tin")
    page.select_option("#unit", "huyen-xuan-truong")
    page.fill("#requester_name", "Phạm Thị Cúc")
    page.fill("#requester_email", "cuc@example.org")
    page.fill("#requester_phone", "0987654321")
    page.fill("#requester_address", "Xóm 5, xã Xuân Ninh")
    page.select_option("#channel", "online")
    page.fill("#request_content", "Đề nghị cung cấp kế hoạch truyền thông chính sách năm 2024.")
    page.set_input_files("#files", [file("phieu-yeu-cau.pdf", "application/pdf", PDF)])
    shoot(page, "info_request_form")
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="Gửi yêu cầu").click()
    code = page.locator("#tracking-code").inner_text()
    shoot(page, "info_request_filed")

    with transaction(deployed.url) as s:
        instance_id = s.scalar(select(InfoRequest.instance_id))
    assert instance_id is not None
    case = Case(deployed, instance_id, "citizen")
    track(page, code)
    assert status(page) == "in_progress" and letters(page) == ["receipt"]
    expect(page.locator("article.letter h3")).to_contain_text("/UBND-VP")

    case.act(
        "vp_ubnd",
        "Check",
        {"validity": "incomplete", "missing_items": "Số, ngày văn bản"},
        utcnow(),
    )
    track(page, code)
    assert status(page) == "awaiting_completion"
    expect(page.locator('article.letter[data-kind="complete"]')).to_contain_text("Số, ngày văn bản")
    page.fill("#supplement", "Kế hoạch số 12/KH-UBND ngày 15/01/2024")
    page.set_input_files("#files", [file("bo-sung.png", "image/png", PNG)])
    shoot(page, "info_request_complete")
    page.get_by_role("button", name="Gửi bổ sung").click()
    expect(page.locator("#request-status dd[data-status]")).to_have_attribute(
        "data-status", "in_progress"
    )
    data = case.data()  # the clock restarted at the completion, after the filing
    assert datetime.fromisoformat(data["clock_start"]) > datetime.fromisoformat(data["received_at"])
    assert data["supplement"] == "Kế hoạch số 12/KH-UBND ngày 15/01/2024"

    case.act("vp_ubnd", "Check", {"validity": "valid", "complexity": "complex"}, utcnow())
    track(page, code)
    expect(page.locator("#due-on")).to_have_text(DUE)
    case.act("tu_phap", "Review", {"restriction": "none"}, utcnow())
    case.act(
        "ct_ubnd",
        "Decide",
        {"decision": "extend", "extension_reason": "Cần tập hợp hồ sơ"},
        utcnow(),
    )
    track(page, code)
    expect(page.locator("#due-on")).to_contain_text(EXTENDED)
    extension = page.locator('article.letter[data-kind="extension"]')
    expect(extension).to_contain_text("Cần tập hợp hồ sơ")
    expect(extension).to_contain_text(f"Thời hạn: {EXTENDED}")

    case.act("ct_ubnd", "Decide", {"decision": "provide"}, utcnow())
    provided = {"information_provided": "Kế hoạch 12/KH-UBND gửi kèm.", "delivered_as": "email"}
    case.act("vp_ubnd", "Deliver", provided, utcnow())
    track(page, code)
    assert status(page) == "provided"
    assert letters(page) == ["receipt", "complete", "notice", "extension", "provision"]
    symbols = page.locator("article.letter h3").all_inner_texts()
    numbers = [int(text.split("Số: ")[1].split("/")[0]) for text in symbols]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5  # each numbered, in order
    for internal in ("vp_ubnd", "Cần tập hợp hồ sơ" + "x", "tu_phap", "restriction"):
        assert internal not in page.content()
    shoot(page, "info_request_tracked")

    office = crowd.login("vp_ubnd")  # the office sees the case a citizen started
    office.goto(f"/instances/{instance_id}")
    expect(office.locator("h1")).to_contain_text("Phạm Thị Cúc")
    office.wait_for_selector(".djs-container")
    files = office.locator("#citizen-files + ul.files a")
    expect(files).to_have_text(["phieu-yeu-cau.pdf", "bo-sung.png"])
    with office.expect_download() as download:
        files.first.click()
    assert Path(download.value.path()).read_bytes() == PDF
    shoot(office, "info_request_instance")

    page.get_by_role("button", name="English").click()  # switchable like every page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/yeu-cau-thong-tin")
    shoot(page, "info_request_form_en")
