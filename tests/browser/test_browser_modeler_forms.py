"""The modeler's side panel picks a user task's form; the form editor (modeler_forms.js)
edits it, here through its advanced view, the JSON Schema: the process owner adds a field
to press_statement's drafting form, deploys, and a new case's Draft task asks for it; text
that is not valid JSON is shown as such and blocks Validate and Deploy (the last valid
schema stays the one kept); a new form file is made with "Biểu mẫu mới" and survives the
draft kept in the browser. (The editor's fields, without JSON: test_browser_modeler_people.)
"""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.browser.test_browser_modeler import open_in_modeler
from tests.browser.test_browser_modeler_panel import SELECT, UNDO, export
from tests.processes import REGISTER, Case, handle_request, press_start

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser

LEGAL_BASIS = {"type": "string", "title": "Căn cứ pháp lý"}
SCHEMA = "#pf-prop-form-schema"
ERROR = "#pf-prop-form-error"


def schema_shown(page: Page) -> dict:
    return json.loads(page.locator(SCHEMA).input_value())


def open_editor(page: Page) -> None:
    """The form editor of the selected step's form, its JSON view unfolded."""
    page.locator("#pf-prop-form-edit").click()
    expect(page.locator("#pf-form-editor")).to_be_visible()
    page.locator("#pf-form-editor summary").click()
    expect(page.locator(SCHEMA)).to_be_visible()


def close_editor(page: Page) -> None:
    page.get_by_role("button", name="Xong", exact=True).click()
    expect(page.locator("#pf-form-editor")).to_have_count(0)


def deploy(page: Page, comment: str) -> None:
    page.evaluate("() => { document.getElementById('pf-status').textContent = ''; }")
    page.locator("#pf-comment").fill(comment)
    page.get_by_role("button", name="Triển khai", exact=True).click()


def test_the_process_owner_adds_a_field_to_a_form_and_deploys(
    deployed: Policyflow, people: "People", shoot: Callable[[Page, str], object]
) -> None:
    before = deployed.versions.forms("press_statement")
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    page.evaluate(SELECT, "Draft")
    select = page.locator("#pf-prop-form-select")
    expect(select).to_have_value("ps_draft.json")
    names = select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    assert set(before) <= set(names)  # the newest version's forms, to pick from
    open_editor(page)
    expect(page.locator(SCHEMA)).not_to_have_value("")
    assert schema_shown(page) == before["ps_draft.json"]
    assert '\n  "title": "Dự thảo nội dung phát ngôn"' in page.locator(SCHEMA).input_value()

    # Text that is not JSON (or not an object): an inline error, and nothing is sent.
    page.locator(SCHEMA).fill('{"type": "object", "properties": {')
    expect(page.locator(ERROR)).to_be_visible()
    expect(page.locator(ERROR)).to_contain_text("Chưa phải JSON hợp lệ")
    shoot(page, "modeler-form-invalid")
    close_editor(page)
    deploy(page, "không gửi")
    expect(page.locator("#pf-status")).to_have_text(
        "Chưa gửi: biểu mẫu ps_draft.json chưa phải JSON hợp lệ."
    )
    expect(page.locator("#pf-modeler")).to_have_attribute("data-deploy-blocked", "form")
    open_editor(page)
    assert schema_shown(page) == before["ps_draft.json"]  # the last valid one
    page.locator(SCHEMA).fill("[1, 2]")
    expect(page.locator(ERROR)).to_contain_text("phải là một đối tượng")
    close_editor(page)
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).to_contain_text("Chưa gửi: biểu mẫu ps_draft.json")
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]

    # The field added in the JSON: valid again, the error gone; deployed.
    edited = dict(before["ps_draft.json"])
    edited["properties"] = {**edited["properties"], "legal_basis": LEGAL_BASIS}
    open_editor(page)
    page.locator(SCHEMA).fill(json.dumps(edited, ensure_ascii=False, indent=2))
    expect(page.locator(ERROR)).to_be_hidden()
    expect(page.locator("#pf-fe-preview")).to_contain_text("Căn cứ pháp lý")  # the task page's
    close_editor(page)
    deploy(page, "Thêm căn cứ pháp lý vào dự thảo")
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    after = deployed.versions.forms("press_statement")
    assert after["ps_draft.json"] == edited
    assert {n: f for n, f in after.items() if n != "ps_draft.json"} == {
        n: f for n, f in before.items() if n != "ps_draft.json"
    }
    assert (
        deployed.versions.list("press_statement")[0]["comment"] == "Thêm căn cứ pháp lý vào dự thảo"
    )

    # A new case's drafting task asks for the new field, on its page too.
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)
    assert case.open() == ["Draft"]
    task = case.task("cv_vhtt", "Draft")
    assert deployed.task(task["id"], "cv_vhtt")["form_schema"]["properties"]["legal_basis"] == (
        LEGAL_BASIS
    )
    drafter = people.login("cv_vhtt")
    drafter.goto(f"/tasks/{task['id']}")
    expect(drafter.get_by_label("Căn cứ pháp lý")).to_be_visible()


def test_a_new_form_file_is_made_kept_in_the_draft_and_deployed(
    deployed: Policyflow, people: "People"
) -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    expect(page.locator("#pf-modeler")).to_have_attribute("data-loaded", "true")
    page.evaluate(SELECT, "Review")
    expect(page.locator("#pf-prop-form-select")).to_have_value("ps_review.json")
    page.get_by_role("button", name="Biểu mẫu mới", exact=True).click()
    name = "press_statement_review.json"  # from the process and the step
    expect(page.locator("#pf-prop-form-select")).to_have_value(name)
    page.locator("#pf-form-editor summary").click()
    assert schema_shown(page)["properties"] == {}
    close_editor(page)
    assert f'"formJsonSchemaFilename" value="{name}"' in export(page)
    page.evaluate(UNDO)  # the file name is one undo step
    assert '"formJsonSchemaFilename" value="ps_review.json"' in export(page)
    page.evaluate(SELECT, "Draft")
    page.evaluate(SELECT, "Review")
    page.locator("#pf-prop-form-select").select_option(name)  # made above
    legal_ok = {"type": "boolean", "title": "Đã kiểm tra căn cứ pháp lý"}
    checked = {"type": "object", "properties": {"legal_ok": legal_ok}}
    open_editor(page)
    page.locator(SCHEMA).fill(json.dumps(checked, ensure_ascii=False))
    close_editor(page)

    # The draft keeps the XML and the edited forms; opened again after a reload.
    page.get_by_role("button", name="Lưu nháp", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text("Đã lưu nháp trong trình duyệt này.")
    page.reload()
    expect(page.locator("#pf-modeler")).to_have_attribute("data-loaded", "true")
    page.get_by_role("button", name="Mở bản nháp", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text("Đã mở bản nháp.")
    page.evaluate(SELECT, "Review")
    expect(page.locator("#pf-prop-form-select")).to_have_value(name)
    open_editor(page)
    assert schema_shown(page) == checked
    close_editor(page)

    deploy(page, "Mẫu kiểm tra căn cứ pháp lý")
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    forms = deployed.versions.forms("press_statement")
    assert forms[name] == checked
    assert "ps_review.json" not in forms  # no longer named by the model: not stored
