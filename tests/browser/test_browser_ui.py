"""The UI in a real browser: each step by its own person, signed in through the login form.

The engine is used only for preconditions that are not what a test is about (the other
25 units' P3 reports, an instance to look at); everything under test is clicked, typed
and read in Chromium. Dates are relative to today: the server runs on the real clock.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

from engine.facade import Policyflow
from tests.processes import UNIT_FIGURES, ensure_unit_officers

if TYPE_CHECKING:
    from conftest import People

Shoot = Callable[[Page, str], object]

pytestmark = pytest.mark.browser

P3_NAME = "Báo cáo kết quả truyền thông chính sách năm"
P1_NAME = "Phát ngôn, cung cấp thông tin cho báo chí"
UNIT_DRAFT = "Xây dựng báo cáo của đơn vị"
UNIT_APPROVE = "Thủ trưởng duyệt, ký báo cáo"
CONSOLIDATE = "Dự thảo báo cáo tổng hợp"

# The unit report as xa_xuanbac types it: field label -> value.
REPORT_NUMBERS = {
    "Số lớp tập huấn, bồi dưỡng đã tổ chức": "2",
    "Số lượt người tham gia tập huấn": "85",
    "Số cán bộ làm công tác truyền thông chính sách được bố trí": "3",
    "Số người phát ngôn được chỉ định và công bố": "1",
    "Số cuộc họp báo": "0",
    "Số yêu cầu cung cấp thông tin của báo chí đã nhận": "4",
    "Số yêu cầu của báo chí đã trả lời": "4",
    "Số sự việc đột xuất, bất thường": "1",
    "Số sự việc đột xuất có phát ngôn đúng hạn": "1",
    "Số tin, bài trên Cổng/Trang thông tin điện tử": "24",
    "Số tin, bài trên Trung tâm VH-TT&TT": "6",
    "Số tin, bài trên hệ thống truyền thanh cơ sở": "120",
    "Số dự thảo chính sách được truyền thông theo Quyết định 407/QĐ-TTg": "2",
    "Số tin giả, tin xấu độc phát hiện": "3",
    "Số tin giả, tin xấu độc đã xử lý": "3",
    "Kinh phí đã sử dụng (đồng)": "12500000",
}
REPORT_TEXTS = {
    "Khó khăn, vướng mắc": "Thiếu kinh phí cho hệ thống truyền thanh.\nCán bộ kiêm nhiệm.",
    "Đề xuất, kiến nghị": "Hỗ trợ kinh phí nâng cấp loa truyền thanh thông minh.",
}


# -- what a person does in the browser -------------------------------------------------


def field(page: Page, label: str) -> Locator:
    """The input of a form field, found the way a person finds it: by its label (the
    label of a required field ends with " * (bắt buộc)", the mark and its spoken text)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\W*(\(bắt buộc\))?$"))


def choose(page: Page, option: str) -> None:
    """Tick the radio button whose label is exactly `option`."""
    page.get_by_role("radio", name=option, exact=True).check()


def submit(page: Page, button: str = "Hoàn thành") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def open_from_inbox(page: Page, task_name: str, unit: str | None = None) -> None:
    """Click the task's link in the inbox row (of that unit, when given)."""
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=task_name))
    if unit:
        rows = rows.filter(has_text=unit)
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=task_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(task_name)


