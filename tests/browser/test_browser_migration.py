"""Moving a running case to a newer version in a real browser: the process owner opens
the migration page from the versions list, sees which cases can move, suspends the one
at the draft step, moves it with a comment; its diagram then draws the new version with
the draft still active and the new legal check ahead; the replay draws the steps before
the move on version 1 and after it on version 2; the draft is done as usual."""

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from engine.facade import Policyflow
from tests.engine.test_migration import OWNER, at_draft, deploy, with_legal_check, without_draft

if TYPE_CHECKING:
    from conftest import People

pytestmark = pytest.mark.browser


def test_the_owner_suspends_and_moves_a_case_in_the_browser(
    deployed: Policyflow, people: "People"
) -> None:
    case = at_draft(deployed)
    deploy(deployed, with_legal_check(), "Thêm bước kiểm tra pháp lý")
    page = people.login(OWNER)
    page.goto("/processes/press_statement/versions")
    page.get_by_role("link", name="Chuyển hồ sơ").click()
    row = page.locator(f'tr[data-instance="{case.id}"]')
    expect(row).to_contain_text("Cần tạm dừng trước")

    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Tạm dừng các hồ sơ đã chọn").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã tạm dừng hồ sơ {case.id}.")
    expect(row).not_to_contain_text("Cần tạm dừng trước")
    row.get_by_role("checkbox").check()
    page.get_by_label("Lý do chuyển").fill("Áp dụng quy định kiểm tra pháp lý")
    page.get_by_role("button", name="Chuyển các hồ sơ đã chọn").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"Đã chuyển hồ sơ {case.id} sang phiên bản mới."
    )
    assert deployed.show(case.id)["version"] == 2
    assert deployed.show(case.id)["status"] == "running"

    page.goto(f"/instances/{case.id}")
    diagram = page.locator(".diagram").first
    expect(diagram).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(diagram.locator('[data-element-id="Check_legal"]')).to_have_count(1)
    expect(diagram.locator('.djs-element.pf-active[data-element-id="Draft"]')).to_have_count(1)
    expect(page.locator("body")).to_contain_text("chuyển sang phiên bản mới")

    # The replay draws each step on the version it ran on: version 1 before the move.
    page.goto(f"/instances/{case.id}/replay?step=1")
    replayed = page.locator("#diagram")
    expect(replayed).to_have_attribute("data-loaded", "true", timeout=15000)
    expect(replayed.locator('[data-element-id="Draft"]')).to_have_count(1)
    expect(replayed.locator('[data-element-id="Check_legal"]')).to_have_count(0)
    page.keyboard.press("End")
    expect(replayed.locator('[data-element-id="Check_legal"]')).to_have_count(1)
    page.keyboard.press("Home")
    expect(replayed.locator('[data-element-id="Check_legal"]')).to_have_count(0)

    case.act("cv_vhtt", "Draft", {"statement_text": "UBND huyện thông tin như sau: ..."})
    assert case.open() == ["Check_legal"]


def test_a_case_that_cannot_move_has_no_checkbox_and_says_why(
    deployed: Policyflow, people: "People"
) -> None:
    case = at_draft(deployed)
    deploy(deployed, without_draft())
    page = people.login(OWNER)
    page.goto("/processes/press_statement/migrate")
    row = page.locator(f'tr[data-instance="{case.id}"]')
    expect(row).to_contain_text("không còn trong phiên bản 2")
    expect(row.get_by_role("checkbox")).to_have_count(0)
