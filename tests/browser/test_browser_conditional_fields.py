"""Conditional fields in the browser (issue 14 item 12): the head of office's review shows
the comment box only after "Trả lại" is chosen, marked required; it hides again on
"Đồng ý" (static/conditional.js, no inline script)."""

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from engine.facade import Policyflow
from tests.processes import DRAFT, start_document

if TYPE_CHECKING:
    from conftest import People


def test_the_comment_box_appears_only_after_choosing_return(
    people: "People", deployed: Policyflow
) -> None:
    case = start_document(deployed, "QĐ")
    case.act("cv_vhtt", "Draft", DRAFT)
    task = case.task("tp_vhtt", "Review")
    page = people.login("tp_vhtt")
    page.goto(f"/tasks/{task['id']}")
    claim = page.get_by_role("button", name="Nhận việc")
    if claim.count():
        claim.first.click()
    comments = page.locator("#f-review_comments")
    expect(page.get_by_text("Trả lại, yêu cầu chỉnh sửa")).to_be_visible()
    expect(comments).to_be_hidden()
    page.get_by_label("Trả lại, yêu cầu chỉnh sửa").check()
    expect(comments).to_be_visible()
    expect(comments).to_have_attribute("required", "")
    expect(page.locator("label[for=f-review_comments] .req")).to_be_visible()  # the asterisk
    page.get_by_label("Đồng ý nội dung, trình tiếp").check()
    expect(comments).to_be_hidden()
    expect(comments).to_be_disabled()  # not sent when it does not apply
