"""The process modeler in a real browser: the process owner edits press_statement, adds a
step in the review lane, validates and deploys; a case started before keeps its version.

The shape is created through the bpmn-js API (window.pfModeler), as dragging from the
palette is not what the test is about; its name is typed into the side panel.
"""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS
from tests.processes import (
    REGISTER,
    S_REVIEW_OK,
    STATEMENT,
    Case,
    handle_request,
    press_start,
    statement_through,
)

if TYPE_CHECKING:
    from conftest import People

Shoot = Callable[[Page, str], object]

XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DI_NAMESPACES = (f"{{{DC}}}", f"{{{DI}}}", f"{{{BPMNDI}}}")
IMPLIED_XSI_TYPE = {f"{{{DI}}}waypoint": f"{{{DC}}}Point"}
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

pytestmark = pytest.mark.browser

NEW_STEP = "Check_format"
NEW_NAME = "Kiểm tra thể thức văn bản"

# In the Handle sub-process: a new element (a user task unless a type is given) in the review
# lane (Lane_tp) between Draft and Review; the flow Draft → Review now ends at it, a new
# flow leads on to Review.
ADD_STEP = """([id, type]) => {
  const m = window.pfModeler;
  const reg = m.get("elementRegistry");
  const modeling = m.get("modeling");
  const review = reg.get("Review");
  const flow = reg.get("Flow_Draft_Review");
  const task = modeling.createShape(
    { type: type || "bpmn:UserTask" },
    { x: review.x + review.width / 2 - 130, y: review.y + review.height / 2 },
    review.parent
  );
  modeling.updateProperties(task, { id: id });
  const lane = reg.get("Lane_tp").businessObject;
  if (lane.get("flowNodeRef").indexOf(task.businessObject) < 0) {
    modeling.updateModdleProperties(reg.get("Lane_tp"), lane, {
      flowNodeRef: lane.get("flowNodeRef").concat([task.businessObject]),
    });
  }
  modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 });
  modeling.connect(task, review);
  m.get("selection").select(task);
  return task.id;
}"""


def canonical(xml: str) -> set[tuple]:
    """Every element with its attributes and text (what the engine could read).

    An element with an id gives one fact per attribute and one for its text, so an
    attribute the export adds (bpmn-js writes `isMarkerVisible` on gateways) loses nothing;
    an element without one (bounds, waypoints, Spiff properties) is one fact with the id of
    its nearest ancestor that has one.

    Equal here whatever the lexical form: tags, attribute names and `xsi:type` values are
    compared by namespace URI (`{uri}local`), so prefixes (`bpmn:`, `semantic:`, none) do
    not matter; an `xsi:type` naming the type the schema declares anyway (a waypoint's
    `dc:Point`) is no information; numbers of the diagram interchange (`x="30.0"`, `x="30"`)
    are compared as numbers. The text is already decoded, so the XML declaration's encoding
    (ISO-8859-1 in several MIWG files) is dropped before parsing.
    """
    root = etree.fromstring(XML_DECLARATION.sub("", xml, count=1).encode("utf-8"))
    facts: set[tuple] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        text = (el.text or "").strip()
        if el.get("id"):
            facts.update((el.tag, el.get("id"), name, value) for name, value in attributes(el))
            facts.add((el.tag, el.get("id"), "#text", text))
        else:
            owner = next((a.get("id") for a in el.iterancestors() if a.get("id")), None)
            facts.add((el.tag, owner, attributes(el), text))
    return facts


def attributes(el: etree._Element) -> tuple[tuple[str, str], ...]:
    found = []
    for name, value in el.attrib.items():
        if name == XSI_TYPE:
            prefix, _colon, local = value.rpartition(":")
            uri = el.nsmap.get(prefix or None)
            value = f"{{{uri}}}{local}" if uri else value
            if IMPLIED_XSI_TYPE.get(el.tag) == value:
                continue
        elif el.tag.startswith(DI_NAMESPACES) and NUMBER.fullmatch(value):
            value = repr(float(value))
        found.append((name, value))
    return tuple(sorted(found))


def open_in_modeler(page: Page, key: str) -> None:
    page.goto("/modeler")
    page.get_by_role("link", name="Thiết kế quy trình").first.wait_for()
    page.locator(f'a[href="/modeler/{key}"]').click()
    expect(page.locator("#pf-modeler")).to_have_attribute("data-loaded", "true")


