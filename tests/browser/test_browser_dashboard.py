"""The dashboard in Chromium (issue 15 item 4): the chairman opens it from the navigation,
picks 2024, sees the bars per unit and the month trend drawn (SVG) beside their tables,
and downloads the CSV and the XLSX — opened here with openpyxl, its figure checked.
Screenshots in test-output/screenshots/ (dashboard-2024.png)."""

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.engine.test_indicators import _press_case, _record

if TYPE_CHECKING:
    from conftest import People

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("every_instance_replays")]
RECEIVED = "Yêu cầu của báo chí đã nhận"


def test_the_dashboard_draws_its_charts_and_exports(
    deployed: Policyflow, people: "People", shoot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    press = _press_case(deployed)  # a real P1 press request, answered on time
    _record(deployed, press.id)  # and the cases of test_indicators.py
    page = people.login("ct_ubnd")
    page.get_by_role("link", name="Bảng chỉ tiêu").click()
    expect(
        page.get_by_role("heading", name="Bảng chỉ tiêu truyền thông chính sách")
    ).to_be_visible()
    page.locator("input[name=nam]").fill("2024")
    page.locator("select[name=chi_tieu]").select_option("p1_received")
    page.get_by_role("button", name="Xem").click()
    bars = page.locator("svg.chart-bars rect.bar")
    units = page.locator("#table-by-unit tbody tr")
    expect(units.first).to_be_visible()
    assert bars.count() == units.count() > 20  # one bar per unit, as many as table rows
    trend = page.locator("svg.chart-trend rect.bar")
    expect(trend).to_have_count(12)  # one per month of 2024
    tra_lu = page.locator("#table-by-unit tbody tr", has_text="Xã Trà Lũ")
    expect(tra_lu.locator("td.num")).to_have_text("3")  # Xuân Bắc's 2 (February) + 1
    assert page.locator("svg.chart-bars rect.bar[data-value='3']").count() == 1
    assert page.locator("svg.chart-trend rect.bar[data-value='2']").count() == 2  # Feb, Oct
    shoot(page, "dashboard-2024")
    with page.expect_download() as found:
        page.locator("#export-csv").click()
    rows = list(csv.reader(io.StringIO(Path(found.value.path()).read_text("utf-8-sig"))))
    column = rows[0].index(RECEIVED)
    assert next(r for r in rows if r[0] == "xa-tra-lu")[column] == "3"
    with page.expect_download() as found:
        page.locator("#export-xlsx").click()
    saved = tmp_path / found.value.suggested_filename
    found.value.save_as(saved)
    assert saved.name == "chi-tieu-2024.xlsx"
    sheet = load_workbook(saved).worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    column = cells[0].index(RECEIVED)
    assert next(r for r in cells if r[0] == "xa-tra-lu")[column] == 3
    assert cells[-1][1] == "Tổng cộng" and cells[-1][column] == 4


def test_a_commune_marks_its_progress_and_the_chairman_sees_it(
    deployed: Policyflow, people: "People", shoot: Callable[[Page, str], Path]
) -> None:
    ninh = people.login("xa_xuanninh")
    ninh.get_by_role("link", name="Bảng chỉ tiêu").click()
    ninh.locator("input[name=nam]").fill("2024")
    ninh.get_by_role("button", name="Xem").click()
    expect(ninh.locator("#table-by-unit tbody tr")).to_have_count(1)  # itself only
    shoot(ninh, "dashboard-commune")
    ninh.get_by_role("link", name="Tiến độ Kế hoạch năm 2024").click()
    task = ninh.locator("#task-II\\.3")
    task.locator("select[name=status]").select_option("hoan_thanh")
    task.locator("input[name=note]").fill("Đã niêm yết 12 văn bản tại trụ sở")
    task.get_by_role("button", name="Cập nhật tiến độ").click()
    expect(ninh.get_by_text("Đã ghi nhận tiến độ nhiệm vụ II.3.")).to_be_visible()
    shoot(ninh, "plan-commune")
    chair = people.login("ct_ubnd")
    chair.goto("/ke-hoach/2024")
    row = chair.locator("#task-II\\.3 tr[data-unit='xa-xuan-ninh']")
    expect(row).to_contain_text("Hoàn thành")
    expect(row).to_contain_text("Đã niêm yết 12 văn bản tại trụ sở")
    shoot(chair, "plan-2024")
