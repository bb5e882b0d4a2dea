"""The modeler's side panel edits what the engine reads of call activities, messages,
script tasks and service tasks: in annual_report the process owner changes each through the
panel's inputs, the exported XML has the new value, one undo takes it back, and Validate
finds no error the unchanged model did not have.

annual_report has a call activity (Approve_report), script tasks (Set_deadline) and service
tasks (Notify_7); no shipped model has a message event, so one is added through the
bpmn-js API (between Render_report and its end event, in its lane) and named in the panel.
"""

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.browser.test_browser_modeler import open_in_modeler

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser

SAVE = "async () => (await window.pfModeler.saveXML({ format: true })).xml"
UNDO = "() => window.pfModeler.get('commandStack').undo()"
REDO = "() => window.pfModeler.get('commandStack').redo()"
SELECT = """(id) => { const m = window.pfModeler;
  m.get("selection").select(m.get("elementRegistry").get(id)); }"""
BLUR = "() => document.activeElement && document.activeElement.blur()"

ADD_MESSAGE_EVENT = """([id]) => {
  const m = window.pfModeler;
  const reg = m.get("elementRegistry");
  const modeling = m.get("modeling");
  const send = reg.get("Render_report");
  const end = reg.get("Ev_end");
  const flow = reg.get("Flow_Render_report_Ev_end");
  const shape = m.get("elementFactory").createShape({
    type: "bpmn:IntermediateCatchEvent",
    eventDefinitionType: "bpmn:MessageEventDefinition",
  });
  const event = modeling.createShape(shape,
    { x: (send.x + send.width + end.x) / 2, y: end.y + end.height / 2 }, end.parent);
  modeling.updateProperties(event, { id: id });
  const lane = reg.filter((e) => e.type === "bpmn:Lane" &&
    e.businessObject.get("flowNodeRef").indexOf(send.businessObject) >= 0)[0];
  const refs = lane.businessObject.get("flowNodeRef");
  if (refs.indexOf(event.businessObject) < 0) {
    modeling.updateModdleProperties(lane, lane.businessObject,
      { flowNodeRef: refs.concat([event.businessObject]) });
  }
  modeling.reconnectEnd(flow, event, { x: event.x, y: event.y + event.height / 2 });
  modeling.connect(event, end);
  return event.id;
}"""


def export(page: Page) -> str:
    return page.evaluate(SAVE)


def commit(page: Page, selector: str, value: str) -> None:
    """Type into a panel input and leave it (the change event updates the model)."""
    field = page.locator(selector)
    field.fill(value)
    field.press("Tab")


def wait_for(page: Page, text: str) -> None:
    """Until the exported XML holds `text` (the stock panel's text fields are debounced)."""
    page.wait_for_function(
        "async (t) => (await window.pfModeler.saveXML({})).xml.includes(t)", arg=text
    )


def validate(page: Page) -> set[tuple[str, str]]:
    """Validate from the toolbar; the errors listed, as (element, rule)."""
    page.evaluate("() => { document.getElementById('pf-status').textContent = ''; }")
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).not_to_have_text(re.compile(r"^$|Đang kiểm tra"))
    items = page.locator(".modeler-problem-list.error li")
    return {
        (items.nth(i).get_attribute("data-element") or "", items.nth(i).get_attribute("data-rule"))
        for i in range(items.count())
    }  # type: ignore[misc]


