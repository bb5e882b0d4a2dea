"""Issue 18 item 9 in Chromium: P3's unit report in the plan's sections with a live
subtotal, and a draft saved with "Lưu nháp", found again after leaving the page, not
submitted (the task stays open, nothing in the log)."""

from datetime import date

from playwright.sync_api import expect

from engine.facade import Policyflow
from tests.browser.test_browser_ui import Shoot, field


def test_sections_subtotal_and_a_draft_restored(
    people: "object", deployed: Policyflow, shoot: Shoot
) -> None:
    year = date.today().year
    instance = deployed.start("annual_report", "cv_vhtt", {"year": year, "outline_ref": "1/KH"})
    [task] = [
        t for t in deployed.tasks("xa_xuanbac")
        if t["instance_id"] == instance["id"] and t["element_id"] == "Unit_draft"
    ]  # fmt: skip
    events = len(deployed.history(instance["id"]))
    page = people.login("xa_xuanbac")  # type: ignore[attr-defined]
    page.goto(f"/tasks/{task['id']}")
    sections = page.locator("fieldset.form-section > legend")
    expect(sections).to_have_count(5)
    expect(sections.nth(2)).to_contain_text("Thông tin, truyền thông về chính sách")
    news = page.locator("#section-news")
    for label, value in [
        ("Số tin, bài trên Cổng/Trang thông tin điện tử", "12"),
        ("Số tin, bài trên Trung tâm VH-TT&TT", "30"),
        ("Số tin, bài trên hệ thống truyền thanh cơ sở", "1000"),
    ]:
        field(page, label).fill(value)
    expect(news.locator("output")).to_have_text("1.042")
    field(page, "Số lớp tập huấn, bồi dưỡng đã tổ chức").fill("3")
    shoot(page, "long-form-sections")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu nháp lúc")).to_be_visible()
    page.goto("/")
    page.goto(f"/tasks/{task['id']}")
    expect(page.get_by_text("Đang hiển thị bản nháp")).to_be_visible()
    expect(field(page, "Số lớp tập huấn, bồi dưỡng đã tổ chức")).to_have_value("3")
    expect(field(page, "Số tin, bài trên hệ thống truyền thanh cơ sở")).to_have_value("1000")
    expect(page.locator("#section-news output")).to_have_text("1.042")
    assert len(deployed.history(instance["id"])) == events  # a draft is not an event
    assert task["id"] in {t["id"] for t in deployed.tasks("xa_xuanbac")}  # still open
