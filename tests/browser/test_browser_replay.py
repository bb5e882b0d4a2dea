"""Replay in a real browser (issue 6): the auditor steps through a completed annual report
with the keyboard, the buttons, the slider and the step list, and verifies it.

The report is run through the engine (Xuân Bắc reports first: steps 2 and 3, with its
own figures); what is under test is read and clicked in Chromium.
"""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

from engine.facade import Policyflow
from tests.web.test_replay_web import BAC_DRAFT, completed_report

if TYPE_CHECKING:
    from conftest import People

Shoot = Callable[[Page, str], object]

pytestmark = pytest.mark.browser


def marked(state: str) -> re.Pattern[str]:
    """The class bpmn-js gives an element marked with pf-<state>."""
    return re.compile(rf"(^|\s)pf-{state}(\s|$)")


def element(page: Page, element_id: str) -> Locator:
    return page.locator(f'#diagram g.djs-element[data-element-id="{element_id}"]')


def test_the_auditor_steps_to_a_communes_report_and_verifies(
    people: "People", deployed: Policyflow, shoot: Shoot
) -> None:
    report = completed_report(deployed)
    n = report.steps
    page = people.login("kiem_toan")
    page.goto(f"/instances/{report.id}")
    page.get_by_role("link", name="Xem lại từng bước").click()
    expect(page).to_have_url(re.compile(rf"/instances/{report.id}/replay$"))
    expect(page.locator("#diagram")).to_have_attribute("data-loaded", "true")
    position = page.locator("#replay-position")
    details = page.locator("#replay-details")
    submitted = details.locator(".step-form")
    draft, approve = element(page, "Unit_draft"), element(page, "Unit_approve")
    flow = element(page, "Flow_Unit_draft_Unit_approve")
    expect(position).to_have_text(f"{n}/{n}")  # the last step first
    expect(page.get_by_role("button", name="Xem bước")).to_be_hidden()  # moves at once
    expect(draft).to_have_class(marked("completed"))
    shoot(page, "replay-last-step")

    # Home: the start. No unit has reported; every unit's draft is waiting.
    page.keyboard.press("Home")
    expect(position).to_have_text(f"1/{n}")
    expect(page).to_have_url(re.compile(rf"/instances/{report.id}/replay\?step=1$"))
    expect(details.get_by_role("heading", level=2)).to_contain_text("khởi tạo hồ sơ")
    expect(submitted.locator("dd[data-key=budget_spent]")).to_have_count(0)
    expect(draft).to_have_class(marked("active"))
    expect(approve).not_to_have_class(marked("active"))
    expect(flow).not_to_have_class(marked("flow"))
    shoot(page, "replay-step-1")

    # →: Xuân Bắc's report, with the figures as submitted, its role and unit.
    page.keyboard.press("ArrowRight")
    expect(position).to_have_text(f"{BAC_DRAFT}/{n}")
    expect(page).to_have_url(re.compile(rf"\?step={BAC_DRAFT}$"))
    expect(details.locator(".step-unit")).to_have_text("Xã Trà Lũ")
    expect(details.locator(".step-actor")).to_contain_text("(xa_xuanbac)")
    expect(submitted.locator("dd[data-key=budget_spent]")).to_have_text("12.500.000")
    expect(submitted.locator("dd[data-key=trainees]")).to_have_text("85")
    expect(submitted.locator("dt").filter(has_text="Kinh phí đã sử dụng (đồng)")).to_be_visible()
    expect(details.locator(".step-data dd[data-key=trainees]")).to_have_count(0)
    expect(draft).to_have_class(marked("completed"))
    expect(draft).to_have_class(marked("acted"))
    expect(approve).to_have_class(marked("active"))
    expect(flow).to_have_class(marked("flow"))
    current = page.locator('.replay-steps a[aria-current="step"]')
    expect(current).to_have_attribute("data-step", str(BAC_DRAFT))
    shoot(page, "replay-xa_xuanbac-report")

    # ◀ and ▶: the step before has none of the figures; back again.
    page.get_by_role("link", name="Bước trước").click()
    expect(position).to_have_text(f"1/{n}")
    expect(submitted.locator("dd[data-key=budget_spent]")).to_have_count(0)
    expect(draft).not_to_have_class(marked("acted"))
    page.get_by_role("link", name="Bước sau").click()
    expect(position).to_have_text(f"{BAC_DRAFT}/{n}")
    expect(submitted.locator("dd[data-key=budget_spent]")).to_have_text("12.500.000")

    # The permalink opens that step, rendered by the server.
    page.reload()
    expect(position).to_have_text(f"{BAC_DRAFT}/{n}")
    expect(submitted.locator("dd[data-key=trainees]")).to_have_text("85")
    expect(page.locator("#diagram")).to_have_attribute("data-loaded", "true")
    expect(approve).to_have_class(marked("active"))

    # The slider, End, and a step of the list.
    page.locator("#replay-step").fill("3")
    expect(position).to_have_text(f"3/{n}")
    expect(approve).to_have_class(marked("completed"))
    page.keyboard.press("End")
    expect(position).to_have_text(f"{n}/{n}")
    page.locator(f'.replay-steps a[data-step="{BAC_DRAFT}"]').click()
    expect(position).to_have_text(f"{BAC_DRAFT}/{n}")

    # Verify: the verdict, on the step being looked at.
    page.get_by_role("button", name="Kiểm chứng").click()
    expect(page.locator("#verdict")).to_contain_text(f"Đã kiểm chứng: {n} bước tái hiện đúng.")
    expect(position).to_have_text(f"{BAC_DRAFT}/{n}")
    expect(submitted.locator("dd[data-key=trainees]")).to_have_text("85")
    shoot(page, "replay-verified")
