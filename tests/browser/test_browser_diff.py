"""The version diff in a real browser: the process owner deploys press_statement again
with a note added and a step renamed, and opens the diff of versions 1 and 2: both
diagrams draw, the new note carries the "added" marker, the renamed step "changed"."""

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser

PRESS = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
NOTE = '<bpmn:textAnnotation id="Note_v2"><bpmn:text>Phiên bản 2</bpmn:text></bpmn:textAnnotation>'
NOTE_DI = (
    '<bpmndi:BPMNShape id="Note_v2_di" bpmnElement="Note_v2">'
    '<dc:Bounds x="300" y="80" width="160" height="40"/></bpmndi:BPMNShape>'
)
CHANGED = (
    PRESS.replace('name="Thẩm định nội dung"', 'name="Thẩm định nội dung, hình thức"')
    .replace("  </bpmn:process>", NOTE + "\n  </bpmn:process>", 1)
    .replace("    </bpmndi:BPMNPlane>", NOTE_DI + "\n    </bpmndi:BPMNPlane>", 1)
)


def test_the_owner_sees_the_differences_on_both_diagrams(
    deployed: Policyflow, people: "People"
) -> None:
    done = deployed.deploy(CHANGED, None, "chu_quy_trinh", comment="Thêm ghi chú")
    assert done["version"] == 2
    page = people.login("chu_quy_trinh")
    page.goto("/processes/press_statement/versions")
    page.get_by_role("link", name="Xem khác biệt").first.click()
    old, new = page.locator("#diagram-old"), page.locator("#diagram-new")
    expect(old).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(new).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(new.locator('.djs-element.pf-added[data-element-id="Note_v2"]')).to_have_count(1)
    expect(old.locator('[data-element-id="Note_v2"]')).to_have_count(0)
    for diagram in (old, new):
        expect(diagram.locator('.djs-element.pf-changed[data-element-id="Review"]')).to_have_count(
            1
        )
    expect(page.locator('.diff-list [data-element="Note_v2"]')).to_contain_text("Thêm mới")
