"""Issue 18 item 10 in Chromium: the auditor signs in and lands on the audit log, finds the
events of a person by typing part of their full name, and downloads that result as CSV."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from engine.facade import Policyflow
from tests.browser.test_browser_ui import Shoot
from tests.processes import start_document


def test_the_auditor_searches_by_full_name_and_downloads_csv(
    people: "object", deployed: Policyflow, shoot: Shoot
) -> None:
    start_document(deployed, "QĐ")
    name = deployed.audit.events("admin", actor="cv_vhtt")["items"][0]["actor_name"]
    expected = deployed.audit.events("admin", actor=name)["total"]
    page = people.page("kiem_toan")  # type: ignore[attr-defined]
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("kiem_toan")
    page.get_by_label("Mật khẩu").fill("demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    typed = " ".join(name.split()[-2:]).lower()  # part of the name, in lower case
    page.get_by_label("Người thực hiện").fill(typed)
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("table.audit-events tbody tr")
    expect(rows).to_have_count(expected)
    expect(rows.first).to_contain_text(name)
    shoot(page, "audit-by-full-name")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    found = list(csv.DictReader(io.StringIO(text)))
    assert len(found) == expected and {r["actor_name"] for r in found} == {name}
