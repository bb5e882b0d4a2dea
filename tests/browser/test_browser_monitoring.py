"""P5 in Chromium: the head of the culture office reads `/monitoring` (the rebuttal and the
platform past its 24 hours), follows an item to the P1 case it started and back; the
monitoring term's page draws its diagram. Screenshots in test-output/screenshots/."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from engine.facade import Policyflow
from tests.web.test_monitoring_web import two_items

if TYPE_CHECKING:
    from conftest import People

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("every_instance_replays")]


def test_the_monitoring_list_and_its_links(
    deployed: Policyflow, people: "People", shoot: Callable[[Page, str], Path]
) -> None:
    item, press, late = two_items(deployed)
    page = people.login("tp_vhtt")
    page.get_by_role("link", name="Theo dõi tin").click()
    expect(page.get_by_role("heading", name="Theo dõi tin trên mạng")).to_be_visible()
    rows = page.locator("table.monitoring-items tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Quá hạn")).to_have_count(1)
    shoot(page, "monitoring-list")
    page.get_by_role("link", name=f"Phát ngôn cải chính #{press}").click()
    expect(page.get_by_role("heading", name="Tin theo dõi liên quan")).to_be_visible()
    shoot(page, "monitoring-p1-case")
    page.get_by_role("link", name=f"Hồ sơ xử lý tin #{item}").first.click()
    expect(page).to_have_url(f"{people.server.url}/instances/{item}")
    expect(page.locator(".djs-container")).to_be_visible()
    shoot(page, "monitoring-item-case")
    scan = deployed.monitoring.items(None)[0]["scan_instance_id"]
    page.goto(f"/instances/{scan}")
    expect(page.locator(".djs-container")).to_be_visible()
    shoot(page, "monitoring-term")
    assert late != item