def test_the_process_owner_adds_a_review_step_and_deploys(
    deployed: Policyflow, people: "People", shoot: Shoot
) -> None:
    # A case that reached drafting before the change.
    old = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    old.act("cv_vhtt", "Register", REGISTER)
    handle_request(old)
    assert old.open() == ["Draft"]

    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    assert page.evaluate(ADD_STEP, [NEW_STEP]) == NEW_STEP

    panel = page.locator("#pf-panel")
    panel.get_by_label("Tên", exact=True).fill(NEW_NAME)
    panel.get_by_label("Tên", exact=True).press("Tab")  # the panel updates the model
    page.wait_for_function(
        "async (n) => (await window.pfModeler.saveXML({})).xml.includes(n)", arg=NEW_NAME
    )
    panel.get_by_label("Biểu mẫu người dùng điền").select_option("ps_review.json")
    # the due date: held in a field of the case's data (the expression answer_due_at)
    panel.locator("#pf-prop-due-unit").select_option("field")
    panel.get_by_label("Trường dữ liệu chứa hạn").fill("answer_due_at")
    panel.get_by_label("Trường dữ liệu chứa hạn").press("Tab")
    xml = page.evaluate("async () => (await window.pfModeler.saveXML({})).xml")
    assert '"dueIn" value="answer_due_at"' in xml
    assert f'name="{NEW_NAME}"' in xml and '"formJsonSchemaFilename" value="ps_review.json"' in xml

    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text("Mô hình hợp lệ, có thể triển khai.")
    expect(page.locator("#pf-problems h2.error")).to_have_count(0)
    page.locator("#pf-comment").fill("Thêm bước kiểm tra thể thức")
    page.get_by_role("button", name="Triển khai", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text(
        "Đã triển khai phiên bản 2 của quy trình press_statement."
    )
    shoot(page, "modeler-deployed")
    assert [v["version"] for v in deployed.versions.list("press_statement")][:1] == [2]

    # A new case goes through the new step, in the review lane (tp_vhtt).
    new = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    new.act("cv_vhtt", "Register", REGISTER)
    handle_request(new)
    new.act("cv_vhtt", "Draft", STATEMENT)
    assert new.open() == [NEW_STEP]
    new.act("tp_vhtt", NEW_STEP, S_REVIEW_OK)
    assert new.open() == ["Review"]
    new.act("tp_vhtt", "Review", S_REVIEW_OK)
    new.act("ct_ubnd", "Approve", {"statement_approve_decision": "approve"})
    assert new.open() == ["Publish"]
    assert deployed.show(new.id)["version"] == 2

    # The case started before finishes on its own version, without the new step.
    statement_through(old)
    assert old.status() == "completed"
    assert NEW_STEP not in {element for _user, element in old.done}
    assert NEW_STEP not in repr(deployed.history(old.id))
    assert deployed.show(old.id)["version"] == 1


def test_the_modeler_rejects_a_bad_model_and_marks_it(
    deployed: Policyflow, people: "People"
) -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    page.locator("#pf-canvas").wait_for()
    # The review lane's role set to one the org model does not have, through the panel.
    page.evaluate(
        """() => { const m = window.pfModeler;
                   m.get("selection").select(m.get("elementRegistry").get("Lane_tp")); }"""
    )
    role = page.locator("#pf-prop-role")
    expect(role).to_have_value("truong_phong_vhtt")
    assert role.locator("option").count() > 5  # the org model's roles
    page.evaluate(
        """() => { const s = document.getElementById("pf-prop-role");
                   const o = document.createElement("option"); o.value = "no_such_role";
                   s.appendChild(o); s.value = "no_such_role";
                   s.dispatchEvent(new Event("change")); }"""
    )
    page.get_by_role("button", name="Triển khai", exact=True).click()
    expect(page.locator("#pf-status")).to_have_text("Chưa triển khai: mô hình còn lỗi.")
    marked = page.locator(".djs-element.pf-problem-error")
    expect(marked.first).to_be_visible()
    problem = page.locator(".modeler-problem-list.error li button").first
    element_id = problem.get_attribute("data-element") or problem.locator("..").get_attribute(
        "data-element"
    )
    problem.click()
    selected = page.evaluate("() => window.pfModeler.get('selection').get().map((e) => e.id)")
    assert selected == [element_id]
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]


def test_the_shipped_models_survive_import_and_export(
    deployed: Policyflow, people: "People"
) -> None:
    page = people.login("chu_quy_trinh")
    open_in_modeler(page, "press_statement")
    for path in sorted(WORKFLOWS.glob("*.bpmn")):
        original = path.read_text(encoding="utf-8")
        exported = page.evaluate(
            """async (xml) => { const m = window.pfModeler;
                 const r = await m.importXML(xml);
                 return (await m.saveXML({ format: true })).xml; }""",
            original,
        )
        lost = canonical(original) - canonical(exported)
        assert lost == set(), f"{path.name} lost {sorted(lost)[:3]}"
