"""The modeler's panel in people's words (issue 18 items 1-4), in a Chromium whose locale is
en-US on purpose (dates and numbers must not depend on it):

* a due date as a number and a unit ("3 ngày làm việc"): the panel writes what the engine
  reads (`dueIn` `"3WD"`), 3WD typed in the advanced expression is quoted, the model deploys
  as version 2 (the heading says so, with a link to the versions page) and a new case's step
  is due three working days after it opens; a timer as a duration or a date;
* the form editor: a form made of fields without JSON (types, required, help text, choices,
  a field shown only for one choice, reordered), previewed by the task page's own code,
  assigned to a new step, deployed; a user fills it on the task page.
"""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import Policyflow
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_browser_modeler import ADD_STEP, open_in_modeler
from tests.browser.test_browser_modeler_panel import SAVE, SELECT, UNDO
from tests.processes import REGISTER, STATEMENT, Case, handle_request, press_start

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser

Shoot = Callable[[Page, str], object]
NEW_STEP = "Legal_check"


@pytest.fixture
def people_en(people: "People", english_chromium: Browser) -> "People":
    people.browser = english_chromium  # contexts opened from now on: the English Chromium
    return people


def login_en(people: "People", username: str) -> Page:
    """A signed-in page in an en-US Chromium and context (the UI stays Vietnamese)."""
    context = people.browser.new_context(
        base_url=people.server.url,
        locale="en-US",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    people.contexts.append(context)
    page = context.new_page()
    people.pages.append((username, page))
    page.goto("/login")
    assert page.evaluate("() => navigator.language") == "en-US"
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{people.server.url}/")
    return page


def export(page: Page) -> str:
    return page.evaluate(SAVE)


def name_step(page: Page, name: str) -> None:
    field = page.locator("#bio-properties-panel-name")
    field.fill(name)
    field.press("Tab")
    page.wait_for_function(
        "async (n) => (await window.pfModeler.saveXML({})).xml.includes(n)", arg=name
    )


def deploy(page: Page, comment: str) -> None:
    page.evaluate("() => { document.getElementById('pf-status').textContent = ''; }")
    page.locator("#pf-comment").fill(comment)
    page.get_by_role("button", name="Triển khai", exact=True).click()


def through_draft(deployed: Policyflow) -> Case:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)
    case.act("cv_vhtt", "Draft", STATEMENT)
    assert case.open() == [NEW_STEP]
    return case