def test_the_panel_edits_call_activities_messages_scripts_and_services(
    deployed: Policyflow, people: "People"
) -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "annual_report")
    before = validate(page)

    # -- the call activity: a deployed process from the list, or a key typed in --------
    page.evaluate(SELECT, "Approve_report")
    called = page.locator("#pf-prop-called-select")
    expect(called).to_have_value("document_approval")
    keys = called.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    assert {"document_approval", "press_statement", "crisis_team"} <= set(keys)
    called.select_option("press_statement")
    expect(page.locator("#pf-prop-called")).to_have_value("press_statement")
    assert 'calledElement="press_statement"' in export(page)
    page.evaluate(UNDO)
    assert 'calledElement="document_approval"' in export(page)
    commit(page, "#pf-prop-called", "crisis_team")  # free text, here a deployed key too
    expect(called).to_have_value("crisis_team")
    assert 'calledElement="crisis_team"' in export(page)
    page.evaluate(UNDO)
    assert 'calledElement="document_approval"' in export(page)
    page.evaluate(REDO)

    # -- the script task's script -------------------------------------------------------
    page.evaluate(SELECT, "Set_deadline")
    script = page.locator("#pf-prop-script")
    old_script = script.input_value()
    assert old_script.startswith("# One deadline, computed once")
    expect(page.locator("#pf-panel")).to_contain_text("hộp cát")
    new_script = old_script.rstrip() + '\nreport_note = "Báo cáo năm " + str(year)'
    commit(page, "#pf-prop-script", new_script)
    assert 'report_note = "Báo cáo năm " + str(year)' in export(page)
    page.evaluate(UNDO)
    assert "report_note" not in export(page)
    page.evaluate(REDO)
    assert "report_note" in export(page)

    # -- a message event: its message chosen by name ------------------------------------
    # (the stock panel's message group: a new message, then its name)
    assert page.evaluate(ADD_MESSAGE_EVENT, ["Wait_ack"]) == "Wait_ack"
    page.evaluate(SELECT, "Wait_ack")
    commit(page, "#bio-properties-panel-name", "Chờ Sở TT&TT xác nhận")
    wait_for(page, 'name="Chờ Sở TT&#38;TT xác nhận"')
    reference = page.locator("#bio-properties-panel-messageRef")
    expect(reference).to_have_value("")
    reference.select_option("create-new")
    commit(page, "#bio-properties-panel-messageName", "so_tttt_xac_nhan")
    wait_for(page, 'name="so_tttt_xac_nhan"')
    xml = export(page)
    message = re.search(r'<bpmn:message id="([^"]+)" name="so_tttt_xac_nhan"', xml)
    assert message, xml[:400]
    assert re.search(rf'<bpmn:messageEventDefinition id="[^"]+" messageRef="{message[1]}"', xml)
    page.evaluate(BLUR)
    page.evaluate(UNDO)  # the name
    page.evaluate(UNDO)  # one step: the message and the reference to it
    xml = export(page)
    assert "so_tttt_xac_nhan" not in xml and "messageRef" not in xml
    assert 'name="Chờ Sở TT&#38;TT xác nhận"' in xml
    page.evaluate(REDO)
    page.evaluate(REDO)
    assert f'messageRef="{message[1]}"' in export(page)
    page.evaluate(SELECT, "Approve_report")
    page.evaluate(SELECT, "Wait_ack")
    expect(reference).to_have_value(message[1])
    expect(page.locator("#bio-properties-panel-messageName")).to_have_value("so_tttt_xac_nhan")

    # -- the service task's operator and parameters --------------------------------------
    page.evaluate(SELECT, "Notify_7")
    operator = page.locator("#pf-prop-operator")
    expect(operator).to_have_value("remind_open_tasks")
    expect(operator.locator("option:checked")).to_have_text(  # in people's words
        "Nhắc người chưa làm xong (remind_open_tasks)"
    )
    expect(page.locator("#pf-prop-operator-params")).to_contain_text("message")
    expect(page.locator("#pf-prop-result")).to_have_value("notify_result")
    expect(page.locator("#pf-param-0-id")).to_have_value("message")
    old_message = page.locator("#pf-param-0-value").input_value()
    assert "deadline_text" in old_message
    commit(page, "#pf-param-0-value", '"Đề nghị gửi báo cáo"')
    assert (
        '<spiffworkflow:parameter id="message" type="str" value="&#34;Đề nghị gửi báo cáo&#34;"'
        in export(page)
    )
    page.evaluate(UNDO)
    assert 'Đề nghị gửi báo cáo&#34;"' not in export(page) and "deadline_text" in export(page)
    page.evaluate(REDO)
    page.get_by_role("button", name="Thêm tham số").click()
    expect(page.locator("#pf-param-1-id")).to_have_value("elements")  # the one it lacks
    assert '<spiffworkflow:parameter id="elements" type="str" value="&#34;&#34;"' in export(page)
    page.get_by_role("button", name="Xóa elements").click()
    expect(page.locator("#pf-param-1-id")).to_have_count(0)
    added = '<spiffworkflow:parameter id="elements" type="str"'
    assert added not in export(page)
    page.evaluate(UNDO)  # the removal undone: the parameter is back
    assert added in export(page)
    page.evaluate(UNDO)  # and the addition
    assert added not in export(page)
    assert 'value="&#34;Đề nghị gửi báo cáo&#34;"' in export(page)
    commit(page, "#pf-prop-result", "reminder_result")
    assert 'resultVariable="reminder_result"' in export(page)

    # Nothing the panel changed is an error the model did not have before.
    after = validate(page)
    if not before:
        expect(page.locator("#pf-status")).to_have_text("Mô hình hợp lệ, có thể triển khai.")
    assert after <= before, sorted(after - before)
    assert not any(element in {"Wait_ack", "Approve_report", "Set_deadline",
                               "Notify_7"} for element, _rule in after)  # fmt: skip
