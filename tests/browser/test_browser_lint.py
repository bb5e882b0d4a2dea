"""bpmnlint in the modeler, in a real browser: the process owner validates press_statement
(no lint error), adds a task that nothing connects: Validate lists the bpmnlint problem with
its rule, marks the task, and Deploy is refused in the browser with the reason (no deploy
request is sent); a model with only a lint warning deploys.

The shapes are created through the bpmn-js API (window.pfModeler), as in
test_browser_modeler.py.
"""

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, Request, expect

from engine.facade import Policyflow
from tests.browser.test_browser_modeler import ADD_STEP
from tests.conftest import WORKFLOWS

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser

VALID = "Mô hình hợp lệ, có thể triển khai."
LINT_ERRORS = "Mô hình vi phạm quy tắc bpmnlint (lỗi đánh dấu trên sơ đồ)."
LINT_BLOCKED = "Chưa triển khai: mô hình vi phạm quy tắc bpmnlint (xem danh sách lỗi)."
ORPHAN = "Orphan_task"
GATEWAY = "Gw_superfluous"

# A named user task in the Handle sub-process and the review lane (so the engine finds no
# error: only "unreachable", a warning), below Review, with no flow in or out.
ADD_ORPHAN = """([id]) => {
  const m = window.pfModeler;
  const reg = m.get("elementRegistry");
  const modeling = m.get("modeling");
  const review = reg.get("Review");
  const task = modeling.createShape(
    { type: "bpmn:UserTask" },
    { x: review.x + review.width / 2, y: review.y + review.height + 90 },
    review.parent
  );
  modeling.updateProperties(task, { id: id, name: "Bước thừa" });
  const lane = reg.get("Lane_tp").businessObject;
  if (lane.get("flowNodeRef").indexOf(task.businessObject) < 0) {
    modeling.updateModdleProperties(reg.get("Lane_tp"), lane, {
      flowNodeRef: lane.get("flowNodeRef").concat([task.businessObject]),
    });
  }
  return task.id;
}"""


LINT_NOW = """async () => (await window.pfLint(window.pfModeler.getDefinitions()))"""


def has_class(name: str) -> re.Pattern[str]:
    """A class attribute containing the class `name` (for expect(...).to_have_class)."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def open_in_modeler(page: Page, key: str) -> None:
    page.goto(f"/modeler/{key}")
    expect(page.locator("#pf-modeler")).to_have_attribute("data-loaded", "true")


def deploy_requests(page: Page) -> list[str]:
    sent: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/deploy"):
            sent.append(request.url)

    page.on("request", seen)
    return sent


def test_a_lint_error_is_marked_and_blocks_deploy(deployed: Policyflow, people: "People") -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    sent = deploy_requests(page)
    problems = page.locator("#pf-problems")

    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text(VALID)
    expect(problems.locator("h2.error")).to_have_count(0)
    assert [p for p in page.evaluate(LINT_NOW) if p["severity"] == "error"] == []

    assert page.evaluate(ADD_ORPHAN, [ORPHAN]) == ORPHAN
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text(LINT_ERRORS)
    listed = problems.locator(
        f'.modeler-problem-list.error li[data-element="{ORPHAN}"][data-source="bpmnlint"]'
    )
    expect(listed.first).to_contain_text("bpmnlint/no-disconnected")
    expect(listed.first).to_contain_text("Element is not connected")
    marked = page.locator(f'.djs-element[data-element-id="{ORPHAN}"]')
    expect(marked).to_have_class(has_class("pf-problem-error"))
    # The engine's own finding on the same task (unreachable: a warning) sits in the same
    # list, labelled as the server's.
    engine = problems.locator(f'li[data-element="{ORPHAN}"][data-source="engine"]')
    expect(engine.first).to_contain_text("[máy chủ: ")

    page.locator("#pf-comment").fill("Thử triển khai khi còn lỗi")
    page.get_by_role("button", name="Triển khai", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text(LINT_BLOCKED)
    expect(page.locator("#pf-modeler")).to_have_attribute("data-deploy-blocked", "bpmnlint")
    expect(listed.first).to_be_visible()
    expect(marked).to_have_class(has_class("pf-problem-error"))
    assert sent == []
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]


def test_a_lint_warning_does_not_block_deploy(deployed: Policyflow, people: "People") -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    sent = deploy_requests(page)
    assert page.evaluate(ADD_STEP, [GATEWAY, "bpmn:ExclusiveGateway"]) == GATEWAY
    found = page.evaluate(LINT_NOW)
    assert {
        "element_id": GATEWAY,
        "message": "Gateway is superfluous. It only has one source and target.",
        "severity": "warning",
        "rule": "bpmnlint/superfluous-gateway",
    } in found
    assert [p for p in found if p["severity"] == "error"] == []

    page.get_by_role("button", name="Triển khai", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    warning = page.locator(
        f'.modeler-problem-list.warning li[data-element="{GATEWAY}"][data-source="bpmnlint"]'
    )
    expect(warning).to_contain_text("bpmnlint/superfluous-gateway")
    expect(page.locator(f'.djs-element[data-element-id="{GATEWAY}"]')).to_have_class(
        has_class("pf-problem-warning")
    )
    assert len(sent) == 1
    assert [v["version"] for v in deployed.versions.list("press_statement")][:1] == [2]


def test_the_shipped_models_have_no_lint_error_and_are_left_unchanged(
    deployed: Policyflow, people: "People"
) -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    for path in sorted(WORKFLOWS.glob("*.bpmn")):
        found, same = page.evaluate(
            """async (xml) => { const m = window.pfModeler;
                 await m.importXML(xml);
                 const before = (await m.saveXML({})).xml;
                 const found = await window.pfLint(m.getDefinitions());
                 return [found, before === (await m.saveXML({})).xml]; }""",
            path.read_text(encoding="utf-8"),
        )
        assert [p for p in found if p["severity"] == "error"] == [], path.name
        assert same, f"linting changed {path.name}"