def test_a_structured_due_date_deploys_and_runs(
    deployed: Policyflow, people_en: "People", shoot: Shoot
) -> None:
    people = people_en
    page = login_en(people, "chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    expect(page.locator("#pf-version")).to_have_text("(từ phiên bản 1)")
    # The palette does not cover the lane labels: the diagram starts right of it.
    palette = page.locator(".djs-palette").bounding_box()
    lane = page.locator('[data-element-id="Lane_cv"]').bounding_box()
    assert palette and lane and lane["x"] >= palette["x"] + palette["width"], (palette, lane)
    shoot(page, "modeler-open")
    assert page.evaluate(ADD_STEP, [NEW_STEP]) == NEW_STEP
    name_step(page, "Kiểm tra pháp chế")
    panel = page.locator("#pf-panel")
    # People's words, not the engine's
    for words in ("Biểu mẫu", "Thời hạn"):
        expect(panel.get_by_text(words, exact=True).first).to_be_visible()
    expect(panel).not_to_contain_text("dueIn")
    expect(panel).not_to_contain_text("formJsonSchemaFilename")
    page.locator("#pf-prop-form-select").select_option("ps_review.json")

    # 3 ngày làm việc: a number and a unit
    page.locator("#pf-prop-due-unit").select_option("WD")
    page.locator("#pf-prop-due-number").fill("3")
    page.locator("#pf-prop-due-number").press("Tab")
    expect(page.locator("#pf-prop-due-summary")).to_have_text(
        "Hạn: 3 ngày làm việc kể từ khi bước bắt đầu."
    )
    assert '<spiffworkflow:property name="dueIn" value="&#34;3WD&#34;"' in export(page)
    expect(page.locator("#pf-prop-due")).to_have_count(0)  # the expression: advanced only

    # Typed in the advanced field without quotes, it is still what the engine reads.
    page.locator("#pf-prop-due-advanced").check()
    page.locator("#pf-prop-due").fill("5wd")
    page.locator("#pf-prop-due").press("Tab")
    assert 'name="dueIn" value="&#34;5WD&#34;"' in export(page)
    expect(page.locator("#pf-prop-due-number")).to_have_value("5")
    page.evaluate(UNDO)
    expect(page.locator("#pf-prop-due-number")).to_have_value("3")
    shoot(page, "modeler-due-structured")

    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text("Mô hình hợp lệ, có thể triển khai.")
    deploy(page, "Thêm bước kiểm tra pháp chế, hạn 3 ngày làm việc")
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    expect(page.locator("#pf-version")).to_have_text("(từ phiên bản 2)")
    link = page.locator("#pf-versions-link")
    expect(link).to_have_attribute("href", "/processes/press_statement/versions")

    # A new case's step is due three working days after it opens.
    case = through_draft(deployed)
    task = case.task("tp_vhtt", NEW_STEP)
    opened = datetime.fromisoformat(task["created_at"]).astimezone(UTC)
    due = datetime.fromisoformat(task["due_at"]).astimezone(UTC)
    working = deployed.org.add_working_days(opened.date(), 3)
    assert due.date() >= working or (due - opened).days >= 3, (opened, due)
    assert (due - opened).days <= 3 + 9  # weekends and at most a holiday week
    case.act("tp_vhtt", NEW_STEP, {"statement_review_decision": "approve"})
    assert case.open() == ["Review"]

    link.click()
    expect(page).to_have_url(re.compile(r"/processes/press_statement/versions$"))


def test_a_timer_is_set_as_a_duration_or_a_date(deployed: Policyflow, people_en: "People") -> None:
    people = people_en
    page = login_en(people, "chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    timer = page.evaluate(
        """() => window.pfModeler.get("elementRegistry").filter((e) =>
             (e.businessObject.eventDefinitions || []).some((d) =>
               d.$type === "bpmn:TimerEventDefinition"))[0].id"""
    )
    page.evaluate(SELECT, timer)
    kind = page.locator("#pf-prop-timer-kind")
    expect(kind).to_be_visible()
    kind.select_option("timeDate")  # a date and an hour, Việt Nam time, dd/mm/yyyy 24-hour
    day = page.locator("#pf-prop-timer-date")
    expect(day).to_have_value(re.compile(r"^\d\d/\d\d/\d{4}$"))  # whatever the locale
    day.fill("10/12/2026")
    day.press("Tab")
    page.locator("#pf-prop-timer-time").fill("08:30")
    page.locator("#pf-prop-timer-time").press("Tab")
    page.wait_for_function(
        "async () => (await window.pfModeler.saveXML({})).xml.includes('2026-12-10T08:30:00')"
    )
    assert re.search(
        r"<bpmn:timeDate[^>]*>2026-12-10T08:30:00\+07:00</bpmn:timeDate>", export(page)
    )
    expect(day).to_have_value("10/12/2026")
    kind.select_option("timeDuration")  # a number and a unit
    page.locator("#pf-prop-timer-unit").select_option("H")
    page.locator("#pf-prop-timer-number").fill("2")
    page.locator("#pf-prop-timer-number").press("Tab")
    assert re.search(r"<bpmn:timeDuration[^>]*>PT2H</bpmn:timeDuration>", export(page))
    expect(page.locator("#pf-prop-timer")).to_have_count(0)  # the expression: advanced only
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).not_to_have_text(re.compile(r"^$|Đang kiểm tra"))
    assert page.locator(f'.modeler-problem-list.error li[data-element="{timer}"]').count() == 0


