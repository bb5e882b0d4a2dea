"""Issue 18 item 6: diagrams open readable — fitted to the width at a readable zoom,
centred on the current step (the current element is drawn large enough to read and lies
inside the box), the bpmn.io watermark covers no element, a full-screen toggle; on the
instance page and on P3's unit task page (not cut at the bottom)."""

from datetime import date

from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.browser.test_browser_ui import Shoot, wait_for_diagram
from tests.processes import start_document

MIN_TASK_WIDTH = 75  # px on screen for a 100-unit-wide task: scale ≥ 0.75

GEOMETRY = """(sel) => {
  const box = document.querySelector('#diagram').getBoundingClientRect();
  const el = document.querySelector(sel);
  const r = el ? el.getBoundingClientRect() : null;
  const logo = document.querySelector('#diagram .bjs-powered-by').getBoundingClientRect();
  const shapes = [...document.querySelectorAll('#diagram .djs-shape:not(.djs-frame) .djs-visual')]
    .map((v) => v.getBoundingClientRect())
    .filter((s) => s.width > 0 && s.width < 300 && s.height < 200)  // not pools, lanes
    .filter((s) => s.right > box.left && s.left < box.right
                   && s.bottom > box.top && s.top < box.bottom);
  const overlaps = shapes.filter((s) => s.left < logo.right && s.right > logo.left
                                   && s.top < logo.bottom && s.bottom > logo.top).length;
  return {box: [box.left, box.top, box.width, box.height],
          el: r && [r.left, r.top, r.width, r.height], overlaps: overlaps};
}"""


def geometry(page: Page, selector: str) -> dict:
    return page.evaluate(GEOMETRY, selector)


def assert_readable_inside(found: dict) -> None:
    assert found["el"], found
    left, top, width, height = found["el"]
    bl, bt, bw, bh = found["box"]
    assert width >= MIN_TASK_WIDTH, found
    assert left >= bl and top >= bt and left + width <= bl + bw and top + height <= bt + bh, found
    assert found["overlaps"] == 0, found


def test_instance_diagram_is_readable_around_the_open_step(
    people: "object", deployed: Policyflow, shoot: Shoot
) -> None:
    case = start_document(deployed, "QĐ")
    [task] = deployed.show(case.id, "cv_vhtt")["open_tasks"]
    page = people.login("cv_vhtt")  # type: ignore[attr-defined]
    page.goto(f"/instances/{case.id}")
    wait_for_diagram(page)
    found = geometry(page, f'#diagram [data-element-id="{task["element_id"]}"] .djs-visual')
    assert_readable_inside(found)
    assert found["box"][3] >= 320, found  # not a 230 px strip
    shoot(page, "diagram-instance-readable")
    full = page.get_by_role("button", name="Toàn màn hình")
    full.click()
    expect(full).to_have_attribute("aria-pressed", "true")
    height = page.evaluate("document.querySelector('#diagram').getBoundingClientRect().height")
    assert height >= page.viewport_size["height"] * 0.7  # type: ignore[index]
    page.keyboard.press("Escape")
    expect(full).to_have_attribute("aria-pressed", "false")


def test_p3_unit_task_diagram_is_not_cut(
    people: "object", deployed: Policyflow, shoot: Shoot
) -> None:
    year = date.today().year
    instance = deployed.start("annual_report", "cv_vhtt", {"year": year, "outline_ref": "1/KH"})
    [task] = [
        t for t in deployed.tasks("xa_xuanbac")
        if t["instance_id"] == instance["id"] and t["element_id"] == "Unit_draft"
    ]  # fmt: skip
    page = people.login("xa_xuanbac")  # type: ignore[attr-defined]
    page.goto(f"/tasks/{task['id']}")
    wait_for_diagram(page)
    found = geometry(page, "#diagram .pf-current .djs-visual")
    assert_readable_inside(found)
    shoot(page, "diagram-p3-task")