def start_process(page: Page, name: str) -> None:
    page.get_by_role("link", name="Khởi tạo hồ sơ").first.click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))
    card.get_by_role("link", name="Khởi tạo", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def started_instance_id(page: Page) -> int:
    flash = page.get_by_role("status").filter(has_text="Đã khởi tạo hồ sơ số")
    found = re.search(r"số (\d+)", flash.inner_text())
    assert found, flash.inner_text()
    return int(found.group(1))


def local_input(moment: datetime) -> str:
    """A datetime-local value (the page reads it as Việt Nam time)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def vn_now() -> datetime:
    return datetime.now(timezone(timedelta(hours=7)))


def fill_unit_report(page: Page, skip: str | None = None) -> None:
    for label, value in {**REPORT_NUMBERS, **REPORT_TEXTS}.items():
        if label != skip:
            field(page, label).fill(value)


# The scale bpmn-js draws the diagram at (its viewport's transform matrix).
canvas_scale = "() => document.querySelector('#diagram .viewport').transform.baseVal[0].matrix.a"


def wait_for_diagram(page: Page) -> None:
    """bpmn-js drew the diagram: #diagram says so, its SVG is there, the fallback is gone,
    and the zoom buttons are shown."""
    expect(page.locator("#diagram")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#diagram svg").first).to_be_visible()
    expect(page.locator("#diagram .diagram-fallback")).to_have_count(0)
    expect(page.get_by_role("button", name="Toàn bộ sơ đồ")).to_be_visible()


# -- preconditions through the engine (not what the tests are about) -------------------


def other_units_report(pf: Policyflow, instance_id: int, skip: str = "xa-tra-lu") -> None:
    """Every reporting unit but `skip` drafts and approves its P3 report (engine API)."""
    officers = ensure_unit_officers(pf)
    for code, (drafter, head) in officers.items():
        if code == skip:
            continue
        [draft] = [
            t
            for t in pf.tasks(drafter)
            if t["instance_id"] == instance_id and t["unit"] == code
            and t["element_id"] == "Unit_draft"
        ]  # fmt: skip
        pf.complete(draft["id"], drafter, UNIT_FIGURES)
        [approve] = [
            t
            for t in pf.tasks(head)
            if t["instance_id"] == instance_id and t["unit"] == code
            and t["element_id"] == "Unit_approve"
        ]  # fmt: skip
        pf.complete(approve["id"], head, {"unit_approve_decision": "approve",
                                          "unit_approved_by": head})  # fmt: skip


def p3_started(pf: Policyflow) -> int:
    data = {"year": date.today().year, "outline_ref": "150/KH-UBND"}
    return pf.start("annual_report", "cv_vhtt", data)["id"]


# -- a) P3: a commune reports and approves; the district sees the consolidation --------


def test_p3_commune_reports_and_the_district_consolidates(
    people: "People", deployed: Policyflow, shoot: Shoot
) -> None:
    cv = people.login("cv_vhtt")
    start_process(cv, P3_NAME)
    field(cv, "Năm báo cáo").fill(str(date.today().year))
    field(cv, "Công văn hướng dẫn, đề cương").fill("150/KH-UBND")
    submit(cv, "Khởi tạo hồ sơ")
    instance_id = started_instance_id(cv)
    other_units_report(deployed, instance_id)

    bac = people.login("xa_xuanbac")
    shoot(bac, "inbox-xa_xuanbac")
    open_from_inbox(bac, UNIT_DRAFT, "Xã Trà Lũ")
    fill_unit_report(bac)
    submit(bac)
    # His head-of-unit approval comes next: the page goes straight to it.
    expect(bac.get_by_role("heading", level=1)).to_contain_text(UNIT_APPROVE)
    expect(bac.get_by_role("status").filter(has_text="Đã hoàn thành")).to_be_visible()
    bac.get_by_role("link", name="Chờ xử lý").click()
    open_from_inbox(bac, UNIT_APPROVE, "Xã Trà Lũ")
    shoot(bac, "task-unit-approve-xa_xuanbac")
    # What he approves is what he typed, under the report form's titles, not collapsed.
    side = bac.get_by_role("complementary")
    budget = side.locator("dd[data-key=budget_spent]")
    expect(budget).to_be_visible()
    expect(budget).to_have_text("12.500.000")
    expect(side.locator("dt").filter(has_text="Kinh phí đã sử dụng (đồng)")).to_be_visible()
    expect(side.locator("dd[data-key=difficulties]")).to_contain_text("Thiếu kinh phí")
    expect(side).not_to_contain_text("reporting_unit")
    choose(bac, "Duyệt, ký gửi UBND huyện")
    expect(field(bac, "Họ và tên thủ trưởng đơn vị")).to_have_count(0)  # who signs, not typed
    submit(bac)
    expect(bac).to_have_url(re.compile(r"/$"))
    expect(bac.get_by_role("link", name=UNIT_APPROVE)).to_have_count(0)
    expect(bac.get_by_role("link", name=UNIT_DRAFT)).to_have_count(0)

    cv2 = people.login("cv_vhtt")
    open_from_inbox(cv2, CONSOLIDATE)
    expect(cv2.get_by_role("button", name="Hoàn thành")).to_be_visible()
    data = deployed.show(instance_id)["data"]
    [bac_report] = [r for r in data["unit_reports"] if r["code"] == "xa-tra-lu"]
    assert bac_report["approved_by"] == "Đặng Văn Bắc"
    assert data["totals"]["trainees"] == 30 * 19 + 85  # the 20 units of 1/10/2024


# -- b) P1: a press request through six people -----------------------------------------


def test_p1_press_request_through_six_logins(
    people: "People", deployed: Policyflow, shoot: Shoot
) -> None:
    cv = people.login("cv_vhtt")
    start_process(cv, P1_NAME)
    choose(cv, "Yêu cầu của cơ quan báo chí / cơ quan quản lý nhà nước về báo chí")
    field(cv, "Tên vụ việc").fill("Phản ánh ô nhiễm tại cụm công nghiệp Xuân Bắc")
    field(cv, "Tóm tắt nội dung").fill("Báo điện tử đề nghị cung cấp thông tin")
    field(cv, "Thời điểm xảy ra sự việc / nhận được yêu cầu").fill(
        local_input(vn_now() - timedelta(hours=1))
    )
    field(cv, "Cơ quan báo chí").fill("Báo Nam Định")
    field(cv, "Phóng viên, người liên hệ").fill("Phóng viên Nguyễn Văn A")
    choose(cv, "Báo điện tử")
    submit(cv, "Khởi tạo hồ sơ")
    instance_id = started_instance_id(cv)
    link = cv.get_by_role("status").get_by_role("link", name="Xem hồ sơ")
    expect(link).to_have_attribute("href", f"/instances/{instance_id}")
    # The registration is cv_vhtt's own next step: the start page opened it.
    expect(cv.get_by_role("heading", level=1)).to_contain_text("Tiếp nhận, vào sổ theo dõi")
    field(cv, "Số vào sổ theo dõi").fill("PN-2024-015")
    choose(cv, "Chủ tịch UBND huyện trực tiếp phát ngôn")
    submit(cv)

    ct = people.login("ct_ubnd")
    shoot(ct, "inbox-ct_ubnd")
    # The row says what the case is about and who must act (role, unit).
    row = ct.locator("tr[data-task-id]").filter(has_text="Giao đơn vị cung cấp thông tin")
    expect(row).to_contain_text("Phản ánh ô nhiễm tại cụm công nghiệp Xuân Bắc")
    expect(row).to_contain_text("Chủ tịch / Phó Chủ tịch UBND")
    open_from_inbox(ct, "Giao đơn vị cung cấp thông tin")
    wait_for_diagram(ct)
    # The task page opens the diagram on the current step, readable; "fit" shows it all.
    canvas_scale = (
        "() => document.querySelector('#diagram .viewport').transform.baseVal[0].matrix.a"
    )
    focused = ct.evaluate(canvas_scale)
    assert focused >= 0.8, focused  # fitted to the width, never below 80 %
    ct.get_by_role("button", name="Toàn bộ sơ đồ").click()
    assert ct.evaluate(canvas_scale) < focused
    ct.get_by_role("button", name="Phóng to").click()
    ct.get_by_role("button", name="Bước hiện tại").click()
    assert ct.evaluate(canvas_scale) == focused
    shoot(ct, "task-with-diagram")
    field(ct, "Đơn vị cung cấp thông tin").select_option(label="Phòng Tư pháp")
    field(ct, "Thời hạn cung cấp thông tin").fill(local_input(vn_now() + timedelta(days=2)))
    field(ct, "Nội dung thông tin cần cung cấp").fill("Cung cấp kết quả kiểm tra hồ sơ")
    submit(ct)

    tp = people.login("tu_phap")
    open_from_inbox(tp, "Cung cấp thông tin, tài liệu", "Phòng Tư pháp")
    field(tp, "Thông tin, số liệu về vụ việc").fill("Đã kiểm tra, hồ sơ đầy đủ")
    submit(tp)

    ct = people.login("ct_ubnd")
    open_from_inbox(ct, "Quyết định cung cấp thông tin")
    choose(ct, "Cung cấp thông tin")
    field(ct, "Hình thức cung cấp thông tin").select_option(
        label="Đăng trên Cổng/Trang thông tin điện tử"
    )
    expect(field(ct, "Người phát ngôn")).to_have_count(0)  # the signing user, not typed
    submit(ct)

    cv = people.login("cv_vhtt")
    open_from_inbox(cv, "Dự thảo nội dung phát ngôn")
    field(cv, "Nội dung phát ngôn, cung cấp thông tin").fill("UBND huyện thông tin như sau: ...")
    submit(cv)

    head = people.login("tp_vhtt")
    open_from_inbox(head, "Thẩm định nội dung")
    choose(head, "Đồng ý, trình người phát ngôn")
    submit(head)

    ct = people.login("ct_ubnd")
    open_from_inbox(ct, "Người phát ngôn duyệt")
    choose(ct, "Duyệt, cho phát hành")
    submit(ct)

    cv = people.login("cv_vhtt")
    cv.goto(f"/instances/{instance_id}")
    wait_for_diagram(cv)
    facts = cv.locator("dl.facts")
    expect(facts).to_contain_text("Nguyễn Thị Hoa")  # who started it, by name
    expect(facts).not_to_contain_text("cv_vhtt")
    data = cv.locator("section").filter(has=cv.get_by_role("heading", name="Dữ liệu hiện tại"))
    expect(data).to_contain_text("Cung cấp thông tin")  # a decision, by its choice's title
    expect(data).to_contain_text("Phòng Tư pháp")  # a unit, by its name
    expect(data).not_to_contain_text("reporting_units")
    expect(cv.locator("#diagram .pf-completed").first).to_be_attached()
    shoot(cv, "instance-with-diagram")
    timeline = cv.locator("ol.timeline")
    for person in ("Nguyễn Thị Hoa", "Vũ Quang Hưng", "Bùi Thị Thu", "Trần Văn Minh"):
        expect(timeline).to_contain_text(person)
    entries = timeline.get_by_role("listitem")
    expect(entries).to_have_count(8)  # the start and seven completions
    expect(cv.locator("section").filter(has_text="Đang chờ xử lý")).to_contain_text(
        "Phát hành, cung cấp thông tin"
    )
    actors = [e["actor"] for e in deployed.history(instance_id)]
    assert actors == ["cv_vhtt", "cv_vhtt", "ct_ubnd", "tu_phap", "ct_ubnd", "cv_vhtt",
                      "tp_vhtt", "ct_ubnd"]  # fmt: skip


# -- c) a form error keeps what was typed ----------------------------------------------


def test_a_form_error_keeps_every_typed_value(
    people: "People", deployed: Policyflow, shoot: Shoot
) -> None:
    p3_started(deployed)
    bac = people.login("xa_xuanbac")
    open_from_inbox(bac, UNIT_DRAFT, "Xã Trà Lũ")
    missing = "Số lượt người tham gia tập huấn"
    fill_unit_report(bac, skip=missing)
    submit(bac)

    expect(bac.get_by_role("alert")).to_contain_text("Có trường chưa đúng")
    shoot(bac, "form-error")
    expect(bac.get_by_role("heading", level=1)).to_contain_text(UNIT_DRAFT)  # not completed
    wrong = field(bac, missing)
    expect(wrong).to_have_attribute("aria-invalid", "true")
    error = bac.locator(f"#{wrong.get_attribute('aria-describedby')}")
    expect(error).to_be_visible()
    expect(error).to_have_class(re.compile("field-error"))
    # The message sits in the same field block as the input, right under it.
    block = bac.locator(".field").filter(has=wrong)
    expect(block.locator(".field-error")).to_be_visible()
    for label, value in {**REPORT_NUMBERS, **REPORT_TEXTS}.items():
        if label != missing:
            expect(field(bac, label)).to_have_value(value)
    # Nothing was saved: the task is still open.
    assert any(t["element_id"] == "Unit_draft" for t in deployed.tasks("xa_xuanbac"))


# -- d) communes never see each other's work -------------------------------------------


def bac_task_of_a_new_p3(pf: Policyflow) -> dict:
    instance_id = p3_started(pf)
    [bac_task] = [t for t in pf.tasks("xa_xuanbac") if t["instance_id"] == instance_id]
    assert bac_task["unit"] == "xa-tra-lu"
    return bac_task


def test_a_communes_inbox_never_lists_another_communes_task(
    people: "People", deployed: Policyflow
) -> None:
    bac_task = bac_task_of_a_new_p3(deployed)
    ninh = people.login("xa_xuanninh")
    rows = ninh.get_by_role("row").filter(has=ninh.get_by_role("link", name=UNIT_DRAFT))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Xã Xuân Ninh")
    expect(ninh.locator("table.tasks")).not_to_contain_text("Xã Trà Lũ")
    expect(ninh.locator(f'a[href$="/tasks/{bac_task["id"]}"]')).to_have_count(0)
    # Filtering by Xuân Bắc finds nothing either.
    ninh.goto("/?unit=xa-tra-lu")
    expect(ninh.locator(f'a[href$="/tasks/{bac_task["id"]}"]')).to_have_count(0)


def test_another_communes_task_url_is_not_found(people: "People", deployed: Policyflow) -> None:
    bac_task = bac_task_of_a_new_p3(deployed)
    ninh = people.login("xa_xuanninh")
    response = ninh.goto(f"/tasks/{bac_task['id']}")
    assert response is not None and response.status == 404
    expect(ninh.get_by_role("heading", level=1)).to_contain_text("Không tìm thấy")
    expect(ninh.locator("main")).not_to_contain_text("Xã Trà Lũ")
    expect(ninh.get_by_role("button", name="Hoàn thành")).to_have_count(0)


# -- e) English -----------------------------------------------------------------------


def test_switching_to_english_changes_the_inbox_labels(
    people: "People", deployed: Policyflow
) -> None:
    p3_started(deployed)
    page = people.login("xa_xuanbac")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    headers = page.locator("table.tasks thead")
    expect(headers).to_contain_text("Công việc")
    expect(headers).to_contain_text("Hạn xử lý")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(headers).to_contain_text("Task")
    expect(headers).to_contain_text("Due date")
    expect(headers).not_to_contain_text("Công việc")
    expect(page.get_by_role("navigation", name="Navigation")).to_contain_text("To do")
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.get_by_role("button", name="Filter", exact=True)).to_be_visible()

    page.reload()  # the choice is kept
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(headers).to_contain_text("Công việc")