def test_a_form_made_in_the_editor_is_filled_on_the_task_page(
    deployed: Policyflow, people_en: "People", shoot: Shoot
) -> None:
    people = people_en
    page = login_en(people, "chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    assert page.evaluate(ADD_STEP, [NEW_STEP]) == NEW_STEP
    name_step(page, "Kiểm tra pháp chế")
    page.get_by_role("button", name="Biểu mẫu mới", exact=True).click()
    dialog = page.locator("#pf-form-editor")
    expect(dialog).to_be_visible()
    form_name = "press_statement_legal_check.json"
    expect(page.locator("#pf-prop-form-select")).to_have_value(form_name)
    dialog.locator("#pf-fe-title").fill("Ý kiến pháp chế")

    def add(label: str, kind: str, required: bool = False, help_text: str = "") -> int:
        dialog.get_by_role("button", name="Thêm trường", exact=True).click()
        i = dialog.locator(".pf-fe-item").count() - 1
        dialog.locator(f"#pf-fe-{i}-label").fill(label)
        dialog.locator(f"#pf-fe-{i}-label").press("Tab")
        dialog.locator(f"#pf-fe-{i}-type").select_option(kind)
        if required:
            dialog.locator(f"#pf-fe-{i}-required").check()
        if help_text:
            dialog.locator(f"#pf-fe-{i}-help").fill(help_text)
        return i

    add("Ý kiến", "textarea", required=True, help_text="Nêu căn cứ pháp lý")
    conclusion = add("Kết luận", "choice", required=True)
    dialog.locator(f"#pf-fe-{conclusion}-choices").fill("Đồng ý\nKhông đồng ý")
    dialog.locator(f"#pf-fe-{conclusion}-choices").press("Tab")
    reason = add("Lý do không đồng ý", "text", required=True)
    dialog.locator(f"#pf-fe-{reason}-when").select_option("ket_luan")
    dialog.locator(f"#pf-fe-{reason}-when-value").select_option(json.dumps("khong_dong_y"))
    checked_on = add("Ngày kiểm tra", "date")
    dialog.locator(f"#pf-fe-{checked_on}-up").click()  # before the reason
    add("Đã đối chiếu văn bản gốc", "yesno")
    expect(dialog.locator("#pf-fe-preview")).to_contain_text("Ngày kiểm tra")
    expect(dialog.locator("#pf-fe-preview label", has_text="Lý do không đồng ý")).to_have_count(1)
    shoot(page, "modeler-form-editor")
    dialog.get_by_role("button", name="Xong", exact=True).click()
    expect(dialog).to_have_count(0)

    schema = page.evaluate("(n) => window.pfModelerForms.get(n)", form_name)
    assert list(schema["properties"]) == [
        "y_kien",
        "ket_luan",
        "ngay_kiem_tra",
        "ly_do_khong_dong_y",
        "da_doi_chieu_van_ban_goc",
    ]
    assert schema["required"] == ["y_kien", "ket_luan"]
    assert schema["properties"]["y_kien"] == {
        "type": "string",
        "title": "Ý kiến",
        "description": "Nêu căn cứ pháp lý",
        "x-widget": "textarea",
    }
    assert schema["properties"]["ket_luan"]["oneOf"] == [
        {"const": "dong_y", "title": "Đồng ý"},
        {"const": "khong_dong_y", "title": "Không đồng ý"},
    ]
    assert schema["properties"]["ngay_kiem_tra"] == {
        "type": "string",
        "title": "Ngày kiểm tra",
        "format": "date",
    }
    assert schema["allOf"] == [
        {
            "if": {"properties": {"ket_luan": {"const": "khong_dong_y"}}, "required": ["ket_luan"]},
            "then": {"required": ["ly_do_khong_dong_y"]},
        }
    ]

    deploy(page, "Bước kiểm tra pháp chế với biểu mẫu mới")
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    assert deployed.versions.forms("press_statement")[form_name] == schema

    case = through_draft(deployed)
    task = case.task("tp_vhtt", NEW_STEP)
    user = login_en(people, "tp_vhtt")
    user.goto(f"/tasks/{task['id']}")
    claim = user.get_by_role("button", name="Nhận việc")
    if claim.count():
        claim.first.click()
    expect(user.get_by_text("Nêu căn cứ pháp lý")).to_be_visible()
    user.locator("#f-y_kien").fill("Phù hợp Luật Báo chí 2016.")
    reason_box = user.locator("#f-ly_do_khong_dong_y")
    expect(reason_box).to_be_hidden()
    user.get_by_role("radio", name="Không đồng ý").check()
    expect(reason_box).to_be_visible()
    reason_box.fill("Thiếu căn cứ")
    user.get_by_role("radio", name="Đồng ý", exact=True).check()
    expect(reason_box).to_be_hidden()
    expect(user.get_by_label("Ngày kiểm tra")).to_be_visible()  # optional: left empty
    shoot(user, "task-form-from-editor")
    user.get_by_role("button", name="Hoàn thành", exact=True).click()
    expect(user.locator(".flash-error")).to_have_count(0)
    data = deployed.show(case.id)["data"]
    assert data["y_kien"] == "Phù hợp Luật Báo chí 2016."
    assert data["ket_luan"] == "dong_y"
    assert "ly_do_khong_dong_y" not in data
    assert case.open() == ["Review"]
